"""Spark for the engine that needs it: one session per command, and data read as the Arrow
engine reads it (profile, drift and validate with --engine spark).

The session comes from the standard places, or a clear exit 2. Order: `SPARK_REMOTE` (Spark
Connect) if set; else the session spark-submit made (its --master and --conf are left
alone); else a new session on `master` (default local[*]). `config` (engine.spark in
mlgate.yaml) is applied to a session this command makes; the session time zone is UTC, so
dates mean the same days as in the Arrow engine.

Data: local paths are checked first (a missing file is exit 2, not a Java stack trace); a
URI with a scheme (s3a://, gs://, abfss://, hdfs://, dbfs:/) goes to Spark as it is. The
format comes from the suffix, as in the Arrow engine; a folder is a Delta table when it
holds _delta_log, else a Parquet dataset. A service request log (JSON lines with
"features") is read as its features, one row per request row.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CouldNotCheck, missing_extra
from .tabular import FORMATS

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, DataFrameReader, SparkSession

APP_NAME = "mlgate"
# "Caused by: org.apache.spark.SparkRuntimeException: " before a Java error's message
JAVA_CLASS = re.compile(r"^(Caused by:\s*)?(:\s*)?([\w$]+\.)+[\w$]*(Exception|Error):\s*")


def quoted(name: str) -> str:
    """A column name as Spark reads it whole: dots, spaces and backticks included."""
    return "`" + name.replace("`", "``") + "`"


def spark_session(master: str | None, config: dict[str, str]) -> SparkSession:
    try:
        with warnings.catch_warnings():  # pyspark warns that pandas 3 is new to it: not ours
            warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
            from pyspark.sql import SparkSession
    except ImportError:
        raise CouldNotCheck(missing_extra("pyspark", "spark")) from None
    logging.getLogger("py4j").setLevel(logging.ERROR)
    remote = os.environ.get("SPARK_REMOTE")
    existing = None if remote else SparkSession.getActiveSession()
    # a session spark-submit (or Databricks) made, or a Connect server, keeps its own master
    # and settings; mlgate.yaml's apply only to a session mlgate makes itself
    ours = not remote and existing is None and not _submitted()
    local = ours and (master or "local").startswith("local")
    if local:  # Python workers (dates read by the model's parser) run this interpreter
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        if existing is not None:
            session = existing
        else:
            builder: Any = SparkSession.builder.appName(APP_NAME)
            if remote:
                builder = builder.remote(remote)
            elif ours:
                builder = builder.master(master or "local[*]")
            settings = {**_defaults(local), **config} if ours else {}
            for key, value in settings.items():
                builder = builder.config(key, value)
            session = builder.getOrCreate()
        # the same days as the Arrow engine, and column names as written (age is not AGE)
        session.conf.set("spark.sql.session.timeZone", "UTC")
        session.conf.set("spark.sql.caseSensitive", "true")
    except Exception as exc:  # pyspark raises its own errors for a JVM that would not start
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CouldNotCheck(
            f"Spark could not start ({first[:200]}); it needs Java 17 or newer on PATH or "
            "JAVA_HOME, or SPARK_REMOTE naming a Spark Connect server"
        ) from None
    if local:
        session.sparkContext.setLogLevel("ERROR")
    return session


def _defaults(local: bool) -> dict[str, str]:
    """No console progress bars; on a local master, few shuffle partitions (200 tiny tasks
    per aggregation cost more than the work on one machine)."""
    found = {"spark.ui.showConsoleProgress": "false", "spark.log.level": "ERROR"}
    if local:
        found["spark.sql.shuffle.partitions"] = "8"
    return found


def _submitted() -> bool:
    """Started by spark-submit: it passes the master in the environment of the driver."""
    return "spark.master" in os.environ.get("PYSPARK_SUBMIT_ARGS", "") or bool(
        os.environ.get("SPARK_ENV_LOADED")
    )


NO_DATES = "'no dates'"
# What Python's float() reads (the Arrow engine's reading of text): Java's parseDouble also
# takes 30d, 2f and 0x1p3, which are not numbers here.
NUMBER = r"(?i)^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|nan|inf|infinity)\s*$"
WHOLE = r"^\s*[+-]?\d+\s*$"
URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:/")


def check_sources(sources: Sequence[str]) -> None:
    """Each source exists (when local) and has a known format: exit 2 before Spark starts."""
    if not sources:
        raise CouldNotCheck("no data files given")
    for source in sources:
        source_format(source)


def source_format(source: str) -> str:
    if not URI.match(source) or source.startswith("file:"):
        path = Path(source.removeprefix("file:").removeprefix("//"))
        if not path.exists():
            raise CouldNotCheck(f"{source}: data file not found")
        if path.is_dir():
            return "delta" if (path / "_delta_log").is_dir() else "parquet"
    suffix = Path(source.rstrip("/")).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    if suffix in ("", ".delta"):
        return "parquet" if suffix == "" else "delta"
    allowed = ", ".join(sorted(FORMATS))
    raise CouldNotCheck(f"{source}: unknown data format {suffix!r} (expected {allowed}, a "
                        "Parquet folder or a Delta table)")  # fmt: skip


@contextmanager
def spark_errors(what: str) -> Iterator[None]:
    """Spark reads lazily: a bad row surfaces in the first job that meets it. Its error, in
    a line, is a could-not-check, never a Java stack trace."""
    try:
        yield
    except CouldNotCheck:
        raise
    except Exception as exc:
        from pyspark.errors import PySparkException

        java = type(exc).__name__ in ("Py4JJavaError", "Py4JError")
        if not (isinstance(exc, PySparkException) or java):
            raise
        raise CouldNotCheck(f"Spark could not {what}: {_reason(str(exc))}") from None


def _reason(text: str) -> str:
    """A Java error in a line: its message and its first cause, without the class names
    ("reading file X failed" says little without "Malformed CSV record: ...")."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    top = next((line for line in lines if "Exception:" in line), lines[0] if lines else "")
    cause = next((line for line in lines if line.startswith("Caused by:")), "")
    parts = [JAVA_CLASS.sub("", part).strip() for part in (top, cause) if part]
    if "TIMESTAMP(NANOS" in text:
        parts.append("nanosecond timestamps (pandas 2's default) are read from local Parquet "
                     "files and folders only; write a lake's in microseconds (pandas: to_parquet"
                     "(..., coerce_timestamps='us', allow_truncated_timestamps=True))")  # fmt: skip
    return "; ".join(part[:300] for part in parts if part)


