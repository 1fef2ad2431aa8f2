"""`mlgate validate --engine spark`: the committed suite through GX Core's Spark datasource.

The suite file is the one the pipeline commits; only its type lists are read in Spark's
words, since GX compares a Spark column's type by Spark's class name (LongType), not by
pandas' (int64). Each pandas name stands for its family, as it does in pandas: an int64
column read by Spark's CSV inference may be an IntegerType. Everything else (sets, ranges,
nulls, formats, uniqueness, the column list) is GX's own Spark implementation.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CouldNotCheck
from ..io.spark import (
    URI,
    as_timestamps,
    check_sources,
    quoted,
    read_frame,
    replaced,
    spark_session,
)
from .gx import _gx, validate_dataframe

if TYPE_CHECKING:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from pyspark.sql import DataFrame

INTEGRAL = ("ByteType", "ShortType", "IntegerType", "LongType")
FLOATING = ("FloatType", "DoubleType", "DecimalType")
MOMENTS = ("TimestampType", "TimestampNTZType", "DateType")
FAMILIES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("int8", "int16", "int32", "int64", "Int8Dtype", "Int16Dtype", "Int32Dtype",
     "Int64Dtype"): INTEGRAL,
    ("float32", "float64", "Float32Dtype", "Float64Dtype"): FLOATING,
    ("str", "string"): ("StringType",),
    # object holds anything in pandas: text, and dates or booleans a reader left as objects
    ("object",): ("StringType", "BooleanType", *MOMENTS),
    ("bool", "BooleanDtype"): ("BooleanType",),
    ("datetime64[s]", "datetime64[ms]", "datetime64[us]", "datetime64[ns]"): MOMENTS,
}  # fmt: skip
SPARK_CASTS = {"ByteType": "tinyint", "ShortType": "smallint", "IntegerType": "int",
               "LongType": "bigint", "FloatType": "float", "DoubleType": "double",
               "DecimalType": "decimal(38,18)", "BooleanType": "boolean",
               "TimestampType": "timestamp", "TimestampNTZType": "timestamp_ntz",
               "DateType": "date"}  # fmt: skip
SPARK_TYPES = {name: spark for names, spark in FAMILIES.items() for name in names}


def in_spark_words(type_list: list[str]) -> list[str]:
    """pandas type names as Spark's; a name pandas does not use (LongType) is kept."""
    found: list[str] = []
    for name in type_list:
        for spark_name in SPARK_TYPES.get(name, (name,)):
            if spark_name not in found:
                found.append(spark_name)
    return found


def spark_suite(suite: ExpectationSuite, aliases: dict[str, str]) -> ExpectationSuite:
    """A copy of the suite whose type lists are in Spark's words and whose columns go by
    their `aliases`."""
    gx = _gx()
    expectations = []
    for expectation in suite.expectations:
        config = copy.deepcopy(expectation.configuration.to_json_dict())
        if config["type"] == "expect_column_values_to_be_in_type_list":
            config["kwargs"]["type_list"] = in_spark_words(list(config["kwargs"]["type_list"]))
        config["kwargs"] = {key: _renamed(value, aliases) if key in NAMING else value
                            for key, value in config["kwargs"].items()}  # fmt: skip
        expectations.append(config)
    return gx.ExpectationSuite(name=suite.name, expectations=expectations, meta=suite.meta)


def read_spark(
    source: str, master: str | None, config: dict[str, str], suite: ExpectationSuite
) -> DataFrame:
    """The data as Spark reads it, text dates kept as text (the suite's types are pandas').
    A text column with no value at all takes the type the suite names: Spark types an empty
    CSV column as text where pandas gives it a float dtype, and no value broke the type."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    check_sources([source])
    if not URI.match(source) and Path(source).is_file() and Path(source).stat().st_size == 0:
        raise CouldNotCheck(f"{source}: the file is empty")  # as the Arrow engine says it
    session = spark_session(master, config)
    frame = as_timestamps(read_frame(session, [source], as_text=False, as_pandas=True))
    text = [f.name for f in frame.schema.fields if isinstance(f.dataType, StringType)]
    if not text:
        return frame
    counts = frame.agg(*[F.count(frame[quoted(n)]).alias(n) for n in text]).first()
    empty = {n for n in text if counts is not None and counts[n] == 0}
    wanted = {
        e.configuration.kwargs["column"]: in_spark_words(list(e.configuration.kwargs["type_list"]))
        for e in suite.expectations
        if e.configuration.type == "expect_column_values_to_be_in_type_list"
    }
    casts = {
        n: SPARK_CASTS[wanted[n][0]]
        for n in empty
        if n in wanted and "StringType" not in wanted[n] and wanted[n][0] in SPARK_CASTS
    }
    if not casts:
        return frame
    return replaced(frame, {n: frame[quoted(n)].cast(t).alias(n) for n, t in casts.items()})


def validate_spark_frame(frame: DataFrame, suite: ExpectationSuite) -> dict[str, Any]:
    """The suite on a Spark DataFrame; the raw GX result as a JSON-ready dict."""
    aliases = plain_names(frame.columns)
    if aliases:
        frame = frame.select(*[frame[quoted(n)].alias(aliases.get(n, n)) for n in frame.columns])
    raw = validate_dataframe("spark", frame, spark_suite(suite, aliases))
    return _renamed(raw, {alias: name for name, alias in aliases.items()})


# GX's Spark metrics read a dot in a name as a struct's field (the bank marketing table's
# emp.var.rate: its type was "list index out of range", its name in the column list came back
# as `emp.var.rate`): such a column is validated under a look-alike name, reported under its own
PLAIN = {".": "\u2024", "`": "\u02cb"}  # one dot leader, modifier letter grave accent
NAMING = ("column", "column_A", "column_B", "column_list", "column_set")  # kwargs naming columns


def plain_names(columns: list[str]) -> dict[str, str]:
    """Each column name GX cannot take, with a look-alike it can and the frame lacks."""
    taken, aliases = set(columns), {}
    for name in columns:
        if not any(mark in name for mark in PLAIN):
            continue
        alias = name.translate(str.maketrans(PLAIN))
        while alias in taken:
            alias += "_"
        taken.add(alias)
        aliases[name] = alias
    return aliases


def _renamed(value: Any, names: dict[str, str]) -> Any:
    """A JSON-like value with every string that is a key of `names` replaced."""
    if not names:
        return value
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, list):
        return [_renamed(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _renamed(item, names) for key, item in value.items()}
    return value
