"""`mlgate monitor --engine spark`: outcomes.join's answer, computed by Spark.

A service that logs hundreds of millions of predictions to a data lake is joined where the
logs are: Spark reads the request and feedback logs (JSON lines; a local path, a folder or any
URI Spark reads), and only the labelled rows of the version judged (bounded by the outcomes)
and a few counts reach the driver. The result is the very `Joined` the Arrow engine's `join`
returns, and the label-free estimate's `Tally` of that version.

Read order. The Arrow engine reads the files in the order given, each line by line; "the
newest outcome counts, and of equal times the later line", and "a prediction logged twice
counts once, the first" depend on it. Here each source is read on its own (its index, `fi`)
and each line keeps the start of the file block it was read in (`_metadata.file_block_start`)
and a `monotonically_increasing_id` taken right at the scan: a block is read by one task from
its start to its end, so within a file (block start, id) is the line order. (In a folder, its
files' lines interleave in an order that is deterministic but not by name: name the files to
have an order.) Lines are split on "\\n" only, as Python splits them.

Values keep their JSON types. Each line is parsed once into a VARIANT (parse_json), which,
unlike the JSON data source, keeps 1, "1", true and 1.0 apart. Its JSON text would not: to_json
writes 1.0 as 1, so the collected values are the variants themselves, decoded on the driver
(a decimal with a fraction is a Python float, as json.loads makes it; decode()). Duplicate
keys: the last wins, as in json.loads (spark.sql.variant.allowDuplicateKeys). parse_json
ignores what follows the first value on a line (`{"a": 1} junk`); json.loads refuses it, so
the line is parsed as `[line, "nonce"]` with a random nonce, and only a line whose second
element is that nonce is one JSON value.

Malformed lines are the same could-not-checks with the same words and line numbers: the
first problem in read order (feedback first, as the Arrow engine reads it first) is found by
a min_by; its line number is one more count of the lines before it, and a line Spark cannot
parse is parsed again by json.loads on the driver for Python's own message. Known
differences: NaN and Infinity (json.loads reads them, parse_json does not: exit 2 here),
integers beyond 38 digits (a double here), -0.0 (0.0 here).
"""

from __future__ import annotations

import decimal
import json
import secrets
import warnings
from collections.abc import Callable, Iterator, Sequence
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from ..errors import CouldNotCheck, require
from ..io.spark import URI, spark_errors, spark_session
from ..policy import EngineSettings
from .estimate import Calibration, Tally
from .outcomes import PROBLEMS, Joined, seconds_between

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import Column, DataFrame, Row, SparkSession
    from pyspark.sql.types import VariantVal

ORDER = ("fi", "block", "line")  # read order: source as given, file block, line in the block
REQUEST = ("struct<request_ids: variant, predictions: variant, probabilities: variant, "
           "model_version: variant, ts: variant>")  # fmt: skip
FEEDBACK = "struct<request_id: variant, outcome: variant, ts: variant>"
JSON_PROBLEM = "json"  # the line is not one JSON value; PROBLEMS names the others


def join_spark(
    requests: Sequence[str],
    feedback: Sequence[str],
    version: str | None,
    engine: EngineSettings,
    calibration: Calibration | None = None,
) -> tuple[Joined, Tally | None]:
    """join(requests, feedback, version) on Spark, and, given a calibration, the estimate's
    tally of every prediction of the version judged (None when it has none)."""
    require("pyspark", "spark")  # the install hint, before any import of it
    for source in [*feedback, *requests]:  # a missing local file: exit 2 before Spark starts
        if not URI.match(source) and not Path(source).exists():
            raise CouldNotCheck(f"{Path(source)}: not found")
    with spark_errors("join the logs"):
        session = spark_session(engine.master, engine.config)
        session.conf.set("spark.sql.variant.allowDuplicateKeys", "true")  # json.loads: the last
        return _join(session, list(requests), list(feedback), version, calibration)