def read_frame(
    session: SparkSession,
    sources: Sequence[str],
    *,
    as_text: bool,
    as_pandas: bool = False,
    text_columns: Sequence[str] = (),
    outputs: bool = False,
) -> DataFrame:
    """All sources as one frame; `as_text` reads CSV and JSON values as text (a window's types
    come from the reference, as in the Arrow engine). Typed, a local CSV gets the types the
    Arrow engine infers from its first block (`text_columns` stay text) and JSON lines keep
    the order of the first line's keys. `as_pandas` reads a CSV as pandas does (validate: the
    suite's types are pandas'): dates stay text, pandas' missing-value markers ("None" too),
    codes written with leading zeros stay text (as mlgate's pandas reading keeps them)."""
    if not sources:
        raise CouldNotCheck("no data files given")
    frames = []
    for source in sources:
        fmt = source_format(source)
        try:
            if fmt == "csv" and not as_text and not as_pandas and _local_file(source):
                frames.append(_arrow_typed_csv(session, source, text_columns))
                continue
            frames.append(_read_one(session, source, fmt, as_text, as_pandas, outputs))
            if fmt == "jsonl" and _local_file(source):
                frames[-1] = _first_line_order(frames[-1], Path(source))
        except CouldNotCheck:
            raise
        except Exception as exc:  # Spark's AnalysisException and Java errors alike
            reason = _reason(str(exc)) or type(exc).__name__
            raise CouldNotCheck(f"{source}: cannot read as {fmt} with Spark: {reason}") from None
    frames = _as_text_where_types_differ(frames)
    frame = frames[0]
    for other in frames[1:]:
        frame = frame.unionByName(other, allowMissingColumns=True)
    _refuse_repeated_names(frame, sources)
    return frame


