"""Predictions joined with their real outcomes by request_id: known answers for every case
issue 19 names (missing, late, repeated and foreign-version labels), and metrics that equal
scikit-learn's on the same joined rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sklearn import metrics

from mlgate.errors import CouldNotCheck
from mlgate.gate.outcomes import join
from mlgate.scores import classification_metrics


def rid(name: str) -> str:
    return name.ljust(32, "0")


def write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def request(ts: str, version: str, ids: str, predictions: list[int], proba: bool = True) -> dict:
    line: dict[str, Any] = {"ts": ts, "model_version": version, "features": {},
                            "predictions": predictions,
                            "request_ids": [rid(i) for i in ids]}  # fmt: skip
    if proba:
        line["probabilities"] = [{"0": 1 - 0.1 * (i + 1), "1": 0.1 * (i + 1)}
                                 for i, _ in enumerate(predictions)]  # fmt: skip
    return line


def outcome(ts: str, name: str, value: Any) -> dict:
    return {"ts": ts, "model_version": "v1", "request_id": rid(name), "outcome": value}


@pytest.fixture
def logs(tmp_path: Path) -> tuple[Path, Path]:
    requests = write(tmp_path / "requests.jsonl", [
        request("2026-01-01T10:00:00Z", "v1", "abc", [1, 0, 1]),
        request("2026-01-01T11:00:00Z", "v1", "de", [0, 1]),
        request("2025-12-31T12:00:00Z", "v0", "k", [1]),  # the version before
        {"ts": "2025-12-31T00:00:00Z", "model_version": "v0", "features": {}, "predictions": [1]},
    ])  # fmt: skip
    feedback = write(tmp_path / "feedback.jsonl", [
        outcome("2026-01-02T10:00:00Z", "a", 1),   # a day later
        outcome("2026-01-01T10:30:00Z", "b", 1),   # wrong at first ...
        outcome("2026-01-01T10:40:00Z", "b", 0),   # ... corrected: the last counts
        outcome("2026-01-04T11:00:00Z", "d", 1),   # three days later
        outcome("2026-01-01T13:00:00Z", "k", 0),   # a prediction of v0
        outcome("2026-01-01T13:00:00Z", "zz", 1),  # no prediction has this id
    ])  # fmt: skip
    return requests, feedback


def test_every_outcome_is_joined_or_counted(logs: tuple[Path, Path]) -> None:
    joined = join([logs[0]], [logs[1]])
    assert joined.version == "v1"  # the version of the newest request line
    assert (joined.y_true, joined.y_pred) == ([1, 0, 1], [1, 0, 0])  # a, b, d
    assert (joined.predictions, joined.labelled) == (5, 3)
    assert joined.labelled_share == pytest.approx(3 / 5)
    assert (joined.outcomes, joined.repeats, joined.foreign, joined.unknown) == (6, 1, 1, 1)
    assert joined.versions == {"v1": 5, "v0": 1}
    assert sorted(joined.delays_s) == [2400.0, 86400.0, 3 * 86400.0]
    assert joined.median_delay_s == 86400.0


def test_judging_another_version_takes_its_predictions(logs: tuple[Path, Path]) -> None:
    joined = join([logs[0]], [logs[1]], version="v0")
    assert (joined.y_true, joined.y_pred, joined.foreign) == ([0], [1], 3)  # a, b, d are v1's


def test_a_log_read_twice_does_not_count_twice(logs: tuple[Path, Path]) -> None:
    joined = join([logs[0], logs[0]], [logs[1]])
    assert joined.labelled == 3 and joined.duplicate_predictions == 4  # a, b, d and v0's k


def test_the_metrics_are_scikit_learns_on_the_joined_rows(logs: tuple[Path, Path]) -> None:
    joined = join([logs[0]], [logs[1]])
    assert joined.has_probabilities
    proba = [[row["0"], row["1"]] for row in joined.proba]
    scores = classification_metrics(joined.y_true, joined.y_pred, proba, [0, 1])
    assert scores["accuracy"] == metrics.accuracy_score([1, 0, 1], [1, 0, 0])
    assert scores["roc_auc"] == metrics.roc_auc_score([1, 0, 1], [0.1, 0.2, 0.1])


@pytest.mark.parametrize(
    ("requests", "feedback", "words"),
    [
        ("{not json\n", "", "requests.jsonl:1: not a JSON object"),
        ('{"request_ids": ["a"], "predictions": [1, 2]}\n', "", "must be lists of the same"),
        ("", '{"outcome": 1}\n', "feedback.jsonl:1: a feedback line needs a request_id"),
        ("", "[1]\n", "feedback.jsonl:1: each line must be a JSON object"),
    ],
)
def test_broken_logs_are_could_not_check(
    tmp_path: Path, requests: str, feedback: str, words: str
) -> None:
    (tmp_path / "requests.jsonl").write_text(requests, encoding="utf-8")
    (tmp_path / "feedback.jsonl").write_text(feedback, encoding="utf-8")
    with pytest.raises(CouldNotCheck, match=words):
        join([tmp_path / "requests.jsonl"], [tmp_path / "feedback.jsonl"])


def test_a_missing_log_is_could_not_check(logs: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(CouldNotCheck, match=r"absent\.jsonl: not found"):
        join([tmp_path / "absent.jsonl"], [logs[1]])


def test_the_newest_version_is_judged_even_with_fewer_predictions(tmp_path: Path) -> None:
    """After a deploy the old model's predictions still fill the logs: the one serving now is
    judged, not the one with the most lines."""
    requests = write(tmp_path / "requests.jsonl", [
        request("2026-01-01T10:00:00Z", "old", "abcdefgh", [1] * 8),
        request("2026-01-02T10:00:00Z", "new", "ij", [0, 0]),
    ])  # fmt: skip
    feedback = write(tmp_path / "feedback.jsonl", [outcome("2026-01-03T00:00:00Z", "i", 1)])
    joined = join([requests], [feedback])
    assert (joined.version, joined.y_true, joined.y_pred) == ("new", [1], [0])


def test_the_newest_outcome_counts_whatever_order_rotated_logs_come_in(
    logs: tuple[Path, Path], tmp_path: Path
) -> None:
    """feedback.jsonl (newest) read before feedback.jsonl.1, as make's wildcard lists them."""
    newest = write(tmp_path / "feedback.jsonl", [outcome("2026-01-05T00:00:00Z", "a", 0)])
    older = write(tmp_path / "feedback.jsonl.1", [outcome("2026-01-02T00:00:00Z", "a", 1)])
    joined = join([logs[0]], [newest, older])
    assert (joined.y_true, joined.repeats) == ([0], 1)