def _join(
    session: SparkSession,
    requests: list[str],
    feedback: list[str],
    version: str | None,
    calibration: Calibration | None,
) -> tuple[Joined, Tally | None]:
    from pyspark.sql import functions as F

    nonce = secrets.token_hex(16)
    feedback_raw = _read(session, feedback)
    answers = _feedback_lines(feedback_raw, nonce)
    read = answers.agg(
        F.count("*").alias("lines"), F.count_distinct("id").alias("ids"), _first_problem()
    ).first()  # job 1
    if read is not None and read["problem"] is not None:
        _refuse(read["problem"], feedback_raw, feedback)
    lines, ids = (read["lines"], read["ids"]) if read is not None else (0, 0)

    requests_raw = _read(session, requests)
    logged = _request_lines(requests_raw, nonce)
    sides = _sides(logged, requests_raw, requests)  # job 2
    names = {name: side["predictions"] for name, side in sides.items()}
    if version is None and sides:
        version = max(sides, key=lambda v: (sides[v]["latest"] or "", names[v], v))
    chosen = sides.get(str(version), {}).get("keys", []) if version is not None else []
    joined = Joined(version, predictions=names.get(str(version), 0))
    joined.outcomes, joined.repeats, joined.versions = lines, lines - ids, names
    predictions = _predictions(logged)
    matched = 0
    if ids and sides:
        outcomes = _newest_outcomes(answers)
        firsts = _first_predictions(predictions.join(outcomes, "id")).persist()
        try:
            counts = firsts.agg(F.count("*").alias("matched"),
                                F.sum(F.col("n") - 1).alias("twice")).first()  # fmt: skip
            matched = counts["matched"] if counts is not None else 0
            joined.duplicate_predictions = int(counts["twice"] or 0) if counts is not None else 0
            if chosen and matched:
                _labelled(joined, firsts, chosen)
        finally:
            firsts.unpersist()
    joined.foreign = matched - joined.labelled
    joined.unknown = ids - matched
    tally = None
    if calibration is not None and chosen and joined.predictions:
        tally = _tally(predictions.filter(F.col("vkey").isin(chosen)), calibration)
    return joined, tally


def _read(session: SparkSession, sources: Sequence[str]) -> DataFrame:
    """Every line of the sources (blank ones too: line numbers count them) with its place in
    the read order. Each source is read on its own, so the same file given twice is read
    twice, as the Arrow engine reads it."""
    from pyspark.sql import functions as F

    frames = []
    for index, source in enumerate(sources):
        # the JVM's working directory is not this process's: local paths go absolute
        where = source if URI.match(source) else str(Path(source).absolute())
        text = session.read.option("lineSep", "\n").text(where)
        frames.append(text.select(
            F.lit(index).alias("fi"),
            F.col("_metadata.file_block_start").alias("block"),
            F.monotonically_increasing_id().alias("line"),  # at the scan: in block order
            F.col("_metadata.file_path").alias("file"),
            F.col("value").alias("text"),
        ))  # fmt: skip
    if not frames:
        return session.createDataFrame([], "fi int, block long, line long, file string, "
                                           "text string")  # fmt: skip
    return reduce(lambda a, b: a.unionByName(b), frames)


def _parsed(raw: DataFrame, fields: str, nonce: str) -> DataFrame:
    """The non-blank lines (blank as bytes.strip() sees them) with `json` (the line is one
    JSON value) and `e` (its fields, null unless it is an object: a missing field is null, a
    JSON null a variant null)."""
    from pyspark.sql import functions as F

    body = F.regexp_replace("text", "^\ufeff", "")  # a BOM, which json.loads(bytes) skips
    wrapped = F.try_parse_json(F.concat(F.lit("["), body, F.lit(f',"{nonce}"]')))
    lines = raw.filter(~F.col("text").rlike(r"^\s*$"))
    parsed = lines.select(*ORDER, "file", "text", wrapped.alias("w"))
    return parsed.select(
        *ORDER, "file", "text",
        F.coalesce(F.expr("try_variant_get(w, '$[1]', 'string')") == nonce, F.lit(False))
        .alias("json"),
        F.expr(f"try_variant_get(w, '$[0]', '{fields}')").alias("e"),
    )  # fmt: skip