def _read_one(
    session: SparkSession, source: str, fmt: str, as_text: bool, as_pandas: bool, outputs: bool
) -> DataFrame:
    reader = session.read
    if fmt == "csv":
        reader = _csv_reader(session)
        if as_pandas:  # a pattern no value matches: no date or timestamp is inferred
            reader = reader.option("preferDate", False).option("timestampFormat", NO_DATES)
            reader = reader.option("timestampNTZFormat", NO_DATES)
        frame = _whole_rows(reader.option("inferSchema", not as_text).csv(source), source)
        padded = _zero_padded(source) if as_pandas and not as_text else []
        if padded:  # Spark's inference read 00501 as 501: read again with those as text
            from pyspark.sql.types import StringType, StructField, StructType

            frame = reader.schema(StructType([
                StructField(f.name, StringType()) if f.name in padded else f
                for f in frame.schema.fields
            ])).csv(source)  # fmt: skip
        frame = _missing_as_null(frame, missing_markers(as_pandas))
        if not as_text:
            frame = _numbers_behind_markers(frame, keep=padded)
    elif fmt == "jsonl":
        frame = reader.option("primitivesAsString", as_text).option("mode", "FAILFAST").json(source)
        frame = _features(frame, outputs)
    else:
        nanos, nested = _nanosecond_columns(source) if fmt == "parquet" else ([], False)
        if nanos or nested:  # Spark refuses TIMESTAMP(NANOS) unless it reads ticks as longs
            session.conf.set("spark.sql.legacy.parquet.nanosAsLong", "true")
        frame = reader.format(fmt).load(source)
        if nanos:
            frame = replaced(frame, {n: frame[quoted(n)].alias(n, metadata={UNIT: "ns"})
                                     for n in nanos})  # fmt: skip
    return frame


def replaced(frame: DataFrame, columns: dict[str, Column]) -> DataFrame:
    """The frame with these columns (aliased to their names) in place of its own, names taken
    literally: DataFrame.withColumns parses them, and a backtick in one breaks it."""
    return frame.select(*[columns.get(n, frame[quoted(n)]) for n in frame.columns])


class Nanoseconds:
    """The type of a column of nanosecond timestamps read as their ticks (Spark has no such
    type): what `column_types` gives for it, so that kinds and days treat it as Arrow does."""

    def simpleString(self) -> str:  # Spark DataType method name
        return "timestamp[ns]"


NANOSECONDS = Nanoseconds()
UNIT = "mlgate.timestamp_unit"


def column_types(frame: DataFrame) -> dict[str, Any]:
    """Each column's Spark type; NANOSECONDS for nanosecond timestamps read as ticks."""
    return {f.name: NANOSECONDS if (f.metadata or {}).get(UNIT) == "ns" else f.dataType
            for f in frame.schema.fields}  # fmt: skip


def as_timestamps(frame: DataFrame) -> DataFrame:
    """Nanosecond ticks as Spark timestamps (to the microsecond, Spark's finest): for GX,
    which checks a column's type, not its days."""
    from pyspark.sql import functions as F

    ticks = {n for n, t in column_types(frame).items() if t is NANOSECONDS}
    if not ticks:
        return frame
    return replaced(frame, {
        n: F.expr(f"timestamp_micros(({quoted(n)} - pmod({quoted(n)}, 1000)) div 1000)").alias(n)
        for n in ticks
    })  # fmt: skip


