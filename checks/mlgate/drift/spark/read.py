"""Data files, folders and URIs as one Spark DataFrame, read as the Arrow engine reads them.

Local paths are checked first (a missing file is exit 2, not a Java stack trace); a URI with
a scheme (s3a://, gs://, abfss://, hdfs://, dbfs:/) goes to Spark as it is. The format comes
from the suffix, as in the Arrow engine; a folder is a Delta table when it holds _delta_log,
else a Parquet dataset. A service request log (JSON lines with "features") is read as its
features, one row per request row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import CouldNotCheck
from ...io.tabular import FORMATS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:/")


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


def read_frame(session: SparkSession, sources: Sequence[str], *, as_text: bool) -> DataFrame:
    """All sources as one frame; `as_text` reads CSV and JSON values as text (a window's types
    come from the reference, as in the Arrow engine)."""
    if not sources:
        raise CouldNotCheck("no data files given")
    frames = []
    for source in sources:
        fmt = source_format(source)
        try:
            frames.append(_read_one(session, source, fmt, as_text))
        except CouldNotCheck:
            raise
        except Exception as exc:  # Spark's AnalysisException and Java errors alike
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CouldNotCheck(
                f"{source}: cannot read as {fmt} with Spark: {first[:300]}"
            ) from None
    frame = frames[0]
    for other in frames[1:]:
        frame = frame.unionByName(other, allowMissingColumns=True)
    _refuse_repeated_names(frame, sources)
    return frame


def _read_one(session: SparkSession, source: str, fmt: str, as_text: bool) -> DataFrame:
    reader = session.read
    if fmt == "csv":
        reader = reader.option("header", True).option("mode", "FAILFAST")
        frame = _arrow_nulls(reader.option("inferSchema", not as_text).csv(source))
    elif fmt == "jsonl":
        frame = reader.option("primitivesAsString", as_text).option("mode", "FAILFAST").json(source)
        frame = _features(frame)
    else:
        frame = reader.format(fmt).load(source)
    return frame


def _arrow_nulls(frame: DataFrame) -> DataFrame:
    """Arrow's CSV reader takes "NA", "n/a", "null", "NaN" and the like as missing: so here."""
    import pyarrow.csv as pcsv
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    markers = list(pcsv.ConvertOptions().null_values)
    return frame.select(*[
        F.when(frame[f"`{f.name}`"].isin(markers), None).otherwise(frame[f"`{f.name}`"])
        .alias(f.name) if isinstance(f.dataType, StringType) else frame[f"`{f.name}`"]
        for f in frame.schema.fields
    ])  # fmt: skip


def _features(frame: DataFrame) -> DataFrame:
    """A request log's rows: its `features` object, or each object of a `features` list."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, StructType

    if "features" not in frame.columns:
        return frame
    kind = frame.schema["features"].dataType
    if isinstance(kind, StructType):
        return frame.select("features.*")
    if isinstance(kind, ArrayType) and isinstance(kind.elementType, StructType):
        return frame.select(F.explode("features").alias("f")).select("f.*")
    return frame


def _refuse_repeated_names(frame: DataFrame, sources: Sequence[str]) -> None:
    seen: set[str] = set()
    twice = sorted({n for n in frame.columns if n in seen or seen.add(n)})
    if twice:
        shown = ", ".join(repr(n) for n in twice)
        raise CouldNotCheck(f"{', '.join(sources)}: the column name {shown} appears more than once")