def _feedback_lines(raw: DataFrame, nonce: str) -> DataFrame:
    """One row per outcome line: request `id` (null unless text), `value`, `ts` (null unless
    text) and the line's problem, as read_outcomes checks it."""
    from pyspark.sql import functions as F

    parsed = _parsed(raw, FEEDBACK, nonce).select(
        *ORDER, "file", "text", "json", "e", _text("e.request_id").alias("id")
    )
    problem = F.expr(f"""CASE WHEN NOT json THEN '{JSON_PROBLEM}' WHEN e IS NULL THEN 'object'
        WHEN id IS NULL OR e.outcome IS NULL THEN 'feedback' END""")
    return parsed.select(*ORDER, "file", "text", "id", F.col("e.outcome").alias("value"),
                         _text("e.ts").alias("ts"), problem.alias("problem"))  # fmt: skip


def _request_lines(raw: DataFrame, nonce: str) -> DataFrame:
    """One row per request line: its version key, `ts` (text or null), the request ids,
    predictions and probabilities as arrays, `counted` (it has request_ids) and its problem,
    as join checks it. The version key keeps apart what str() of the JSON value tells apart
    ("s:" and the text; "j:", the variant's type and JSON text, for anything else)."""
    from pyspark.sql import functions as F

    parsed = _parsed(raw, REQUEST, nonce).select(
        *ORDER, "file", "text", "json", "e",
        F.expr("try_variant_get(e.request_ids, '$', 'array<variant>')").alias("ids"),
        F.expr("try_variant_get(e.predictions, '$', 'array<variant>')").alias("preds"),
        F.expr("try_variant_get(e.probabilities, '$', 'array<variant>')").alias("proba"),
    )  # fmt: skip
    given = "e.request_ids IS NOT NULL AND NOT is_variant_null(e.request_ids)"
    problem = F.expr(f"""CASE WHEN NOT json THEN '{JSON_PROBLEM}' WHEN e IS NULL THEN 'object'
        WHEN NOT ({given}) THEN NULL
        WHEN ids IS NULL OR preds IS NULL OR size(ids) != size(preds) THEN 'lists'
        WHEN NOT forall(ids, x -> schema_of_variant(x) = 'STRING') THEN 'text'
        WHEN e.probabilities IS NOT NULL AND NOT is_variant_null(e.probabilities) AND (
             proba IS NULL OR NOT forall(proba, x -> startswith(schema_of_variant(x), 'OBJECT')))
        THEN 'probabilities' END""")
    version = F.expr("""CASE
        WHEN e.model_version IS NULL OR is_variant_null(e.model_version) THEN 's:None'
        WHEN schema_of_variant(e.model_version) = 'STRING'
        THEN concat('s:', variant_get(e.model_version, '$', 'string'))
        ELSE concat('j:', schema_of_variant(e.model_version), ':', to_json(e.model_version))
        END""")
    return parsed.select(
        *ORDER, "file", "text", "ids", "preds", "proba",
        F.col("e.model_version").alias("mv"), version.alias("vkey"), _text("e.ts").alias("ts"),
        problem.alias("problem"), F.expr(f"json AND e IS NOT NULL AND {given}").alias("counted"),
    )  # fmt: skip


def _text(field: str) -> Column:
    """The field's text, null unless it is a JSON string (variant_get would cast a number)."""
    from pyspark.sql import functions as F

    return F.expr(f"CASE WHEN schema_of_variant({field}) = 'STRING' "
                  f"THEN variant_get({field}, '$', 'string') END")  # fmt: skip


def _first_problem() -> Column:
    """The first line in read order with a problem, as a struct (null when none)."""
    from pyspark.sql import functions as F

    return F.expr(
        "min_by(IF(problem IS NOT NULL, struct(problem, fi, block, line, file, text), NULL), "
        "IF(problem IS NOT NULL, struct(fi, block, line), NULL))"
    ).alias("problem")