def _nanosecond_columns(source: str) -> tuple[list[str], bool]:
    """Columns of a local Parquet file or folder stored as TIMESTAMP(NANOS), pandas 2's
    default for datetimes, and whether any is nested (in a struct or list): the footers say,
    every file's, since a folder's files may differ (a remote table cannot be asked cheaply;
    its nanoseconds are Spark's error, explained by `spark_errors`). A column in nanoseconds
    in one file and in another unit in the next is refused: Spark would read the others'
    ticks as nanoseconds (dates in 1970)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(source)
    if URI.match(source) or not path.exists():
        return [], False
    files = sorted(p for p in path.rglob("*.parquet") if p.is_file()) if path.is_dir() else [path]
    units: dict[str, set[str]] = {}
    nested = False
    for file in files:
        try:
            schema = pq.read_schema(file)
        except (OSError, pa.ArrowException):
            continue  # Spark will say what is wrong with it
        for field in schema:
            if pa.types.is_timestamp(field.type):
                units.setdefault(field.name, set()).add(field.type.unit)
            elif pa.types.is_nested(field.type) and "timestamp[ns" in str(field.type):
                nested = True
    mixed = sorted(name for name, found in units.items() if "ns" in found and len(found) > 1)
    if mixed:
        raise CouldNotCheck(
            f"{source}: the files store {', '.join(mixed)} in different time units (nanoseconds "
            "in some): Spark reads a table in one; write them all in microseconds (pandas: "
            "to_parquet(..., coerce_timestamps='us', allow_truncated_timestamps=True))"
        )
    return sorted(name for name, found in units.items() if found == {"ns"}), nested


def _whole_rows(frame: DataFrame, source: str) -> DataFrame:
    """A CSV whose rows end in CRLF but whose header holds a quoted line break (LF, as Excel
    writes one in a cell): Spark takes the first break it meets for the row end, so every
    row's last value (and the last name) keeps a carriage return. Refused, not misread."""
    if any("\r" in name for name in frame.columns):
        raise CouldNotCheck(
            f"{source}: a column name holds a line break and the rows end in CRLF: Spark "
            "cannot tell its rows apart; write the header's names on one line"
        )
    return frame


def _csv_reader(session: SparkSession) -> DataFrameReader:
    """CSV as RFC 4180 writes it (pandas, Excel, Python's csv): a quote inside a quoted value
    is doubled, not escaped by Spark's default backslash (an SMS reading 'text ""MIX"" to' did
    not parse), and a quoted value may span lines (multiLine: Spark then reads each file in
    one task, so large tables belong in Parquet, docs/spark.md)."""
    return (
        session.read.option("header", True)
        .option("mode", "FAILFAST")
        .option("escape", '"')
        .option("multiLine", True)
    )


def missing_markers(as_pandas: bool) -> list[str]:
    """What a CSV reader takes as missing: Arrow's reader's markers (the drift engine's), or
    pandas' (the validate engine's), which are Arrow's and "None" and "<NA>" (a bird-strike
    table's damage was "None": a value to Arrow, missing to pandas)."""
    import pyarrow.csv as pcsv

    arrow = list(pcsv.ConvertOptions().null_values)
    return sorted({*arrow, "None", "<NA>"}) if as_pandas else arrow


def _zero_padded(source: str) -> list[str]:
    from .tabular import zero_padded_columns

    return list(zero_padded_columns(source)) if _local_file(source) else []


def _missing_as_null(frame: DataFrame, markers: Sequence[str]) -> DataFrame:
    """Text that a CSV reader takes as missing ("NA", "n/a", "null", ...) as null."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    markers = list(markers)
    return frame.select(*[
        F.when(frame[quoted(f.name)].isin(markers), None).otherwise(frame[quoted(f.name)])
        .alias(f.name) if isinstance(f.dataType, StringType) else frame[quoted(f.name)]
        for f in frame.schema.fields
    ])  # fmt: skip


def _numbers_behind_markers(frame: DataFrame, keep: Sequence[str] = ()) -> DataFrame:
    """Spark infers text for a column of numbers with an "NA" among them (baseball hitters'
    salaries); with the markers read as missing, it is numbers, as pandas and Arrow read it:
    whole numbers without a gap as bigint, the rest as double; `keep` stays text (zip codes
    with their leading zeros). One job for all columns."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    text = [f.name for f in frame.schema.fields
            if isinstance(f.dataType, StringType) and f.name not in keep]  # fmt: skip
    if not text:
        return frame
    checks = []
    for i, name in enumerate(text):
        value = frame[quoted(name)]
        checks += [F.count(value).alias(f"n{i}"), F.count(F.lit(1)).alias(f"r{i}"),
                   F.sum(value.rlike(NUMBER).cast("long")).alias(f"f{i}"),
                   F.sum(value.rlike(WHOLE).cast("long")).alias(f"w{i}"),
                   F.max(F.length(F.trim(value))).alias(f"l{i}")]  # fmt: skip
    found = frame.agg(*checks).first()
    if found is None:
        return frame
    casts = {}
    for i, name in enumerate(text):
        present = found[f"n{i}"]
        if present and found[f"w{i}"] == present and found[f"l{i}"] <= 18:  # fits a bigint
            casts[name] = "bigint" if present == found[f"r{i}"] else "double"
        elif present and found[f"f{i}"] == present:
            casts[name] = "double"
    return replaced(frame, {n: frame[quoted(n)].cast(t).alias(n) for n, t in casts.items()})


