"""`mlgate profile --engine spark`: the Arrow engine's profile, computed by Spark aggregations.

Byte-identical to the Arrow engine's profile on the same data, except where the Arrow
engine's answer depends on row order: the sample of a column with more values than
`--sample` (a seeded bottom-k of Spark's rand instead of numpy's choice) and a text column's
out-of-vocabulary share (even and odd rows within each partition). docs/spark.md says why.
Only aggregates reach the driver: counts, bucket counts, exact sums, top categories and the
bounded sample.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ...drift.profile import (
    DATE_UNIT,
    DISCRETE_MAX,
    TOO_LARGE,
    VOCABULARY,
    ProfileSettings,
    assemble,
    category_key,
    number_key,
    plan_columns,
    profile_model,
    source_hash,
)
from ...errors import CouldNotCheck, require
from ...io.spark import URI, column_types, quoted, read_frame, source_format, spark_errors
from ...policy import EngineSettings
from . import measure, numbers

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


def build_profile_spark(
    sources: Sequence[str],
    *,
    exclude: Sequence[str] = (),
    settings: ProfileSettings,
    engine: EngineSettings,
    schema: str | Path | None = None,
    outputs: str | Path | None = None,
) -> dict[str, Any]:
    """build_profile's answer, computed on Spark; Spark's errors are could-not-checks."""
    require("pyspark", "spark")  # the install hint, before any import of it
    with spark_errors("profile the data"):
        return _build(sources, exclude, settings, engine, schema, outputs)


def _build(
    sources: Sequence[str],
    exclude: Sequence[str],
    settings: ProfileSettings,
    engine: EngineSettings,
    schema: str | Path | None,
    outputs: str | Path | None,
) -> dict[str, Any]:
    from pyspark.sql import functions as F

    from ...io.spark import check_sources, spark_session

    model = profile_model(settings, schema, outputs)
    roles = model.features
    check_sources(sources)
    session = spark_session(engine.master, engine.config)
    frame = read_frame(session, sources, as_text=False, text_columns=model.as_written)
    types = column_types(frame)
    json_lines = all(source_format(source) == "jsonl" for source in sources)
    kind_of = {n: measure.spark_kind(t) for n, t in types.items()}  # a type in words: ignored
    found = [(n, kind_of[n], t.simpleString() if kind_of[n] else
              measure.type_in_arrow_words(t, json_lines)) for n, t in types.items()]  # fmt: skip
    kinds, ignored = plan_columns(found, exclude, model, by_schema=schema is not None)
    plan = {name: (kind, types[name]) for name, kind in kinds.items()}  # kind, Spark type

    # numbers, typed dates and words per value: one frame of measures m0, m1, ...
    native: dict[str, Column] = {}
    bad: dict[str, Column] = {}
    as_text: dict[str, str | None] = {}
    for name, (kind, data_type) in plan.items():
        column = frame[quoted(name)]
        if kind == "numeric":
            native[name], bad[name] = measure.as_number(column, data_type)
        elif kind == "datetime" and measure.spark_kind(data_type) == "datetime":
            native[name] = measure.finite(measure.typed_days(column, data_type))
        elif kind == "datetime":
            as_text[name] = roles.get(name, {}).get("format")
        elif kind == "text":
            native[name] = measure.word_count(column)
    rows = _first_pass(frame, plan, native, bad)
    if rows["rows"] == 0:
        raise CouldNotCheck("no rows to profile: the data files are empty")
    for name in bad:
        if rows[f"bad:{name}"]:
            raise CouldNotCheck(
                f"column {name!r} is numeric in the model's schema, but its values are not "
                f"all numbers ({rows[f'bad:{name}']} are not)"
            )
    columns: dict[str, Any] = {}
    names = list(native)
    measured = frame.select(*[native[n].alias(f"m{i}") for i, n in enumerate(names)])
    summaries = _summarise(measured, names, rows, settings, seed_of=list(plan).index)
    dated: dict[str, dict[str, Any]] = {}
    if as_text:
        days = measure.text_dates(frame, as_text)
        day_names = list(as_text)
        day_frame = days.select(*[F.col(f"d{i}").alias(f"m{i}") for i in range(len(day_names))],
                                *[F.col(f"b{i}") for i in range(len(day_names))])  # fmt: skip
        day_rows = _measure_counts(day_frame, day_names, rows["rows"])
        found = _summarise(day_frame, day_names, day_rows, settings, seed_of=list(plan).index)
        for name in day_names:
            unparsed = int(day_rows[f"bad:{name}"] or 0)
            found[name]["nulls"] -= unparsed
            dated[name] = {**found[name], "kind": "datetime", "format": as_text[name],
                           "unit": DATE_UNIT, "unparsed": unparsed}  # fmt: skip
    categories = [n for n, (kind, _) in plan.items() if kind in ("categorical", "boolean")]
    top, distinct = measure.top_categories(frame, categories, settings.top_k, tie_by_text=True)
    for name, (kind, _) in plan.items():
        if name in dated:
            columns[name] = dated[name]
        elif kind == "datetime":
            columns[name] = {**summaries[name], "kind": kind,
                             "format": roles.get(name, {}).get("format"),
                             "unit": DATE_UNIT, "unparsed": 0}  # fmt: skip
        elif kind == "text":
            columns[name] = {**summaries[name], "kind": kind, **_vocabulary(frame, name)}
        elif kind == "numeric":
            columns[name] = {**summaries[name], "kind": kind}
        else:
            count = int(rows[f"n:{name}"])
            kept = {category_key(value): c for value, c in top[name]}  # Spark's text of it
            columns[name] = {"kind": kind, "count": count, "nulls": int(rows["rows"]) - count,
                             "distinct": distinct[name], "top": kept,
                             "other": count - sum(kept.values())}  # fmt: skip
    return assemble(int(rows["rows"]), columns, ignored, spark_source_hash(sources),
                    exclude=exclude, settings=settings, model=model, outputs=outputs)  # fmt: skip


def spark_source_hash(sources: Sequence[str]) -> str:
    """The Arrow engine's hash of the files' bytes where they are local files; for folders
    and URIs, of their names (the bytes of a data lake are not read through the driver)."""
    files = [Path(s) for s in sources if not URI.match(s)]
    if len(files) == len(sources) and all(f.is_file() for f in files):
        return source_hash(files)
    digest = hashlib.sha256()
    for source in sources:
        path = Path(source)
        listed = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for item in listed:
            digest.update(str(item).encode() + b"\0")
            if item.is_file():
                digest.update(str(item.stat().st_size).encode() + b"\0")
    return digest.hexdigest()


def _first_pass(
    frame: DataFrame, plan: dict[str, tuple[str, Any]], native: dict[str, Column],
    bad: dict[str, Column],
) -> dict[str, Any]:  # fmt: skip
    """Rows; per measure its count, min, max and distinct values; per category column its
    non-null count; per numeric column, values that are not numbers."""
    from pyspark.sql import functions as F

    aggregates = [F.count(F.lit(1)).alias("rows")]
    for name, value in native.items():
        aggregates += _measure_aggregates(name, value)
    for name, flag in bad.items():
        aggregates.append(F.sum(flag.cast("long")).alias(f"bad:{name}"))
    for name, (kind, _) in plan.items():
        if kind in ("categorical", "boolean"):
            aggregates.append(F.count(frame[quoted(name)]).alias(f"n:{name}"))
    found = frame.agg(*aggregates).first()
    result = found.asDict() if found is not None else {"rows": 0}
    return {key: (value if value is not None else 0) if not key.startswith(("lo:", "hi:"))
            else value for key, value in result.items()}  # fmt: skip


def _measure_aggregates(name: str, value: Column) -> list[Column]:
    """A measure's count, min, max and distinct values, named for _summarise."""
    from pyspark.sql import functions as F

    return [
        F.count(value).alias(f"n:{name}"),
        F.min(value).alias(f"lo:{name}"),
        F.max(value).alias(f"hi:{name}"),
        F.count_distinct(value).alias(f"d:{name}"),
    ]


