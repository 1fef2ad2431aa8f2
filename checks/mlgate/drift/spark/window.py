"""`mlgate drift --engine spark`: the window's summaries by Spark aggregation, into the very
accumulators the Arrow engine fills batch by batch, so the judging code is one and the same.

Exact, as in the Arrow engine: counts, nulls, values that are not numbers, bin counts on the
reference's edges, category counts, words outside the vocabulary. The distances of values to
their bin's left edge, summed per bin (Wasserstein), are Spark's double sums: small
non-negative terms in another order, equal to the last bits or so. Engine-specific: the
sample KS reads (a seeded bottom-k of Spark's rand), which categories are kept beyond 10,000
distinct ones (the most frequent, not the first seen) and the examples of bad values shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ...drift.profile import number_key
from ...drift.window import (
    MAX_CATEGORIES,
    SAMPLE_CAP,
    Accumulator,
    CategoryWindow,
    DateWindow,
    NumericWindow,
    TextWindow,
    accumulator_for,
    refuse_foreign,
)
from ...errors import require
from ...io.columnar import OUTPUT_COLUMNS
from ...io.spark import column_types, quoted, read_frame, spark_errors
from ...policy import EngineSettings
from . import measure, numbers

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


def read_window_spark(
    sources: Sequence[str],
    profile: dict[str, Any],
    methods: dict[str, tuple[str, float]],
    engine: EngineSettings,
    *,
    outputs: dict[str, tuple[str, float]] | None = None,
    seed: int = 0,
) -> tuple[dict[str, Accumulator], int, list[str]]:
    """read_window's answer (accumulators, rows, new columns) for the window at `sources`;
    the outputs' accumulators under OUTPUT_COLUMNS' names, as read_window keys them."""
    require("pyspark", "spark")  # the install hint, before any import of it
    with spark_errors("read the window"):
        return _read_window(sources, profile, methods, engine, outputs or {}, seed)


def _read_window(
    sources: Sequence[str],
    profile: dict[str, Any],
    methods: dict[str, tuple[str, float]],
    engine: EngineSettings,
    outputs: dict[str, tuple[str, float]],
    seed: int,
) -> tuple[dict[str, Accumulator], int, list[str]]:
    from pyspark.sql import functions as F

    from ...io.spark import check_sources, spark_session

    check_sources(sources)
    session = spark_session(engine.master, engine.config)
    frame = read_frame(session, sources, as_text=True, outputs=bool(outputs))
    columns = dict(profile["columns"])
    planned = dict(methods)
    for name, chosen in outputs.items():
        columns[OUTPUT_COLUMNS[name]] = profile["outputs"]["columns"][name]
        planned[OUTPUT_COLUMNS[name]] = chosen
    accumulators = {
        name: accumulator_for(columns[name], needs_sample=method == "ks", seed=seed + index)
        for index, (name, (method, _)) in enumerate(planned.items())
    }
    types = column_types(frame)
    present = [name for name in planned if name in types]
    missing = [name for name in methods if name not in types]
    numeric = {n: a for n, a in accumulators.items() if n in types and isinstance(a, NumericWindow)}
    as_text = {
        n: a.date_format
        for n, a in numeric.items()
        if isinstance(a, DateWindow) and measure.spark_kind(types[n]) != "datetime"
    }
    native = {n: a for n, a in numeric.items() if n not in as_text}
    measures: dict[str, tuple[Column, Column]] = {}
    never = F.lit(False)  # dates and words: a typed date or any text is never a bad value
    for name, accumulator in native.items():
        column = frame[quoted(name)]
        if isinstance(accumulator, DateWindow):
            measures[name] = (measure.finite(measure.typed_days(column, types[name])), never)
        elif isinstance(accumulator, TextWindow):
            measures[name] = (measure.word_count(column), never)
        else:
            measures[name] = measure.as_number(column, types[name])
    rows = _rows_and_categories(frame, present, accumulators)
    if rows:
        refuse_foreign(missing, len(methods), types)
    if measures:
        names = list(measures)
        measured = frame.select(
            *[measures[n][0].alias(f"m{i}") for i, n in enumerate(names)],
            *[measures[n][1].alias(f"b{i}") for i, n in enumerate(names)],
            *[frame[quoted(n)].cast("string").alias(f"t{i}") for i, n in enumerate(names)],
        )
        _fill(measured, [native[n] for n in names], rows)
    if as_text:
        days = measure.text_dates(frame, as_text)
        dated = days.select(*[days[f"d{i}"].alias(f"m{i}") for i in range(len(as_text))],
                            *[days[f"b{i}"] for i in range(len(as_text))],
                            *[days[f"t{i}"] for i in range(len(as_text))])  # fmt: skip
        _fill(dated, [numeric[n] for n in as_text], rows)
    for name, accumulator in accumulators.items():
        if isinstance(accumulator, TextWindow) and name in types:
            _words(frame, name, accumulator)
    for name in missing:
        accumulators[name].nulls = -1  # "column absent", as read_window marks it
    known = set(columns) | set(profile.get("ignored") or {}) | set(profile.get("excluded") or [])
    return accumulators, rows, sorted(set(types) - known - set(OUTPUT_COLUMNS.values()))


def _rows_and_categories(
    frame: DataFrame, present: list[str], accumulators: dict[str, Accumulator]
) -> int:
    """The window's rows; each category column's counts (the reference's categories and the
    most frequent MAX_CATEGORIES)."""
    from pyspark.sql import functions as F

    categories = [n for n in present if isinstance(accumulators[n], CategoryWindow)]
    found = frame.agg(F.count(F.lit(1)).alias("rows"),
                      *[F.count(frame[quoted(n)]).alias(f"n{i}")
                        for i, n in enumerate(categories)]).first()  # fmt: skip
    rows = int(found["rows"]) if found else 0
    known = {n: accumulators[n].known for n in categories}  # type: ignore[union-attr]
    top, _ = measure.top_categories(frame, categories, MAX_CATEGORIES, always=known)
    for i, name in enumerate(categories):
        window = accumulators[name]
        assert isinstance(window, CategoryWindow)
        window.count = int(found[f"n{i}"]) if found else 0
        window.nulls = rows - window.count
        for value, count in top[name]:
            key = window._key(value)
            window.counts[key] = window.counts.get(key, 0) + count
        window.overflow = window.count - sum(window.counts.values())
    return rows


def _fill(measured: DataFrame, windows: list[NumericWindow], rows: int) -> None:
    """Counts, nulls, bad values, extremes, bins, discrete values and samples of m0, m1, ..."""
    from pyspark.sql import functions as F

    aggregates = []
    for i in range(len(windows)):
        value = F.col(f"m{i}")
        aggregates += [F.count(value).alias(f"n{i}"), F.min(value).alias(f"lo{i}"),
                       F.max(value).alias(f"hi{i}"),
                       F.sum(F.col(f"b{i}").cast("long")).alias(f"u{i}")]  # fmt: skip
    first = measured.agg(*aggregates).first()
    assert first is not None
    binned: dict[str, list[float]] = {}
    for i, window in enumerate(windows):
        window.count = int(first[f"n{i}"])
        window.not_numbers = int(first[f"u{i}"] or 0)
        window.nulls = rows - window.count - window.not_numbers
        if window.count:
            window.minimum, window.maximum = float(first[f"lo{i}"]), float(first[f"hi{i}"])
        if window.not_numbers:
            window.not_number_examples = measure.examples(measured, F.col(f"t{i}"),
                                                          F.col(f"b{i}"))  # fmt: skip
        if window.count and len(window.edges) >= 2:
            binned[f"m{i}"] = sorted(set(float(e) for e in window.edges))
    if binned:
        positioned = numbers.with_positions(measured, binned)
        slots = [F.struct(F.lit(i).alias("c"),
                          numbers.bin_slot(F.col(f"m{i}"), F.col(f"m{i}_at"),
                                           list(windows[i].edges)).alias("s"),
                          F.col(f"m{i}").alias("v"))
                 for i in range(len(windows)) if f"m{i}" in binned]  # fmt: skip
        stacked = positioned.select(F.inline(F.array(*slots))).where(F.col("v").isNotNull())
        by_slot = stacked.groupBy("c", "s").agg(
            F.count("*").alias("n"), F.sum(_distance(windows)).alias("d")
        )
        for row in by_slot.collect():
            window, slot = windows[row["c"]], int(row["s"])
            window.bins[slot] += int(row["n"])
            if slot == 0:
                window.below += float(row["d"])
            elif slot == len(window.edges):
                window.above += float(row["d"])
            else:
                window.offsets[slot - 1] += float(row["d"])
    discrete = [f"m{i}" for i, w in enumerate(windows) if w.discrete and w.count]
    known = {f"m{i}": [float(key) for key in w.known] for i, w in enumerate(windows)}
    counted = numbers.value_counts(measured, discrete, MAX_CATEGORIES, always=known)
    for i, window in enumerate(windows):
        if f"m{i}" in counted:
            window.values = {number_key(value): n for value, n in counted[f"m{i}"]}
        if window.sample_cap and window.count:
            keyed = measured.where(F.col(f"m{i}").isNotNull()).select(
                F.col(f"m{i}").alias("v"), F.rand(int(window.rng.integers(1 << 31))).alias("k")
            )
            picked = keyed.orderBy("k").limit(min(window.sample_cap, SAMPLE_CAP)).collect()
            window.sample = np.array([float(r["v"]) for r in picked])


def _distance(windows: list[Any]) -> Column:
    """Each value's distance to its bin's left edge (to the first edge below it, to the last
    above it): what the Arrow engine sums per bin (stats.Binned says why distances)."""
    from pyspark.sql import functions as F

    value, slot, column = F.col("v"), F.col("s"), F.col("c")
    edge: Any = F  # one flat CASE over the columns: F.when, then .when for each next one
    for i, window in enumerate(windows):
        if len(window.edges) >= 2:
            lefts = F.array(*[F.lit(float(e)) for e in window.edges])
            # 1-based: slot s (s >= 1) lies right of edge s - 1; slot 0 left of the first
            edge = edge.when(column == i, F.element_at(lefts, F.greatest(slot, F.lit(1))))
    return F.when(slot == 0, edge - value).otherwise(value - edge)


def _words(frame: DataFrame, name: str, window: TextWindow) -> None:
    from pyspark.sql import functions as F

    vocabulary = [str(w) for w in window.vocabulary.to_pylist()]
    words = frame.select(F.explode(measure.word_list(frame[quoted(name)])).alias("w"))
    outside = F.sum((~F.col("w").isin(vocabulary)).cast("long")).alias("u")
    found = words.agg(F.count(F.lit(1)).alias("n"), outside).first()
    window.words = int(found["n"]) if found else 0
    window.unknown_words = int(found["u"] or 0) if found else 0