def _as_text_where_types_differ(frames: list[DataFrame]) -> list[DataFrame]:
    """A column typed differently in two files is text in all of them (numbers of two widths
    are numbers), as the Arrow engine reads such files, rather than a failed union."""
    from pyspark.sql.types import NumericType, StringType

    if len(frames) < 2:
        return frames
    types: dict[str, set[Any]] = {}
    for frame in frames:
        for field in frame.schema.fields:
            types.setdefault(field.name, set()).add(field.dataType)
    mixed = {name for name, found in types.items()
             if len(found) > 1 and not all(isinstance(t, NumericType) for t in found)}  # fmt: skip
    if not mixed:
        return frames

    def as_text(frame: DataFrame) -> DataFrame:
        return replaced(frame, {n: frame[quoted(n)].cast(StringType()).alias(n)
                                for n in mixed if n in frame.columns})  # fmt: skip

    return [as_text(frame) for frame in frames]


def _local_file(source: str) -> bool:
    return not URI.match(source) and Path(source).is_file()


def _arrow_typed_csv(session: SparkSession, source: str, text_columns: Sequence[str]) -> DataFrame:
    """The CSV as text, cast to the types the Arrow engine infers from its first block (zero
    padded codes and `text_columns` as text): the same kinds, so the same profile. A value a
    later block holds that does not fit its type is an error, as in the Arrow engine."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    from pyspark.sql import functions as F

    from .columnar import open_csv
    from .tabular import zero_padded_columns

    text = [*zero_padded_columns(source), *text_columns]
    convert = pcsv.ConvertOptions(column_types={n: pa.string() for n in text},
                                  strings_can_be_null=True)  # fmt: skip
    try:
        with open_csv(source, convert) as reader:
            schema = reader.schema
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            return session.createDataFrame([], "_empty string")
        raise CouldNotCheck(f"{source}: cannot read as csv: {str(exc).splitlines()[0]}") from None
    raw = _whole_rows(_csv_reader(session).csv(source), source)
    raw = _missing_as_null(raw, missing_markers(False))
    columns, misfits = [], []
    truths = list(convert.true_values)
    falsehoods = list(convert.false_values)
    for field in schema:
        value = raw[quoted(field.name)]
        if pa.types.is_integer(field.type):
            typed = value.try_cast("bigint")
        elif pa.types.is_floating(field.type) or pa.types.is_decimal(field.type):
            typed = value.try_cast("double")
        elif pa.types.is_boolean(field.type):
            typed = F.when(value.isin(truths), True).when(value.isin(falsehoods), False)
        elif pa.types.is_timestamp(field.type):
            typed = value.try_cast("timestamp")
        elif pa.types.is_date(field.type):
            typed = value.try_cast("date")
        else:
            columns.append(value.alias(field.name))
            continue
        columns.append(typed.alias(field.name))
        misfits.append(F.sum((value.isNotNull() & typed.isNull()).cast("long")).alias(field.name))
    if misfits:
        found = raw.agg(*misfits).first()
        bad = [n for n in (found.asDict() if found else {}) if found and found[n]]
        if bad:
            raise CouldNotCheck(f"{source}: cannot read as csv: values in {', '.join(bad)} do "
                                "not fit the type the first block gives them")  # fmt: skip
    return raw.select(*columns)


def _first_line_order(frame: DataFrame, path: Path) -> DataFrame:
    """JSON lines columns in the order of the first line's keys (Spark sorts them)."""
    from .textfile import json_lines

    for _, _, record in json_lines(path):
        if isinstance(record, dict):
            features = record.get("features")
            if isinstance(features, list) and features and isinstance(features[0], dict):
                features = features[0]
            keys = features if isinstance(features, dict) else record
            first = [k for k in keys if k in frame.columns]
            rest = [c for c in frame.columns if c not in first]
            return frame.select(*[frame[quoted(c)] for c in [*first, *rest]])
        break
    return frame


