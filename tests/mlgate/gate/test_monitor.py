"""`mlgate monitor` end to end on real git: production metrics from the service's logs, judged
by the gate's rules against the metrics committed at the deployed tag.

A repository whose release v1.0.0 committed accuracy 0.90 and a rule `{min: 0.8, max_drop:
0.05}`; a request log of 300 predictions of v1.0.0 and a feedback log: outcomes that agree
with 90% of them pass, outcomes flipped for a third fail on accuracy, and 20 labels are too few
(UNMEASURED, exit 2).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from gitrepo import commit, git
from release_repo import GATE_POLICY, released
from sklearn import metrics
from support import run_mlgate


@pytest.fixture
def repo(tmp_path: Path, home: Path) -> Path:
    return released(tmp_path / "project", home)


def write_logs(folder: Path, rows: int, wrong: float, labelled: int | None = None) -> list[int]:
    """Predictions with confident probabilities, and outcomes that disagree with `wrong` of
    them; returns the outcomes sent."""
    rng = np.random.default_rng(4)
    predictions = rng.integers(0, 2, rows).tolist()
    ids = [f"{i:032x}" for i in range(rows)]
    proba = [{"0": 0.2 + 0.6 * (1 - p), "1": 0.2 + 0.6 * p} for p in predictions]
    with (folder / "requests.jsonl").open("w", encoding="utf-8") as log:
        for start in range(0, rows, 10):
            log.write(json.dumps({"ts": "2026-03-01T10:00:00Z", "model_version": "1.0.0",
                                  "features": [{}] * 10,
                                  "predictions": predictions[start:start + 10],
                                  "probabilities": proba[start:start + 10],
                                  "request_ids": ids[start:start + 10]}) + "\n")  # fmt: skip
    flip = rng.random(rows) < wrong
    outcomes = [1 - p if f else p for p, f in zip(predictions, flip, strict=True)]
    with (folder / "feedback.jsonl").open("w", encoding="utf-8") as log:
        for request_id, value in list(zip(ids, outcomes, strict=True))[:labelled]:
            log.write(json.dumps({"ts": "2026-03-03T10:00:00Z", "model_version": "1.0.0",
                                  "request_id": request_id, "outcome": value}) + "\n")  # fmt: skip
    return outcomes


def monitor(repo: Path, home: Path, *extra: str) -> tuple[int, dict]:
    done = run_mlgate(home, "monitor", "--requests", "requests.jsonl", "--feedback",
                      "feedback.jsonl", "--baseline", "v1.0.0", "--format", "json", *extra,
                      cwd=repo)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_production_as_good_as_the_release_passes(repo: Path, home: Path) -> None:
    outcomes = write_logs(repo, 300, wrong=0.08)
    code, report = monitor(repo, home)
    assert code == 0, report
    accuracy = next(m for m in report["metrics"] if m["metric"] == "accuracy")
    predictions = [json.loads(line)["predictions"] for line in (repo / "requests.jsonl").open()]
    flat = [p for batch in predictions for p in batch]
    assert accuracy["current"] == pytest.approx(metrics.accuracy_score(outcomes, flat))
    assert accuracy["baseline"] == 0.9
    assert "300 of 300 predictions of 1.0.0 labelled (100.0%)" in report["notes"][0]
    assert "median label delay 2.0 d" in report["notes"][0]


def test_a_degraded_stream_fails_on_the_metric(repo: Path, home: Path) -> None:
    write_logs(repo, 300, wrong=0.35)
    code, report = monitor(repo, home)
    assert code == 1
    failed = {m["metric"] for m in report["metrics"] if m["verdict"] == "FAIL"}
    assert "accuracy" in failed
    done = run_mlgate(home, "monitor", "--requests", "requests.jsonl", "--feedback",
                      "feedback.jsonl", "--baseline", "v1.0.0", cwd=repo)  # fmt: skip
    assert done.stdout.startswith("mlgate monitor: FAIL")


def test_too_few_labels_are_unmeasured(repo: Path, home: Path) -> None:
    write_logs(repo, 300, wrong=0.0, labelled=20)
    code, report = monitor(repo, home)
    assert code == 2
    assert {m["verdict"] for m in report["metrics"]} == {"UNMEASURED"}
    assert (
        "only 20 labelled predictions of 1.0.0; --min-labels is 100"
        in (report["metrics"][0]["reasons"][0])
    )
    code, _ = monitor(repo, home, "--min-labels", "20")
    assert code == 0


def test_logs_without_request_ids_could_not_check(repo: Path, home: Path) -> None:
    (repo / "requests.jsonl").write_text('{"features": {}, "predictions": [1]}\n')
    (repo / "feedback.jsonl").write_text("")
    done = run_mlgate(home, "monitor", "--requests", "requests.jsonl", "--feedback",
                      "feedback.jsonl", cwd=repo)  # fmt: skip
    assert done.returncode == 2
    assert "no prediction in the request logs has a request_id" in done.stderr


def test_an_outcome_the_model_has_no_class_for_could_not_check(repo: Path, home: Path) -> None:
    write_logs(repo, 150, wrong=0.0)
    with (repo / "feedback.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps({"request_id": f"{7:032x}", "outcome": "yes",
                              "ts": "2026-03-09T00:00:00Z"}) + "\n")  # fmt: skip
    done = run_mlgate(home, "monitor", "--requests", "requests.jsonl", "--feedback",
                      "feedback.jsonl", cwd=repo)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "an outcome 'yes' is not a class of the model" in done.stderr


def test_the_policys_baseline_is_the_default_and_a_missing_schema_is_named(
    repo: Path, home: Path
) -> None:
    (repo / "mlgate.yaml").write_text(GATE_POLICY.replace("gate:\n", "gate:\n  baseline: v1.0.0\n"))
    write_logs(repo, 300, wrong=0.08)
    done = run_mlgate(home, "monitor", "--requests", "requests.jsonl", "--feedback",
                      "feedback.jsonl", cwd=repo)  # fmt: skip
    assert done.returncode == 0 and "baseline: v1.0.0" in done.stdout, done.stdout
    done = run_mlgate(home, "monitor", "--requests", "requests.jsonl", "--feedback",
                      "feedback.jsonl", "--schema", "nope.json", cwd=repo)  # fmt: skip
    assert done.returncode == 2 and "--schema nope.json: not found" in done.stderr


# --- the label-free estimate beside the realised metrics ---------------------------------------


def write_held_out(repo: Path, rows: int = 1000, *, shape: str = "calibrated") -> None:
    """models/held_out.jsonl of a calibrated model (outcome 1 with the chance it says), of a
    modest one (a score of 0.8 is right 97% of the time), or of one whose score means
    different things in different ranges."""
    rng = np.random.default_rng(8)
    score = rng.random(rows)
    chance = {
        "calibrated": score,
        "modest": 1 / (1 + np.exp(-12 * (score - 0.5))),
        "non-monotone": np.where(abs(score - 0.5) < 0.15, 0.9, 0.1),
    }[shape]
    outcome = (rng.random(rows) < chance).astype(int)
    (repo / "models" / "held_out.jsonl").write_text("".join(
        json.dumps({"prediction": int(s > 0.5), "probabilities": {"0": 1 - s, "1": s},
                    "outcome": int(o)}) + "\n"
        for s, o in zip(score.tolist(), outcome.tolist(), strict=True)
    ))  # fmt: skip


def hesitant_logs(repo: Path, rows: int, labelled: int) -> None:
    """A window of hard cases: every probability near 0.5 (the model hesitates on each)."""
    rng = np.random.default_rng(9)
    score = 0.45 + 0.1 * rng.random(rows)
    ids = [f"{i:032x}" for i in range(rows)]
    with (repo / "requests.jsonl").open("w", encoding="utf-8") as log:
        for s, request_id in zip(score.tolist(), ids, strict=True):
            log.write(json.dumps({"ts": "2026-03-01T10:00:00Z", "model_version": "1.0.0",
                                  "features": {}, "predictions": [int(s > 0.5)],
                                  "probabilities": [{"0": 1 - s, "1": s}],
                                  "request_ids": [request_id]}) + "\n")  # fmt: skip
    outcomes = (rng.random(rows) < score).astype(int).tolist()
    with (repo / "feedback.jsonl").open("w", encoding="utf-8") as log:
        for request_id, value in list(zip(ids, outcomes, strict=True))[:labelled]:
            log.write(json.dumps({"ts": "2026-03-02T10:00:00Z", "request_id": request_id,
                                  "outcome": value}) + "\n")  # fmt: skip


def estimates(report: dict) -> dict[str, tuple[float, str]]:
    return {m["metric"]: (m["estimated"], m["verdict"]) for m in report["estimate"]["metrics"]}


def test_the_estimate_stands_beside_the_realised_metrics(repo: Path, home: Path) -> None:
    """The labels decide once there are enough: the estimate (a score of 0.8 is right 80% of
    the time on the held-out split) fails the rule, production's 92% passes it."""
    write_held_out(repo)
    write_logs(repo, 300, wrong=0.08)
    code, report = monitor(repo, home)
    assert code == 0, report
    accuracy, verdict = estimates(report)["accuracy"]
    assert accuracy == pytest.approx(0.8, abs=0.05) and verdict == "FAIL"
    assert "estimated (CBPE) from the probabilities of all 300 predictions" in \
        report["estimate"]["note"]  # fmt: skip
    text = run_mlgate(home, "monitor", "--requests", "requests.jsonl", "--feedback",
                      "feedback.jsonl", "--baseline", "v1.0.0", cwd=repo).stdout  # fmt: skip
    assert "estimated  estimate" in text