def _measure_counts(frame: DataFrame, names: list[str], total: int) -> dict[str, Any]:
    """_first_pass for the dates read as text (m{i}, and b{i}: not a date in the format), in
    one job: each job over them runs the model's date parser again."""
    from pyspark.sql import functions as F

    aggregates = []
    for i, name in enumerate(names):
        aggregates += _measure_aggregates(name, F.col(f"m{i}"))
        aggregates.append(F.sum(F.col(f"b{i}").cast("long")).alias(f"bad:{name}"))
    found = frame.agg(*aggregates).first()
    return {"rows": total, **(found.asDict() if found is not None else {})}


def _summarise(
    measured: DataFrame,
    names: list[str],
    first: dict[str, Any],
    settings: ProfileSettings,
    seed_of: Any,
) -> dict[str, dict[str, Any]]:
    """summarise_numbers of the Arrow engine, for columns m0, m1, ... of `measured`."""
    from pyspark.sql import functions as F

    total = int(first["rows"])
    result: dict[str, dict[str, Any]] = {}
    live: dict[str, tuple[int, float, float]] = {}
    for name in names:
        count = int(first[f"n:{name}"] or 0)
        result[name] = {"count": count, "nulls": total - count}
        if count == 0:
            result[name]["distinct"] = 0
            continue
        live[name] = (count, float(first[f"lo:{name}"]), float(first[f"hi:{name}"]))
        result[name].update(distinct=int(first[f"d:{name}"]), min=live[name][1],
                            max=live[name][2])  # fmt: skip
    if not live:
        return result
    column = {name: f"m{names.index(name)}" for name in live}  # plain names for Spark ML
    renamed = measured.select(*column.values())
    quantiles = np.linspace(0.0, 1.0, settings.bins + 1)
    ranks = {
        column[n]: numbers.quantile_ranks(count, quantiles) for n, (count, _, _) in live.items()
    }
    order = numbers.order_statistics(renamed, {column[n]: v for n, v in live.items()}, ranks)
    edges: dict[str, np.ndarray] = {}
    for name, (count, _, _) in live.items():
        found = np.unique(numbers.linear_quantiles(count, quantiles, order[column[name]]))
        edges[name] = found if found.size > 1 else np.array([found[0], found[0]])
    positioned = numbers.with_positions(
        renamed, {column[n]: np.unique(edges[n]).tolist() for n in live}
    )
    slots = [F.struct(F.lit(i).alias("c"),
                      numbers.bin_slot(F.col(column[n]), F.col(f"{column[n]}_at"),
                                       edges[n]).alias("b"),
                      F.col(column[n]).alias("v")) for i, n in enumerate(live)]  # fmt: skip
    stacked = positioned.select(F.inline(F.array(*slots))).where(F.col("v").isNotNull())
    per_bin = numbers.exact_sums(stacked, F.struct("c", "b"), F.col("v"))
    for i, (name, (count, _, _)) in enumerate(live.items()):
        inner = len(edges[name]) - 1
        parts = [per_bin.get((i, slot), (0, Fraction(0))) for slot in range(1, inner + 1)]
        try:
            result[name]["mean"] = float(sum(p[1] for p in parts)) / count
        except OverflowError:
            raise CouldNotCheck(TOO_LARGE) from None
        result[name]["edges"] = [float(e) for e in edges[name]]
        result[name]["counts"] = [p[0] for p in parts]
        result[name]["sums"] = [float(p[1]) for p in parts]
    deviations = [F.struct(F.lit(i).alias("c"),
                           ((F.col(column[n]) - F.lit(result[n]["mean"]))
                            * (F.col(column[n]) - F.lit(result[n]["mean"]))).alias("v"))
                  for i, n in enumerate(live)]  # fmt: skip
    squared = renamed.select(F.inline(F.array(*deviations))).where(F.col("v").isNotNull())
    spread = numbers.exact_sums(squared, F.col("c"), F.col("v"))
    discrete = [column[n] for n in live if result[n]["distinct"] <= DISCRETE_MAX]
    counted = numbers.value_counts(renamed, discrete, DISCRETE_MAX)
    for i, (name, (count, _, _)) in enumerate(live.items()):
        try:
            result[name]["std"] = math.sqrt(float(spread[i][1]) / count)
        except OverflowError:
            raise CouldNotCheck(TOO_LARGE) from None
        if column[name] in counted:
            pairs = sorted(counted[column[name]])
            result[name]["values"] = {number_key(value): n for value, n in pairs}
        if settings.sample and count > settings.sample:
            result[name]["sample"] = _sample(renamed, column[name], settings, seed_of(name))
    if settings.sample:  # every value of the smaller columns, in one job
        small = [n for n, (count, _, _) in live.items() if count <= settings.sample]
        for name, values in _every_value(renamed, [column[n] for n in small]).items():
            result[names[int(name[1:])]]["sample"] = values
    return result


