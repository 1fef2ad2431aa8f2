"""`mlgate monitor --engine spark` against the Arrow engine, on one local[2] session.

The join is the same `Joined`, every field, values of the same JSON types in the same order;
the estimate's tally is summed per partition in another order, so its numbers agree within
ESTIMATE_REL and its verdicts are the same. Files are split into blocks of at most 2 KiB, so
the read order is tested across blocks and partitions. Without pyspark or Java these tests
skip, unless MLGATE_SPARK_TEST=required (as .ci/run sets it), when a skip is a failure.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from release_repo import released
from support import run_mlgate

from mlgate.errors import CouldNotCheck
from mlgate.gate.estimate import Calibration, Tally, calibrate
from mlgate.gate.monitor import Estimator
from mlgate.gate.outcomes import Joined, join
from mlgate.policy import EngineSettings

pytestmark = pytest.mark.spark

LOCAL = EngineSettings("spark", "local[2]", {"spark.sql.shuffle.partitions": "4"})
ESTIMATE_REL = 1e-9  # the tally's float sums, per partition then across: last bits only
T0 = "2026-03-01T10:00:00Z"


@pytest.fixture(scope="module")
def spark() -> Any:
    """One local Spark session for the module (starting one takes 10-20 s); small file
    blocks, so even these logs are read by several tasks."""
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        if os.environ.get("MLGATE_SPARK_TEST") == "required":
            pytest.fail("MLGATE_SPARK_TEST=required, but pyspark or java is missing")
        pytest.skip("pyspark and Java 17 run these tests (pip install 'mlgate[spark]')")
    from mlgate.io.spark import spark_session

    session = spark_session(LOCAL.master, LOCAL.config)
    session.conf.set("spark.sql.files.maxPartitionBytes", "2048")
    yield session
    session.stop()


def rid(i: int | str) -> str:
    return f"{i:0>32}"


def write(path: Path, lines: list[Any]) -> Path:
    """JSON lines; a str is written as it is (a broken or blank line)."""
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return path


def request(ts: Any, version: Any, ids: list[Any], predictions: list[Any],
            proba: list[Any] | None = None) -> dict[str, Any]:  # fmt: skip
    line: dict[str, Any] = {"ts": ts, "model_version": version, "features": [{}] * len(ids),
                            "predictions": predictions, "request_ids": ids}  # fmt: skip
    if proba is not None:
        line["probabilities"] = proba
    return line


def typed(value: Any) -> Any:
    """A value with the type of every part: 1, 1.0 and True are different here."""
    if isinstance(value, dict):
        return ("dict", sorted((k, typed(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, value)


def assert_same_join(arrow: Joined, spark_joined: Joined) -> None:
    for name in ("version", "predictions", "outcomes", "repeats", "foreign", "unknown",
                 "duplicate_predictions", "versions", "delays_s"):  # fmt: skip
        assert getattr(spark_joined, name) == getattr(arrow, name), name
    assert list(spark_joined.versions) == list(arrow.versions)  # first seen first
    for name in ("y_true", "y_pred", "proba"):
        assert typed(getattr(spark_joined, name)) == typed(getattr(arrow, name)), name


def both(
    requests: list[Path], feedback: list[Path], version: str | None = None,
    calibration: Calibration | None = None,
) -> tuple[Joined, Joined, Tally | None, Tally | None]:  # fmt: skip
    from mlgate.gate.spark_outcomes import join_spark

    estimator = Estimator(calibration) if calibration is not None else None
    arrow = join(requests, feedback, version, observe=estimator.observe if estimator else None)
    spark_joined, tally = join_spark([str(p) for p in requests], [str(p) for p in feedback],
                                     version, LOCAL, calibration)  # fmt: skip
    assert_same_join(arrow, spark_joined)
    arrow_tally = estimator.tallies.get(str(arrow.version)) if estimator else None
    return arrow, spark_joined, arrow_tally, tally


def held_out(path: Path, rows: int = 600) -> Path:
    rng = np.random.default_rng(8)
    score = rng.random(rows)
    outcome = (rng.random(rows) < score).astype(int)
    pairs = zip(score.tolist(), outcome.tolist(), strict=True)
    return write(path, [{"prediction": int(s > 0.5), "probabilities": {"0": 1 - s, "1": s},
                         "outcome": int(o)} for s, o in pairs])  # fmt: skip


def classifier_logs(folder: Path, rows: int = 400) -> tuple[Path, Path]:
    """A clean log of a classifier with probabilities, ten predictions a line; outcomes for
    most of them, a day later."""
    rng = np.random.default_rng(4)
    score = rng.random(rows)
    ids = [rid(i) for i in range(rows)]
    lines = [request(T0, "1.0.0", ids[s:s + 10], [int(p > 0.5) for p in score[s:s + 10]],
                     [{"0": 1 - p, "1": p} for p in score[s:s + 10].tolist()])
             for s in range(0, rows, 10)]  # fmt: skip
    outcomes = (rng.random(rows) < score).astype(int).tolist()
    feedback = [{"ts": "2026-03-02T10:00:00Z", "request_id": i, "outcome": o}
                for i, o in zip(ids, outcomes, strict=True) if o or i[-1] != "7"]  # fmt: skip
    return write(folder / "requests.jsonl", lines), write(folder / "feedback.jsonl", feedback)


def test_a_clean_classifier_log_and_its_estimate(spark: Any, tmp_path: Path) -> None:
    """The same join; the estimate's tally of every prediction (some without probabilities,
    one not a class) within ESTIMATE_REL, its counts exact."""
    requests, feedback = classifier_logs(tmp_path)
    with requests.open("a", encoding="utf-8") as log:
        log.write(json.dumps(request(T0, "1.0.0", [rid("x1"), rid("x2")], [1, "yes"])) + "\n")
        log.write(json.dumps(request(T0, "1.0.0", [rid("x3")], [0], [{"0": 0.5}])) + "\n")
    calibration = calibrate(held_out(tmp_path / "held_out.jsonl"), [0, 1])
    assert calibration.problem is None
    arrow, _, arrow_tally, spark_tally = both([requests], [feedback], calibration=calibration)
    assert arrow.labelled > 300 and arrow.has_probabilities
    assert arrow_tally is not None and spark_tally is not None
    arrow_tally.flush()  # the Arrow engine's last rows, as metrics() would
    assert (spark_tally.rows, spark_tally.skipped) == (arrow_tally.rows, arrow_tally.skipped)
    assert (arrow_tally.rows, arrow_tally.skipped) == (400, 3)
    for name in ("confusion", "positives", "negatives"):
        np.testing.assert_allclose(getattr(spark_tally, name), getattr(arrow_tally, name),
                                   rtol=ESTIMATE_REL, atol=1e-12)  # fmt: skip
    expected, found = arrow_tally.metrics(), spark_tally.metrics()
    assert set(found) == set(expected) == {"accuracy", "f1_macro", "precision_macro",
                                           "recall_macro", "roc_auc"}  # fmt: skip
    for metric, value in expected.items():
        assert found[metric] == pytest.approx(value, rel=ESTIMATE_REL), metric


def messy_logs(folder: Path) -> tuple[list[Path], list[Path]]:
    """Rotated logs given newest first (not time order), three model versions (one of them
    logged as a number and as text), lines without request ids, a prediction logged twice,
    outcomes repeated with and without times and at equal times, unknown ids, and outcome
    values 1, "1", true, 1.0, null, lists and objects."""
    older = write(folder / "requests.jsonl.1", [
        {"ts": "2026-02-01T00:00:00Z", "features": {}, "predictions": [1]},  # before ids
        request("2026-02-01T09:00:00Z", "1.0.0", [rid(1), rid(2), rid(3)], [1, 0, 1],
                [{"0": 0.2, "1": 0.8}, {"0": 0.9, "1": 0.1}, {"0": 0.4, "1": 0.6}]),
        request("2026-02-01T09:30:00Z", "1.0.0", [rid(4), rid(5)], ["1", True]),
        request("2026-02-02T09:00:00Z", 2, [rid(6)], [0]),
        request(None, "1.0.0", [rid(7)], [1.0], [{"0": 0, "1": 1}]),
        "",
        request("2026-02-02T10:00:00Z", "2", [rid(8), rid(9)], [1, 0], [{"0": 0.5, "1": 0.5}]),
        request("2026-02-03T10:00:00Z", "1.1.0", [], []),
    ])  # fmt: skip
    newest = write(folder / "requests.jsonl", [
        request("2026-03-01T09:00:00+00:00", "1.1.0", [rid(10), rid(11), rid(2)], [0, 1, 0],
                [{"0": 0.7, "1": 0.3}, {"1": 0.9, "0": 0.1}, {"0": 0.6, "1": 0.4}]),
        request(1234, "1.1.0", [rid(12), rid(12)], [1, 0]),  # the same id twice in a line
        request("2026-03-01T10:00:00Z", None, [rid(13)], [1]),  # no version: "None"
        *[request(f"2026-03-01T11:{m:02}:00Z", "1.1.0", [rid(100 + m)], [m % 2],
                  [{"0": 0.5 + m / 200, "1": 0.5 - m / 200}]) for m in range(40)],
        request("2026-03-01T12:00:00Z", "1.1.0", [rid(11)], [0]),  # logged again: not counted
    ])  # fmt: skip
    late = write(folder / "feedback.jsonl", [
        {"ts": "2026-03-02T10:00:00Z", "request_id": rid(1), "outcome": 0},  # corrects 1
        {"request_id": rid(2), "outcome": "1"},  # no time: replaces nothing
        {"ts": "2026-03-02T09:00:00Z", "request_id": rid(10), "outcome": True},
        {"ts": "2026-03-02T09:00:00Z", "request_id": rid(10), "outcome": 1.0},  # equal times
        {"ts": "2026-03-02T09:00:00Z", "request_id": rid(11), "outcome": [1]},
        {"ts": "2026-03-02T09:00:00Z", "request_id": rid(12), "outcome": {"a": 1.5, "b": 2}},
        {"ts": "2026-03-02T09:00:00Z", "request_id": rid(13), "outcome": None},
        {"ts": "2026-03-02T09:00:00Z", "request_id": rid("gone"), "outcome": 1},  # unknown
        *[{"ts": f"2026-03-02T12:{m:02}:00.5Z", "request_id": rid(100 + m), "outcome": m % 3}
          for m in range(0, 40, 2)],
    ])  # fmt: skip
    early = write(folder / "feedback.jsonl.1", [
        {"ts": "2026-02-01T10:00:00Z", "request_id": rid(1), "outcome": 1},  # older: loses
        {"ts": "2026-02-01T10:00:00Z", "request_id": rid(2), "outcome": 0},  # with a time: wins
        {"ts": "2026-02-02T10:00:00Z", "request_id": rid(3), "outcome": 1},
        {"request_id": rid(4), "outcome": 1},  # never any time: the first line counts ...
        {"request_id": rid(4), "outcome": 0},  # ... not this one
        {"ts": "2026-02-03T10:00:00Z", "request_id": rid(5), "outcome": "true"},
        {"ts": "2026-02-03T10:00:00Z", "request_id": rid(6), "outcome": 0},
        {"ts": "2026-02-03T10:00:00Z", "request_id": rid(7), "outcome": 1},
        {"ts": "2026-02-03T10:00:00Z", "request_id": rid(9), "outcome": 1},
        {"ts": "2026-02-03T10:00:00Z", "request_id": rid("nowhere"), "outcome": 0},  # unknown
        {"ts": "2026-03-02T09:00:00Z", "request_id": rid(10), "outcome": 0},  # read last: wins
    ])  # fmt: skip
    return [newest, older], [late, early]


def test_messy_logs_join_alike(spark: Any, tmp_path: Path) -> None:
    requests, feedback = messy_logs(tmp_path)
    arrow, *_ = both(requests, feedback)
    assert arrow.version == "1.1.0"  # the newest line's, though it logged fewer than 1.0.0
    assert arrow.versions == {"1.1.0": 46, "None": 1, "1.0.0": 6, "2": 3}
    assert (arrow.repeats, arrow.unknown, arrow.duplicate_predictions) == (5, 2, 3)
    # 10 (of three at one time, the last read), 11, 2 (logged again in the file read first)
    assert typed(arrow.y_true[:4]) == typed([0, [1], 0, {"a": 1.5, "b": 2}])
    arrow, *_ = both(requests, feedback, version="1.0.0")
    assert typed(arrow.y_true) == typed([0, 1, 1, "true", 1])  # 1, 3, 4, 5, 7
    assert typed(arrow.y_pred) == typed([1, 1, "1", True, 1.0])
    assert arrow.foreign == 27 and len(arrow.delays_s) == 3  # 4's outcome, 7's line: no time
    both(requests, feedback, version="2")  # logged as 2 and as "2": one version, as str()
    both(requests[::-1], feedback[::-1], version="nope")  # no such version: all foreign


def test_a_regressor_without_probabilities(spark: Any, tmp_path: Path) -> None:
    """Spark also reads a URI and a folder (given once here)."""
    from mlgate.gate.spark_outcomes import join_spark

    rng = np.random.default_rng(5)
    values = rng.normal(50, 10, 120)
    lines = [
        request(
            T0,
            "r1",
            [rid(i) for i in range(s, s + 4)],
            [round(float(v), 3) for v in values[s : s + 4]],
        )
        for s in range(0, 120, 4)
    ]
    outcomes = [
        {
            "ts": "2026-03-01T10:00:01.250Z",
            "request_id": rid(i),
            "outcome": int(v) if i % 3 else float(v) + 1.0,
        }
        for i, v in enumerate(values)
    ]
    requests = write(tmp_path / "requests.jsonl", lines)
    (tmp_path / "answers").mkdir()
    feedback = write(tmp_path / "answers" / "feedback.jsonl", outcomes)
    arrow = join([requests], [feedback])
    spark_joined, _ = join_spark([requests.as_uri()], [str(tmp_path / "answers")], None, LOCAL)
    assert_same_join(arrow, spark_joined)
    assert arrow.labelled == 120 and not arrow.has_probabilities and not spark_joined.proba
    assert arrow.median_delay_s == spark_joined.median_delay_s == 1.25


GOOD_REQUEST = request(T0, "v", [rid(1)], [1])
GOOD_OUTCOME = {"request_id": rid(1), "outcome": 1}


@pytest.mark.parametrize(
    ("requests", "feedback", "words"),
    [
        ([GOOD_REQUEST, "", "[1, 2]"], [], "requests.jsonl:3: each line must be a JSON object"),
        ([GOOD_REQUEST, '{"request_ids": ["a"], '], [], "requests.jsonl:2: not a JSON object"),
        ([GOOD_REQUEST] * 60 + ["", "[1]"], [], "requests.jsonl:62: each line"),  # 3 blocks
        ([json.dumps(GOOD_REQUEST) * 2], [], "requests.jsonl:1: not a JSON object (Extra data"),
        ([{"request_ids": [rid(1)], "predictions": [1, 2]}], [], "must be lists of the same"),
        ([{"request_ids": [1], "predictions": [1]}], [], "requests.jsonl:1: request_ids must"),
        ([{"request_ids": ["a"], "predictions": [1], "probabilities": [1]}], [],
         "probabilities must be one object per record"),
        ([GOOD_REQUEST], [GOOD_OUTCOME, "  ", {"outcome": 1}],
         "feedback.jsonl:3: a feedback line needs a request_id"),
        ([GOOD_REQUEST], [GOOD_OUTCOME, '"x"'], "feedback.jsonl:2: each line must be a JSON"),
        ([GOOD_REQUEST, "{bad"], ['{"request_id": 1, "outcome": 1}'],
         "feedback.jsonl:1: a feedback line"),  # the feedback is read first
    ],
    ids=["not-an-object", "truncated", "third-block", "two-in-a-line", "lengths", "ids-not-text",
         "probabilities", "no-request-id", "feedback-not-an-object", "feedback-first"],
)  # fmt: skip
def test_broken_logs_are_the_same_could_not_check(
    spark: Any, tmp_path: Path, requests: list[Any], feedback: list[Any], words: str
) -> None:
    from mlgate.gate.spark_outcomes import join_spark

    paths = [write(tmp_path / "requests.jsonl", requests)], [write(tmp_path / "feedback.jsonl",
                                                                   feedback)]  # fmt: skip
    with pytest.raises(CouldNotCheck) as arrow:
        join(*paths)
    with pytest.raises(CouldNotCheck) as on_spark:
        join_spark([str(p) for p in paths[0]], [str(p) for p in paths[1]], None, LOCAL)
    assert words in str(arrow.value)
    assert str(on_spark.value) == str(arrow.value)


def test_a_missing_log_is_named_before_spark_starts(tmp_path: Path) -> None:
    from mlgate.gate.spark_outcomes import join_spark

    feedback = write(tmp_path / "feedback.jsonl", [])
    with pytest.raises(CouldNotCheck, match=r"absent\.jsonl: not found"):
        join_spark([str(tmp_path / "absent.jsonl")], [str(feedback)], None, LOCAL)


# --- the command: the same report and exit code -----------------------------------------------


def monitor(repo: Path, home: Path, engine: str, *extra: str) -> tuple[int, Any, str]:
    done = run_mlgate(home, "monitor", "--engine", engine, "--baseline", "v1.0.0", "--format",
                      "json", *extra, cwd=repo)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout) if done.stdout.strip() else None
    return done.returncode, report, done.stderr


def assert_same_report(arrow: Any, spark_report: Any, estimated: bool = False) -> None:
    """Equal, except the estimated numbers: within ESTIMATE_REL."""
    if isinstance(arrow, dict):
        assert set(spark_report) == set(arrow)
        for key in arrow:
            assert_same_report(arrow[key], spark_report[key], estimated or key == "estimate")
    elif isinstance(arrow, list):
        assert len(spark_report) == len(arrow)
        for left, right in zip(arrow, spark_report, strict=True):
            assert_same_report(left, right, estimated)
    elif estimated and isinstance(arrow, float) and math.isfinite(arrow):
        assert spark_report == pytest.approx(arrow, rel=ESTIMATE_REL)
    else:
        assert spark_report == arrow


def test_the_command_reports_alike(spark: Any, tmp_path: Path, home: Path) -> None:
    """The same report (and text on stderr) and exit code on both engines: a classifier
    with the estimate (failing on accuracy), the messy logs (an outcome [1] is no class),
    judging one version of them, a regressor, and a broken log."""
    repo = released(tmp_path / "project", home)
    classifier_logs(repo)
    held_out(repo / "models" / "held_out.jsonl")
    (repo / "messy").mkdir()
    requests, feedback = messy_logs(repo / "messy")
    messy = ["--requests", *map(str, requests), "--feedback", *map(str, feedback)]
    regressor = repo / "regressor"
    regressor.mkdir()
    (regressor / "schema.json").write_text(json.dumps({"task": "regression", "features": []}))
    write(regressor / "requests.jsonl", [request(T0, "r", [rid(i)], [i / 3]) for i in range(9)])
    write(regressor / "feedback.jsonl", [{"request_id": rid(i), "outcome": i} for i in range(9)])
    arguments = {
        "classifier": ["--requests", "requests.jsonl", "--feedback", "feedback.jsonl"],
        "messy": messy,
        "one version": [*messy, "--model-version", "2", "--min-labels", "2"],
        "regressor": ["--requests", "regressor/requests.jsonl", "--feedback",
                      "regressor/feedback.jsonl", "--schema", "regressor/schema.json",
                      "--min-labels", "5"],
        "broken": ["--requests", "regressor/schema.json", "--feedback", "feedback.jsonl"],
    }  # fmt: skip
    codes = {}
    for case, extra in arguments.items():
        arrow, on_spark = (monitor(repo, home, engine, *extra) for engine in ("arrow", "spark"))
        assert on_spark[0] == arrow[0], case
        assert on_spark[2] == arrow[2], case
        assert_same_report(arrow[1], on_spark[1])
        codes[case] = arrow[0]
        if case == "classifier":
            assert arrow[1]["estimate"]["metrics"], arrow[1]["estimate"]
    assert codes == {"classifier": 1, "messy": 1, "one version": 1, "regressor": 2,
                     "broken": 2}, codes  # fmt: skip