def test_the_estimate_raises_the_alarm_before_the_labels_arrive(repo: Path, home: Path) -> None:
    write_held_out(repo)
    hesitant_logs(repo, 400, labelled=10)
    code, report = monitor(repo, home)
    assert code == 1, report
    assert {m["verdict"] for m in report["metrics"]} == {"UNMEASURED"}
    accuracy, verdict = estimates(report)["accuracy"]
    assert accuracy == pytest.approx(0.5, abs=0.06) and verdict == "FAIL"
    assert any("the estimate fails a rule: an early alarm" in note for note in report["notes"])


def test_an_estimate_never_clears_a_model(repo: Path, home: Path) -> None:
    """Too few labels and a passing estimate: still UNMEASURED (exit 2), never a pass."""
    write_held_out(repo, shape="modest")
    write_logs(repo, 300, wrong=0.1, labelled=20)
    code, report = monitor(repo, home)
    assert code == 2
    assert {verdict for _, verdict in estimates(report).values()} == {"PASS"}


def test_poor_calibration_leaves_the_estimate_unmeasured(repo: Path, home: Path) -> None:
    write_held_out(repo, 3000, shape="non-monotone")
    hesitant_logs(repo, 400, labelled=10)
    code, report = monitor(repo, home)
    assert code == 2
    assert report["estimate"]["metrics"] == []
    assert report["estimate"]["note"].startswith("estimate UNMEASURED: calibration does not carry")