def _every_value(frame: DataFrame, names: list[str]) -> dict[str, list[float]]:
    """All non-null values of each column, sorted: the sample of a column with at most
    `--sample` values, as the Arrow engine keeps it (the same bytes)."""
    from pyspark.sql import functions as F

    if not names:
        return {}
    stacked = frame.select(F.inline(F.array(*[
        F.struct(F.lit(i).alias("c"), F.col(n).alias("v")) for i, n in enumerate(names)
    ]))).where(F.col("v").isNotNull())  # fmt: skip
    found: dict[str, list[float]] = {n: [] for n in names}
    for row in stacked.collect():
        found[names[row["c"]]].append(float(row["v"]))
    return {n: sorted(values) for n, values in found.items()}


def _sample(frame: DataFrame, name: str, settings: ProfileSettings, index: int) -> list[float]:
    """The values with the smallest seeded random keys: a uniform sample of Spark's own (the
    Arrow engine draws with numpy; the two differ, the KS verdicts agree)."""
    from pyspark.sql import functions as F

    column = F.col(quoted(name))
    keyed = frame.where(column.isNotNull()).select(
        column.alias("v"), F.rand(settings.seed * 1_000_003 + index).alias("k")
    )
    return sorted(float(row["v"]) for row in keyed.orderBy("k").limit(settings.sample).collect())