def _refuse(problem: Row, raw: DataFrame, sources: Sequence[str]) -> NoReturn:
    """The Arrow engine's could-not-check for that line: its number is one more than the
    lines before it in its file (one more count, only on this path)."""
    from pyspark.sql import functions as F

    block, line = F.col("block"), F.col("line")
    before = raw.filter(
        (F.col("fi") == problem["fi"]) & (F.col("file") == problem["file"])
        & ((block < problem["block"]) | ((block == problem["block"]) & (line < problem["line"])))
    ).count()  # fmt: skip
    source = sources[problem["fi"]]
    shown = str(Path(source)) if not URI.match(source) and Path(source).is_file() \
        else problem["file"]  # fmt: skip
    where = f"{shown}:{before + 1}"
    if problem["problem"] != JSON_PROBLEM:
        raise CouldNotCheck(f"{where}: {PROBLEMS[problem['problem']]}")
    try:  # the line as the Arrow engine reads it, for json's own words
        json.loads((problem["text"] + "\n").encode("utf-8"))
    except ValueError as exc:
        raise CouldNotCheck(f"{where}: not a JSON object ({exc})") from None
    raise CouldNotCheck(f"{where}: Spark's JSON parser cannot read this line, Python's can "
                        "(NaN or Infinity?): use --engine arrow")  # fmt: skip


def _sides(logged: DataFrame, raw: DataFrame, sources: Sequence[str]) -> dict[str, Any]:
    """Per model version (as str() of the logged value names it, in order of first
    appearance): its predictions, newest time and version keys; a request problem is raised."""
    from pyspark.sql import functions as F

    counted = F.col("counted")
    rows = (
        logged.groupBy("vkey")
        .agg(
            F.sum(F.when(counted, F.size("ids"))).alias("predictions"),
            F.max(F.when(counted, F.col("ts"))).alias("latest"),
            F.min(F.when(counted, F.struct(*ORDER))).alias("first"),
            F.expr("min_by(mv, IF(counted, struct(fi, block, line), NULL))").alias("mv"),
            _first_problem(),
        )
        .collect()
    )
    problems = [row["problem"] for row in rows if row["problem"] is not None]
    if problems:
        _refuse(min(problems, key=lambda p: (p["fi"], p["block"], p["line"])), raw, sources)
    sides: dict[str, Any] = {}
    for row in sorted((r for r in rows if r["first"] is not None), key=lambda r: tuple(r["first"])):
        key = row["vkey"]
        name = key[2:] if key.startswith("s:") else str(decode(row["mv"]))
        side = sides.setdefault(name, {"predictions": 0, "latest": None, "keys": []})
        side["predictions"] += int(row["predictions"] or 0)
        side["latest"] = max(filter(None, (side["latest"], row["latest"])), default=None)
        side["keys"].append(key)
    return sides


def _predictions(logged: DataFrame) -> DataFrame:
    """One row per logged prediction: request id, version key, the line's time and place,
    position in the line, the prediction and its class probabilities (null when none)."""
    from pyspark.sql import functions as F

    exploded = logged.filter("counted").select(
        "vkey", "ts", *ORDER, "preds", "proba", F.posexplode("ids").alias("pos", "idv")
    )
    return exploded.select(
        F.expr("variant_get(idv, '$', 'string')").alias("id"), "vkey", "ts", *ORDER, "pos",
        F.get("preds", "pos").alias("prediction"), F.get("proba", "pos").alias("scores"),
    )  # fmt: skip


def _newest_outcomes(answers: DataFrame) -> DataFrame:
    """One outcome per request id, as read_outcomes keeps it: the newest by its time (text
    order); of equal times the later line; a line without a time replaces none, so without
    any time the first line counts."""
    from pyspark.sql import functions as F

    return answers.groupBy("id").agg(F.expr(
        "max_by(struct(value, ts), struct(ts IS NOT NULL, coalesce(ts, ''), "
        "IF(ts IS NOT NULL, fi, -fi), IF(ts IS NOT NULL, block, -block), "
        "IF(ts IS NOT NULL, line, -line)))"
    ).alias("o"))  # fmt: skip