def test_no_estimate_without_held_out_outputs_unless_asked(repo: Path, home: Path) -> None:
    write_logs(repo, 300, wrong=0.08)
    code, report = monitor(repo, home)
    assert code == 0
    assert report["estimate"]["note"] == (
        "no estimate: no models/held_out.jsonl (the evaluate stage writes it)"
    )
    done = run_mlgate(home, "monitor", "--requests", "requests.jsonl", "--feedback",
                      "feedback.jsonl", "--held-out", "gone.jsonl", cwd=repo)  # fmt: skip
    assert done.returncode == 2 and "--held-out gone.jsonl: not found" in done.stderr


def test_without_the_schema_the_classes_come_from_the_log(repo: Path, home: Path) -> None:
    """A scheduled job that has not pulled models/schema.json: the classes are the logged
    probabilities' keys ("0", "1"), typed again from the predictions, so outcomes sent as
    numbers still match them."""
    (repo / "models" / "schema.json").unlink()
    outcomes = write_logs(repo, 300, wrong=0.08)
    code, report = monitor(repo, home)
    assert code == 0, report
    accuracy = next(m for m in report["metrics"] if m["metric"] == "accuracy")
    flat = [p for line in (repo / "requests.jsonl").open() for p in json.loads(line)["predictions"]]
    assert accuracy["current"] == pytest.approx(metrics.accuracy_score(outcomes, flat))