def _vocabulary(frame: DataFrame, name: str) -> dict[str, Any]:
    """The reference's words: how many, the VOCABULARY most frequent, and the share of the
    odd rows' words outside the even rows' vocabulary. Rows are numbered within each Spark
    partition (the Arrow engine numbers them in the file): equal on one partition. Only the
    two vocabularies and three counts reach the driver."""
    from pyspark.sql import functions as F

    numbered = frame.select(F.monotonically_increasing_id().alias("id"),
                            frame[quoted(name)].alias("t"))  # fmt: skip
    words = numbered.where(F.col("t").isNotNull()).select(
        (F.col("id") % 2).alias("odd"), F.explode(measure.word_list(F.col("t"))).alias("w")
    )
    counted = words.groupBy("odd", "w").count().cache()
    try:
        every = counted.groupBy("w").agg(F.sum("count").alias("count"))
        vocabulary = _top_words(every)
        even = _top_words(counted.where(F.col("odd") == 0))
        odd = counted.where(F.col("odd") == 1)
        outside = F.sum(F.when(~F.col("w").isin(even), F.col("count")).otherwise(0))
        found = odd.agg(F.sum("count").alias("n"), outside.alias("u")).first()
        total = counted.agg(F.sum("count").alias("n")).first()
    finally:
        counted.unpersist()
    odd_total = int(found["n"] or 0) if found else 0
    share = int(found["u"] or 0) / odd_total if found and odd_total else 0.0
    return {"unit": "words per value", "words": int(total["n"] or 0) if total else 0,
            "vocabulary": sorted(vocabulary), "out_of_vocabulary": share}  # fmt: skip


def _top_words(counted: DataFrame) -> list[str]:
    """The VOCABULARY most frequent words, ties by the word (the Arrow engine's order)."""
    from pyspark.sql import functions as F

    ranked = counted.orderBy(F.desc("count"), F.col("w")).limit(VOCABULARY).collect()
    return [str(row["w"]) for row in ranked]
