"""Columns as the numbers drift compares, in Spark: the Spark side of drift/measures.py.

Numbers, typed dates and words per value are Spark expressions. Dates written as text in
the model's format go through the Arrow engine's own parser (`epoch_days`, with pandas'
fallback as the model reads dates) in `mapInArrow`: Java's date patterns are not strptime's,
and the two engines must agree on which values are dates. Every measure is a double, null
where the value is missing or not finite; `bad` marks a value that is present but is not a
number (or not a date in the format).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from ...drift.measures import EXAMPLES
from ...io.spark import NANOSECONDS, NUMBER, quoted

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

SEPARATORS = r"[^\p{L}\p{N}_]+"  # drift/measures.py's, in Java's regex syntax (the same here)
DAY_MS = 86_400_000


def spark_kind(data_type: Any) -> str | None:
    """The Arrow engine's column_kind, for Spark's types."""
    from pyspark.sql import types as T

    if isinstance(data_type, T.BooleanType):
        return "boolean"
    if data_type is NANOSECONDS or isinstance(
        data_type, T.TimestampType | T.TimestampNTZType | T.DateType
    ):
        return "datetime"
    if isinstance(data_type, T.NumericType):
        return "numeric"
    if isinstance(data_type, T.StringType | T.NullType | T.VarcharType | T.CharType):
        return "categorical"
    return None


def type_in_arrow_words(data_type: Any, json_lines: bool) -> str:
    """A type as the Arrow engine names it in a profile's `ignored` (`struct<a: bool>`, not
    Spark's `struct<a:boolean>`): pyspark's own conversion, with lists' items named as Arrow's
    JSON reader names them (its Parquet reader keeps `element`)."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import to_arrow_type

    def named(arrow: Any) -> Any:
        if pa.types.is_list(arrow):
            item = named(arrow.value_type)
            return pa.list_(item) if json_lines else pa.list_(pa.field("element", item))
        if pa.types.is_struct(arrow):
            return pa.struct([pa.field(f.name, named(f.type), f.nullable) for f in arrow])
        if pa.types.is_map(arrow):
            return pa.map_(named(arrow.key_type), named(arrow.item_type))
        return arrow

    if data_type is NANOSECONDS:
        return data_type.simpleString()
    try:
        return str(named(to_arrow_type(data_type)))
    except (TypeError, ValueError, NotImplementedError, AssertionError):  # no Arrow name
        # (or one pyspark asks a time zone for: a timestamp inside a struct)
        return str(data_type.simpleString())


def finite(value: Column) -> Column:
    """The value, or null when it is NaN or infinite; -0.0 becomes 0.0 as in the Arrow engine."""
    from pyspark.sql import functions as F

    return F.when(F.isnan(value) | (F.abs(value) == float("inf")), None).otherwise(value + 0.0)


def as_number(column: Column, data_type: Any) -> tuple[Column, Column]:
    """(number, bad): text is read as a number where Python reads one, and counted where it
    is not; a value of a type that is no number (a timestamp where the reference had numbers)
    is counted as not a number, as the Arrow engine counts it."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if isinstance(data_type, T.StringType | T.VarcharType | T.CharType):
        number = F.when(column.rlike(NUMBER), column.try_cast("double"))
        present = column.isNotNull() & (F.trim(column) != "")
        return finite(number), present & number.isNull()
    if isinstance(data_type, T.NumericType | T.BooleanType | T.NullType):
        return finite(column.cast("double")), F.lit(False)
    return F.lit(None).cast("double"), column.isNotNull()


def typed_days(column: Column, data_type: Any) -> Column:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if isinstance(data_type, T.DateType):
        return F.datediff(column, F.lit("1970-01-01").cast("date")).cast("double")
    if data_type is NANOSECONDS:  # the ticks as a double, over a day's: Arrow's own sum
        return column.cast("double") / (DAY_MS * 1_000_000)
    stamp = column.cast("timestamp") if isinstance(data_type, T.TimestampNTZType) else column
    return F.unix_micros(stamp).cast("double") / (DAY_MS * 1000)  # Arrow's ticks / day in µs


def word_list(column: Column) -> Column:
    """The value's words, lower-cased (two or more letters or digits)."""
    from pyspark.sql import functions as F

    # Java lower-cases a dotted capital I to i + a combining dot, and a word's last capital
    # sigma to the final sigma; Arrow (utf8proc) maps each character alone, to i and the small
    # sigma: given those first, the two spell words alike
    given = F.translate(column.cast("string"), "\u0130\u03a3", "i\u03c3")
    pieces = F.split(F.lower(given), SEPARATORS)
    return F.filter(pieces, lambda word: F.length(word) >= 2)