def _first_predictions(matched: DataFrame) -> DataFrame:
    """Per labelled request id: its first prediction in read order (the one that counts)
    with the outcome, and `n`, how many predictions have that id."""
    from pyspark.sql import functions as F

    return matched.groupBy("id").agg(
        F.expr("min_by(struct(vkey, fi, block, line, pos, prediction, scores, ts, o), "
               "struct(fi, block, line, pos))").alias("f"),
        F.count("*").alias("n"),
    )  # fmt: skip


def _labelled(joined: Joined, firsts: DataFrame, keys: list[str]) -> None:
    """The labelled rows of the version judged, to the driver in read order."""
    from pyspark.sql import functions as F

    rows = (
        firsts.filter(F.col("f.vkey").isin(keys))
        .orderBy(*[f"f.{c}" for c in (*ORDER, "pos")])
        .select("f.o.value", "f.prediction", "f.scores", "f.ts", F.col("f.o.ts").alias("at"))
        .collect()
    )
    for row in rows:
        joined.y_true.append(decode(row["value"]))
        joined.y_pred.append(decode(row["prediction"]))
        if row["scores"] is not None:
            joined.proba.append(decode(row["scores"]))
        delay = seconds_between(row["ts"], row["at"])
        if delay is not None:
            joined.delays_s.append(delay)


def decode(value: VariantVal | None) -> Any:
    """A variant as json.loads gives its JSON: a decimal with a fraction is a float (1.0 stays
    1.0), one without is an int (parse_json keeps integers beyond 64 bits as decimals)."""
    if value is None:
        return None
    with decimal.localcontext() as context:
        context.prec = 80  # pyspark builds a decimal by multiplying: no rounding at 38 digits
        return _plain(value.toPython())


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        exponent = value.as_tuple().exponent
        return float(value) if isinstance(exponent, int) and exponent < 0 else int(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _tally(predictions: DataFrame, calibration: Calibration) -> Tally:
    """The estimate's tally of these predictions: one Tally per partition (the same code
    as the Arrow engine's, in Python workers), summed slot by slot by Spark. Sums of floats in
    another order: equal to the Arrow engine's to the last bits, not bit for bit."""
    import numpy as np
    from pyspark.sql import functions as F

    frame = predictions.select(F.expr("to_json(prediction)").alias("p"),
                               F.expr("to_json(scores)").alias("q"))  # fmt: skip
    with warnings.catch_warnings():  # pyspark warns that pandas 3 is new to it: not ours
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        partials = frame.mapInArrow(_partition_tally(calibration), "slot int, total double")
    sums = partials.groupBy("slot").agg(F.sum("total").alias("total")).collect()
    tally = Tally(calibration)
    totals = np.zeros(len(tally.totals()))
    for row in sums:
        totals[row["slot"]] = row["total"]
    tally.add_totals(totals)
    return tally


def _partition_tally(
    calibration: Calibration,
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The per-partition step of _tally (shipped to the executors with the calibration).

    Values come as their to_json text, which writes 1.0 as 1 and an infinite double as the
    text "Infinity": for a tally that is the same answer (class_of matches 1 and 1.0 alike,
    probability_row takes ints and floats and refuses infinities and text alike), and
    json.loads is ten times faster than decoding variants in Python."""

    def tally(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import numpy as np
        import pyarrow as pa

        partial = Tally(calibration)
        for batch in batches:
            predictions, scores = batch.column(0).to_pylist(), batch.column(1).to_pylist()
            for prediction, row in zip(predictions, scores, strict=True):
                partial.add(json.loads(prediction), None if row is None else json.loads(row))
        totals = partial.totals()
        slots = np.flatnonzero(totals)  # most score bins are empty: only the others travel
        if len(slots):
            yield pa.RecordBatch.from_arrays(
                [pa.array(slots, pa.int32()), pa.array(totals[slots], pa.float64())],
                names=["slot", "total"],
            )

    return tally