def test_an_estimate_never_decides_when_there_are_labels_enough(repo: Path, home: Path) -> None:
    """200 labels, all of one class: ROC AUC is undefined (UNMEASURED, exit 2), and a failing
    estimated ROC AUC does not turn that into a FAIL: the labels are there, they decide."""
    only_auc = GATE_POLICY.replace("    accuracy: {min: 0.8, max_drop: 0.05}\n", "")
    (repo / "mlgate.yaml").write_text(only_auc)
    write_held_out(repo)
    hesitant_logs(repo, 400, labelled=0)
    ids = [json.loads(line)["request_ids"][0] for line in (repo / "requests.jsonl").open()]
    (repo / "feedback.jsonl").write_text("".join(
        json.dumps({"ts": "2026-03-02T10:00:00Z", "request_id": i, "outcome": 1}) + "\n"
        for i in ids[:200]))  # fmt: skip
    code, report = monitor(repo, home)
    assert code == 2, report
    assert estimates(report)["roc_auc"][1] == "FAIL"
    assert not any("early alarm" in note for note in report["notes"])


def test_a_broken_default_held_out_leaves_the_realised_verdict(repo: Path, home: Path) -> None:
    (repo / "models" / "held_out.jsonl").write_text('{"prediction": 1}\n')
    write_logs(repo, 300, wrong=0.35)
    code, report = monitor(repo, home)
    assert code == 1, report  # the labels' FAIL, not a could-not-check
    assert report["estimate"]["note"].startswith("estimate UNMEASURED: ")
    assert "needs a prediction and an outcome" in report["estimate"]["note"]
    done = run_mlgate(home, "monitor", "--requests", "requests.jsonl", "--feedback",
                      "feedback.jsonl", "--held-out", "models/held_out.jsonl",
                      cwd=repo)  # fmt: skip
    assert done.returncode == 2 and "needs a prediction and an outcome" in done.stderr


def test_held_out_answers_of_another_release_are_not_calibrated_on(repo: Path, home: Path) -> None:
    """dvc.lock at the release records other held-out answers than the ones checked out: the
    estimate would describe another model, so there is none, and the note says how to fix it."""
    lock = "stages:\n  evaluate:\n    outs:\n    - path: models/held_out.jsonl\n      md5: {}\n"
    commit(repo, home, {"dvc.lock": lock.format("a" * 32)}, "lock")
    git(repo, home, "tag", "-f", "v1.0.0")
    write_held_out(repo)
    write_logs(repo, 300, wrong=0.08)
    code, report = monitor(repo, home)
    assert code == 0 and report["estimate"]["metrics"], report  # the same answers: estimated
    (repo / "dvc.lock").write_text(lock.format("b" * 32))  # a retrain, not yet released
    code, report = monitor(repo, home)
    assert code == 0
    assert report["estimate"]["metrics"] == []
    assert "is not the answers of v1.0.0's model (dvc.lock differs)" in report["estimate"]["note"]