def word_count(column: Column) -> Column:
    from pyspark.sql import functions as F

    return F.when(column.isNull(), None).otherwise(F.size(word_list(column)).cast("double"))


def text_dates(frame: DataFrame, columns: dict[str, str | None]) -> DataFrame:
    """Days since 1970 for columns of dates written as text (name -> the model's format):
    columns `d{i}` (double, null when missing or unparsed) and `b{i}` (present but no date)
    for the i-th column, with the raw text beside them as `t{i}`."""
    import pyarrow as pa

    names = list(columns)
    formats = [columns[n] for n in names]
    selected = frame.select(*[frame[quoted(n)].cast("string").alias(f"t{i}")
                              for i, n in enumerate(names)])  # fmt: skip
    fields = []
    for i in range(len(names)):
        fields += [f"t{i} string", f"d{i} double", f"b{i} boolean"]

    def convert(batches: Any) -> Any:
        import numpy as np
        import pyarrow.compute as pc

        from mlgate.drift.measures import Unparsed, epoch_days

        for batch in batches:
            arrays: list[Any] = []
            for i, date_format in enumerate(formats):
                text = batch.column(i)
                days = epoch_days(text, date_format, Unparsed())
                trimmed = pc.utf8_trim_whitespace(text)
                present = pc.and_(pc.is_valid(text), pc.not_equal(trimmed, ""))
                present_np = np.asarray(pc.fill_null(present, False).to_numpy(zero_copy_only=False))
                bad = present_np & np.isnan(days)
                arrays += [text, pa.array(np.where(np.isfinite(days), days + 0.0, np.nan),
                                          from_pandas=True), pa.array(bad)]  # fmt: skip
            yield pa.RecordBatch.from_arrays(arrays, names=[f.split()[0] for f in fields])

    return selected.mapInArrow(convert, ", ".join(fields))


def examples(frame: DataFrame, text: Column, bad: Column) -> list[str]:
    """A few values that are present but not numbers (or not dates): what the report shows."""
    rows = frame.where(bad).select(text.cast("string").alias("x")).distinct().limit(EXAMPLES)
    return sorted(str(row["x"])[:40] for row in rows.collect())


def top_categories(
    frame: DataFrame,
    names: list[str],
    keep: int,
    tie_by_text: bool = False,
    always: dict[str, Collection[str]] | None = None,
) -> tuple[dict[str, list[tuple[str, int]]], dict[str, int]]:
    """Per column: its `keep` most frequent values as text with their counts (ties by the
    text when asked, as the Arrow engine orders a profile's categories), and those in
    `always` however rare; and how many distinct values it has. Two jobs for all columns."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if not names:
        return {}, {}
    stacked = frame.select(F.inline(F.array(*[
        F.struct(F.lit(i).alias("c"), frame[quoted(n)].cast("string").alias("v"))
        for i, n in enumerate(names)
    ]))).where(F.col("v").isNotNull())  # fmt: skip
    grouped = stacked.groupBy("c", "v").count().cache()
    try:
        order = [F.desc("count"), F.col("v")] if tie_by_text else [F.desc("count")]
        ranked = grouped.withColumn(
            "r", F.row_number().over(Window.partitionBy("c").orderBy(*order))
        )
        top: dict[str, list[tuple[str, int]]] = {n: [] for n in names}
        wanted = F.col("r") <= keep
        for i, name in enumerate(names):
            if (always or {}).get(name):
                wanted = wanted | ((F.col("c") == i) & F.col("v").isin(sorted(always[name])))
        for row in ranked.where(wanted).orderBy("c", "r").collect():
            top[names[row["c"]]].append((row["v"], int(row["count"])))
        per_column = grouped.groupBy("c").agg(F.count("*").alias("n")).collect()
        distinct = {names[row["c"]]: int(row["n"]) for row in per_column}
    finally:
        grouped.unpersist()
    return top, {n: distinct.get(n, 0) for n in names}