def _features(frame: DataFrame, outputs: bool = False) -> DataFrame:
    """A request log's rows: its `features` object, or each object of a `features` list. With
    `outputs`, each row also carries its prediction and confidence (the highest class
    probability) under OUTPUT_COLUMNS' names, as the Arrow engine reads them: a line whose
    predictions do not pair one to one with its rows carries none."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, MapType, StringType, StructType

    from .columnar import OUTPUT_COLUMNS

    if "features" not in frame.columns:
        return frame
    kind = frame.schema["features"].dataType
    if isinstance(kind, StringType):  # objects and lists in one log: Spark keeps the JSON text
        frame = _parsed_features(frame)
        kind = frame.schema["features"].dataType
    if isinstance(kind, ArrayType) and isinstance(kind.elementType, MapType):
        records = frame.select(F.explode("features").alias("r"))
        names = records.select(F.explode(F.map_keys("r")).alias("k")).distinct().collect()
        keys = [row["k"] for row in names]
        records = F.transform("features", lambda record: F.struct(*[
            F.element_at(record, F.lit(key)).alias(key) for key in sorted(keys)
        ]))  # fmt: skip
        frame = frame.withColumn("features", records)
        kind = frame.schema["features"].dataType
    if isinstance(kind, StructType):
        one = [F.lit(0).alias("_i"), F.lit(1).alias("_n"), F.col("features").alias("_f")]
        rows = frame.select(*one, *_answers(frame, outputs))
    elif isinstance(kind, ArrayType) and isinstance(kind.elementType, StructType):
        rows = frame.select(F.posexplode("features").alias("_i", "_f"),
                            F.size("features").alias("_n"), *_answers(frame, outputs))  # fmt: skip
    else:
        return frame
    extra = []
    if outputs and "_p" in rows.columns:
        paired = F.size("_p") == F.col("_n")
        extra.append(F.when(paired, F.element_at("_p", F.col("_i") + 1))
                     .alias(OUTPUT_COLUMNS["prediction"]))  # fmt: skip
        if "_q" in rows.columns:
            extra.append(_highest(rows, paired).alias(OUTPUT_COLUMNS["confidence"]))
    return rows.select("_f.*", *extra)


def _parsed_features(frame: DataFrame) -> DataFrame:
    """`features` as a list of text maps, from a log whose lines hold one object (a single
    record) or a list of them (a batch), which the service writes side by side."""
    from pyspark.sql import functions as F

    text = F.col("features")
    as_list = F.from_json(text, "array<map<string,string>>")
    one = F.array(F.from_json(text, "map<string,string>"))
    return frame.withColumn("features", F.when(F.ltrim(text).startswith("["), as_list)
                            .otherwise(one))  # fmt: skip


def _answers(frame: DataFrame, outputs: bool) -> list[Any]:
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, StructType

    if not outputs or "predictions" not in frame.columns:
        return []
    if not isinstance(frame.schema["predictions"].dataType, ArrayType):
        return []
    found = [F.col("predictions").cast("array<string>").alias("_p")]
    probabilities = (
        frame.schema["probabilities"].dataType if "probabilities" in frame.columns else None
    )
    if isinstance(probabilities, ArrayType) and isinstance(probabilities.elementType, StructType):
        found.append(F.col("probabilities").alias("_q"))
    return found


def _highest(rows: DataFrame, paired: Any) -> Any:
    """A row's highest class probability, null unless each class has a finite number."""
    from pyspark.sql import functions as F

    element = rows.schema["_q"].dataType.elementType
    row = F.element_at("_q", F.col("_i") + 1)
    values = [row[f.name].try_cast("double") for f in element.fields]
    known = F.lit(True)
    for value in values:
        known = known & value.isNotNull() & ~F.isnan(value) & (F.abs(value) != float("inf"))
    same_size = F.size("_q") == F.col("_n")
    highest = F.greatest(*values) if len(values) > 1 else values[0]
    return F.when(paired & same_size & row.isNotNull() & known, highest)


def _refuse_repeated_names(frame: DataFrame, sources: Sequence[str]) -> None:
    seen: set[str] = set()
    twice = sorted({n for n in frame.columns if n in seen or seen.add(n)})
    if twice:
        shown = ", ".join(repr(n) for n in twice)
        raise CouldNotCheck(f"{', '.join(sources)}: the column name {shown} appears more than once")
