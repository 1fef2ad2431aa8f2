"""Exact numbers from Spark aggregates: sums, order statistics and bins, as numpy gives them.

Spark's `sum` and `avg` add doubles in whatever order the partitions arrive, so their last
bits vary with the partitioning. A double is an integer times a power of two: grouped by
that power, the integers add exactly as DECIMAL(38, 0) in Spark, and the driver rounds the
exact total once. The result is the correctly rounded sum, the same as `math.fsum` in the
Arrow engine, whatever the order.

Quantiles need exact order statistics. `percentile_approx` is not exact and `percentile`
holds every distinct value in one task, so the k-th value is found by refinement instead:
a first pass counts each column's values by sign and binary exponent, later passes count
the intervals still in question on equal-width buckets (about 16,384 a pass in all), each
keeping the bucket that holds a wanted rank; an interval of at most COLLECT values is
counted value by value. At most five passes on any distribution (one for the exponent, four
for 52 bits of mantissa); each moves only bucket counts to the driver.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import CouldNotCheck
from ...io.spark import quoted

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

BUCKETS = 16_384
COLLECT = 4_096  # an interval with at most this many values is counted value by value
MAX_PASSES = 12


def linear_quantiles(count: int, quantiles: np.ndarray, value_at: dict[int, float]) -> np.ndarray:
    """numpy.quantile's default ('linear') from the order statistics it reads.

    The same float operations in the same order as numpy 2's `_quantile` and `_lerp`, so the
    result is bit for bit what np.quantile gives on the whole sorted column (tested).
    """
    virtual = (count - 1) * quantiles
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= count - 1
    previous[above] = count - 1
    following[above] = count - 1
    below = virtual < 0
    previous[below] = 0
    following[below] = 0
    gamma = virtual - np.where(above, -1.0, previous)
    low = np.array([value_at[int(i)] for i in previous])
    high = np.array([value_at[int(i)] for i in following])
    difference = high - low
    result = low + difference * gamma
    late = gamma >= 0.5
    result[late] = (high - difference * (1 - gamma))[late]
    return result


def quantile_ranks(count: int, quantiles: np.ndarray) -> list[int]:
    """The order statistics (0-based ranks) linear_quantiles reads."""
    virtual = (count - 1) * quantiles
    previous = np.clip(np.floor(virtual), 0, count - 1).astype(int)
    following = np.clip(previous + 1, 0, count - 1)
    return sorted({int(i) for i in previous} | {int(i) for i in following})


# --- exact sums ----------------------------------------------------------------------------------


def exact_parts(value: Column) -> tuple[Column, Column]:
    """(e, m) with value == m * 2**(e - 52) exactly, m an integer below 2**56 in size.

    e is two below log2's estimate of the exponent, so m is an integer even when log2 is one
    off near a power of two; the scaling is split in two so that no factor overflows.
    """
    from pyspark.sql import functions as F

    exponent = F.when(value == 0, F.lit(0)).otherwise(F.floor(F.log2(F.abs(value))) - 2)
    shift = F.lit(52) - exponent
    first = F.floor(shift / 2)
    scaled = value * F.pow(F.lit(2.0), first) * F.pow(F.lit(2.0), shift - first)
    return exponent.cast("int"), scaled.cast("long")


def exact(parts: Sequence[tuple[int, Any]]) -> Fraction:
    """sum(m * 2**(e - 52)) over (e, summed m) pairs, exactly; float() rounds it correctly."""
    total = Fraction(0)
    for exponent, mantissas in parts:
        total += Fraction(int(mantissas)) * Fraction(2) ** (int(exponent) - 52)
    return total


def exact_sums(frame: DataFrame, key: Column, value: Column) -> dict[Any, tuple[int, Fraction]]:
    """Per key (a tuple for a struct key): how many non-null values, and their exact sum."""
    from pyspark.sql import functions as F

    exponent, mantissa = exact_parts(value)
    grouped = (
        frame.select(key.alias("k"), exponent.alias("e"), mantissa.alias("m"))
        .where(F.col("m").isNotNull())
        .groupBy("k", "e")
        .agg(F.count("*").alias("n"), F.sum(F.col("m").cast("decimal(38,0)")).alias("s"))
        .collect()
    )
    parts: dict[Any, list[tuple[int, Any]]] = {}
    counts: dict[Any, int] = {}
    for row in grouped:
        k = tuple(row["k"]) if isinstance(row["k"], tuple) else row["k"]
        parts.setdefault(k, []).append((row["e"], row["s"]))
        counts[k] = counts.get(k, 0) + int(row["n"])
    return {k: (counts[k], exact(p)) for k, p in parts.items()}


# --- bins ----------------------------------------------------------------------------------------


def with_positions(frame: DataFrame, bounds: dict[str, Sequence[float]]) -> DataFrame:
    """Adds `<column>_at` per column: how many of its sorted, distinct `bounds` are <= the value
    (null for a null value). Spark ML's Bucketizer does the binary search in the JVM; a tree of
    CASE WHENs as deep would be too large for Spark's code generation."""
    from pyspark.ml.feature import Bucketizer

    if not bounds:
        return frame
    names = list(bounds)
    splits = [[-math.inf, *[float(b) for b in bounds[n]], math.inf] for n in names]
    bucketizer = Bucketizer(splitsArray=splits, inputCols=names, handleInvalid="keep",
                            outputCols=[f"{n}_at" for n in names])  # fmt: skip
    return bucketizer.transform(frame)


def bin_slot(value: Column, position: Column, edges: Sequence[float]) -> Column:
    """The slot on the reference's bins from `position` (with_positions on the distinct
    edges): 0 below the first edge, 1..n-1 the bins [edge, next edge) with the last one closed
    (numpy.histogram's), n above the last edge."""
    from pyspark.sql import functions as F

    last = len(edges) - 1
    top = F.lit(float(edges[last]))
    return (
        F.when(value == top, F.lit(last))
        .when(value > top, F.lit(last + 1))
        .otherwise(position.cast("int"))
    )


def value_counts(
    frame: DataFrame,
    names: list[str],
    keep: int,
    always: dict[str, Collection[float]] | None = None,
) -> dict[str, list[tuple[float, int]]]:
    """Per column (non-null numbers): its `keep` most frequent values and their counts, and
    those in `always` however rare, in one job for all the columns."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if not names:
        return {}
    stacked = frame.select(F.inline(F.array(*[
        F.struct(F.lit(i).alias("c"), F.col(quoted(n)).alias("v")) for i, n in enumerate(names)
    ]))).where(F.col("v").isNotNull())  # fmt: skip
    rank = F.row_number().over(Window.partitionBy("c").orderBy(F.desc("count"), F.col("v")))
    grouped = stacked.groupBy("c", "v").count().withColumn("r", rank)
    found: dict[str, list[tuple[float, int]]] = {n: [] for n in names}
    wanted = F.col("r") <= keep
    for i, name in enumerate(names):
        if (always or {}).get(name):
            wanted = wanted | ((F.col("c") == i) & F.col("v").isin(sorted(always[name])))
    for row in grouped.where(wanted).collect():
        found[names[row["c"]]].append((float(row["v"]), int(row["count"])))
    return found


# --- order statistics ----------------------------------------------------------------------------


class _Interval:
    """Values in [low, high] that hold some wanted ranks; `before` values lie below `low`.

    The first pass over a column buckets by sign and binary exponent, so a column spanning
    many orders of magnitude (p-values, amounts) narrows to one binade at once; later passes
    divide an interval, which then lies within a binade and one sign, into equal widths
    (four passes at most for 52 bits of mantissa)."""

    def __init__(self, low: float, high: float, before: int, size: int, first: bool) -> None:
        self.low, self.high, self.before, self.size = low, high, before, size
        self.first = first

    @property
    def by_value(self) -> bool:
        return self.size <= COLLECT or self.low == self.high


def order_statistics(
    frame: DataFrame, columns: dict[str, tuple[int, float, float]], ranks: dict[str, list[int]]
) -> dict[str, dict[int, float]]:
    """The values at the given 0-based ranks of each column's non-null values, exactly.

    `columns` gives each column's (count, min, max) from an earlier pass.
    """
    from pyspark.sql import functions as F

    found: dict[str, dict[int, float]] = {name: {} for name in columns}
    wanted: dict[str, dict[int, _Interval]] = {}
    for name, (count, low, high) in columns.items():
        whole = _Interval(low, high, 0, count, first=True)
        wanted[name] = {rank: whole for rank in ranks[name]}
    for _ in range(MAX_PASSES):
        open_names = [name for name in columns if wanted[name]]
        if not open_names:
            return found
        plans: dict[str, list[_Interval]] = {}
        for name in open_names:
            plans[name] = sorted({id(i): i for i in wanted[name].values()}.values(),
                                 key=lambda i: i.low)  # fmt: skip
        lows = {name: [i.low for i in plans[name]] for name in open_names}
        positioned = with_positions(frame.select(*open_names), lows)
        rows = [_keyed(F.col(name), F.col(f"{name}_at"), index, plans[name])
                for index, name in enumerate(open_names)]  # fmt: skip
        stacked = positioned.select(F.inline(F.array(*rows))).where(F.col("i").isNotNull())
        counted = (
            stacked.groupBy("c", "i", "k")
            .agg(F.count("*").alias("n"), F.min("v").alias("lo"), F.max("v").alias("hi"))
            .collect()
        )
        groups: dict[tuple[int, int], list[Any]] = {}
        for row in counted:
            groups.setdefault((row["c"], row["i"]), []).append(row)
        for index, name in enumerate(open_names):
            for position, interval in enumerate(plans[name]):
                buckets = sorted(groups.get((index, position), []), key=lambda r: r["k"])
                _narrow(name, interval, buckets, wanted, found)
    raise CouldNotCheck(  # pragma: no cover (52 bits take at most 1 + 4 passes)
        f"exact quantiles of {', '.join(n for n in columns if wanted[n])} did not settle in "
        f"{MAX_PASSES} passes"
    )


def _keyed(value: Column, position: Column, index: int, intervals: list[_Interval]) -> Column:
    """(c, i, k, v): the column, the interval the value falls in, its bucket (by sign and
    exponent on a first pass, by equal widths later, or the value itself for an interval
    counted value by value), the value; i is null outside them all."""
    from pyspark.sql import functions as F

    lows = F.array(*[F.lit(float(i.low)) for i in intervals])
    highs = F.array(*[F.lit(float(i.high)) for i in intervals])
    modes = F.array(*[F.lit(0 if i.by_value else 1 if i.first else 2) for i in intervals])
    widths = max(64, BUCKETS // len(intervals))  # bucket rows to the driver: ~BUCKETS a pass
    slot = position.cast("int") - 1
    at = F.greatest(slot, F.lit(0)) + 1
    low, high = F.element_at(lows, at), F.element_at(highs, at)
    inside = value.isNotNull() & (slot >= 0) & (value <= high)
    # halves: no overflow between -1.8e308 and 1.8e308; the interval is of one sign anyway
    share = (value / 2 - low / 2) / (high / 2 - low / 2)
    linear = F.least(F.floor(share * widths), F.lit(widths - 1)).cast("double")
    exponent = F.when(value == 0, F.lit(0.0)).otherwise(
        F.signum(value) * (F.floor(F.log2(F.abs(value))) + 1100)
    )
    mode = F.element_at(modes, at)
    key = F.when(mode == 0, value).when(mode == 1, exponent).otherwise(linear)
    return F.struct(
        F.lit(index).alias("c"),
        F.when(inside, slot).alias("i"),
        F.when(inside, key).alias("k"),
        value.alias("v"),
    )


def _narrow(
    name: str,
    interval: _Interval,
    buckets: list[Any],
    wanted: dict[str, dict[int, _Interval]],
    found: dict[str, dict[int, float]],
) -> None:
    """Move each rank of this interval into the bucket holding it, or settle it."""
    ranks = sorted(r for r, i in wanted[name].items() if i is interval)
    before = interval.before
    narrower: dict[int, _Interval] = {}
    position = 0
    for rank in ranks:
        while position < len(buckets) and before + int(buckets[position]["n"]) <= rank:
            before += int(buckets[position]["n"])
            position += 1
        if position == len(buckets):
            raise CouldNotCheck(  # the data changed between two passes over it
                f"rank {rank} of {name} is beyond the values counted: did the data change "
                "while it was read?"
            )
        bucket = buckets[position]
        if interval.by_value or bucket["lo"] == bucket["hi"]:
            found[name][rank] = float(bucket["lo"])
            del wanted[name][rank]
            continue
        if position not in narrower:
            narrower[position] = _Interval(float(bucket["lo"]), float(bucket["hi"]), before,
                                           int(bucket["n"]), first=False)  # fmt: skip
        wanted[name][rank] = narrower[position]
