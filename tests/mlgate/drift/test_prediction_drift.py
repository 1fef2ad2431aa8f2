"""Prediction drift: `mlgate profile --outputs` summarises the model's held-out answers, and
`mlgate drift` judges the answers in the service's request log as a section of its own.

The model here is a known rule on age (class 1 with probability sigmoid((age - 40) / 5)), so
each case knows its answer: the same population gives the same answers (no drift); older
people give more 1s (inputs and answers drift); a broken deployment that answers differently
on the same inputs (leaning to one class) drifts in its answers only, and that alone is drift
(exit 1).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support import run_mlgate


def answers(age: np.ndarray, *, bias: float = 0.0) -> list[dict]:
    """The rule's prediction and probabilities per row (bias: a broken model's shift in logits)."""
    p1 = 1.0 / (1.0 + np.exp(-((age - 40.0) / 5.0 + bias)))
    return [
        {"prediction": int(p > 0.5), "probabilities": {"0": round(1 - p, 6), "1": round(p, 6)}}
        for p in p1
    ]


def population(n: int, seed: int, *, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(40.0 + shift, 10.0, n), rng.choice(["a", "b"], n)


def mlgate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_mlgate(root / "home", *args, cwd=root)


def write_lines(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A train split, a model schema and held-out answers with outcomes, then the profile."""
    age, plan = population(3000, 1)
    lines = ["age,plan"] + [f"{a},{p}" for a, p in zip(age, plan, strict=True)]
    (tmp_path / "train.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    schema = {
        "task": "classification",
        "features": [{"name": "age", "kind": "numeric"}, {"name": "plan", "kind": "categorical"}],
        "target": {"name": "y", "classes": [0, 1]},
    }
    (tmp_path / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
    held_age, _ = population(2000, 2)
    held = [{**a, "outcome": a["prediction"]} for a in answers(held_age)]
    write_lines(tmp_path / "held_out.jsonl", held)
    result = profile(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "outputs: 2000 held-out predictions (prediction, confidence)" in result.stdout
    return tmp_path


def profile(root: Path, *extra: str) -> Any:
    return mlgate(
        root, "profile", str(root / "train.csv"), "--schema", str(root / "schema.json"),
        "--outputs", str(root / "held_out.jsonl"), "-o", str(root / "profile.json"), *extra,
    )  # fmt: skip


def request_log(
    path: Path, n: int, seed: int, *, shift: float = 0.0, bias: float = 0.0,
    probabilities: bool = True,
) -> Path:  # fmt: skip
    """The service's request log: a few records per line, with predictions and probabilities."""
    age, plan = population(n, seed, shift=shift)
    said = answers(age, bias=bias)
    lines = []
    for start in range(0, n, 4):
        chunk = range(start, min(start + 4, n))
        line: dict[str, Any] = {
            "ts": "2026-11-30T10:00:00.000Z",
            "model_version": "v1",
            "features": [{"age": float(age[i]), "plan": str(plan[i])} for i in chunk],
            "predictions": [said[i]["prediction"] for i in chunk],
            "request_ids": [f"{i:032x}" for i in chunk],
        }
        if probabilities:
            line["probabilities"] = [said[i]["probabilities"] for i in chunk]
        lines.append(line)
    return write_lines(path, lines)


def drift(root: Path, window: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    result = mlgate(
        root, "drift", "--reference", str(root / "profile.json"), "--current", str(window),
        "--format", "json", *extra,
    )  # fmt: skip
    report = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.returncode, report, result.stderr


def outputs_by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["column"]: c for c in report["outputs"]["columns"]}


def test_the_profile_holds_the_held_out_answers(project: Path) -> None:
    outputs = json.loads((project / "profile.json").read_text())["outputs"]
    held = [json.loads(line) for line in (project / "held_out.jsonl").read_text().splitlines()]
    ones = sum(line["prediction"] == 1 for line in held)
    assert outputs["task"] == "classification" and outputs["rows"] == 2000
    prediction = outputs["columns"]["prediction"]
    assert prediction["kind"] == "categorical"
    assert prediction["top"] == {"0": 2000 - ones, "1": ones}
    confidence = outputs["columns"]["confidence"]
    highest = [max(line["probabilities"].values()) for line in held]
    assert confidence["count"] == 2000
    assert confidence["min"] == pytest.approx(min(highest))
    assert confidence["max"] == pytest.approx(max(highest))
    assert confidence["mean"] == pytest.approx(float(np.mean(highest)))
    again = project / "again.json"
    profile(project, "-o", str(again))
    assert again.read_bytes() == (project / "profile.json").read_bytes()


def test_the_same_population_does_not_drift(project: Path) -> None:
    code, report, _ = drift(project, request_log(project / "requests.jsonl", 1500, 7))
    assert code == 0
    assert report["outputs"]["compared"] is True and report["outputs"]["drifted"] is False
    found = outputs_by_name(report)
    assert found["prediction"]["method"] == "jensenshannon"
    assert found["confidence"]["method"] == "wasserstein"
    assert {c["verdict"] for c in found.values()} == {"OK"}
    assert found["prediction"]["current_count"] == 1500


def test_older_people_move_the_inputs_and_the_answers(project: Path) -> None:
    code, report, _ = drift(project, request_log(project / "old.jsonl", 1500, 7, shift=12.0))
    assert code == 1
    found = outputs_by_name(report)
    assert found["prediction"]["verdict"] == "DRIFT"
    assert {c["column"]: c["verdict"] for c in report["columns"]}["age"] == "DRIFT"


def test_answers_that_move_on_unmoved_inputs_are_drift(project: Path) -> None:
    """A broken deployment: the inputs are the reference's, the answers leaning to class 1."""
    window = request_log(project / "broken.jsonl", 1500, 7, bias=1.0)
    code, report, _ = drift(project, window)
    assert report["dataset"]["share_drifted"] == 0.0
    assert outputs_by_name(report)["prediction"]["verdict"] == "DRIFT"
    assert code == 1
    text = mlgate(project, "drift", "--reference", str(project / "profile.json"), "--current",
                  str(window)).stdout  # fmt: skip
    assert "mlgate drift: DRIFT" in text and "0 of 2 columns drifted" in text
    assert "predictions: DRIFT in prediction" in text


def test_a_window_without_answers_is_judged_on_its_inputs(project: Path) -> None:
    age, plan = population(500, 3)
    window = project / "export.csv"
    window.write_text(
        "age,plan\n" + "".join(f"{a},{p}\n" for a, p in zip(age, plan, strict=True)),
        encoding="utf-8",
    )
    code, report, _ = drift(project, window)
    assert code == 0
    assert report["outputs"]["compared"] is False
    assert "the window carries none" in report["outputs"]["note"]
    markdown = mlgate(project, "drift", "--reference", str(project / "profile.json"),
                      "--current", str(window), "--format", "md").stdout  # fmt: skip
    assert "#### predictions: not compared" in markdown


def test_answers_without_probabilities_leave_confidence_unmeasured(project: Path) -> None:
    window = request_log(project / "bare.jsonl", 1500, 7, probabilities=False)
    code, report, _ = drift(project, window)
    found = outputs_by_name(report)
    assert found["confidence"]["verdict"] == "UNMEASURED"
    assert "carry no confidence" in found["confidence"]["reasons"][0]
    assert found["prediction"]["verdict"] == "OK"
    assert code == 0


def test_the_policy_can_ignore_or_retune_an_output(project: Path) -> None:
    (project / "mlgate.yaml").write_text(
        "drift:\n  outputs:\n    confidence: {ignore: true}\n"
        "    prediction: {method: psi, threshold: 0.2}\n",
        encoding="utf-8",
    )
    code, report, _ = drift(project, request_log(project / "r.jsonl", 1500, 7))
    found = outputs_by_name(report)
    assert found["confidence"]["verdict"] == "IGNORED"
    assert (found["prediction"]["method"], found["prediction"]["threshold"]) == ("psi", 0.2)
    assert code == 0
    (project / "mlgate.yaml").write_text("drift:\n  outputs:\n    probability: {}\n")
    code, _, stderr = drift(project, request_log(project / "r.jsonl", 100, 7))
    assert code == 2
    assert "drift.outputs: unknown key 'probability'" in stderr


def test_a_profile_without_outputs_says_so(project: Path) -> None:
    result = mlgate(project, "profile", str(project / "train.csv"), "-o",
                    str(project / "inputs_only.json"))  # fmt: skip
    assert result.returncode == 0
    code, report, _ = drift(project, request_log(project / "r.jsonl", 1500, 7), "--reference",
                            str(project / "inputs_only.json"))  # fmt: skip
    assert code == 0
    assert "the reference profile has none" in report["outputs"]["note"]


def test_regression_answers_are_values(tmp_path: Path) -> None:
    (tmp_path / "train.csv").write_text("x\n" + "".join(f"{i}\n" for i in range(200)))
    schema = {"task": "regression", "features": [{"name": "x", "kind": "numeric"}],
              "target": {"name": "y"}}  # fmt: skip
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    write_lines(tmp_path / "held_out.jsonl",
                [{"prediction": 2.5 * i, "outcome": 2.5 * i + 1} for i in range(200)])  # fmt: skip
    assert profile(tmp_path).returncode == 0
    outputs = json.loads((tmp_path / "profile.json").read_text())["outputs"]
    assert set(outputs["columns"]) == {"prediction"}
    assert outputs["columns"]["prediction"]["kind"] == "numeric"
    assert outputs["columns"]["prediction"]["max"] == 497.5
    lines = [{"features": {"x": i}, "predictions": [2.5 * i + 400]} for i in range(200)]
    code, report, _ = drift(tmp_path, write_lines(tmp_path / "r.jsonl", lines))
    assert outputs_by_name(report)["prediction"]["verdict"] == "DRIFT"
    assert code == 1


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"outcome": 1}] * 40, "held_out.jsonl:1: each held-out line needs a prediction"),
        ([{"prediction": [1]}] * 40, "held_out.jsonl:1: [1] is not a class"),
        (
            [{"prediction": 1, "probabilities": {"0": "0.3", "1": 0.7}}] * 40,
            "held_out.jsonl:1: probabilities must be a finite number per class",
        ),
    ],
)
def test_bad_held_out_outputs_are_named(
    project: Path, lines: list[dict[str, Any]], message: str
) -> None:
    write_lines(project / "held_out.jsonl", lines)
    result = profile(project)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_outputs_need_the_models_schema(project: Path) -> None:
    result = mlgate(project, "profile", str(project / "train.csv"), "--outputs",
                    str(project / "held_out.jsonl"), "-o", str(project / "p.json"))  # fmt: skip
    assert result.returncode == 2
    assert "--outputs needs --schema" in result.stderr


def test_a_damaged_outputs_section_is_refused(project: Path) -> None:
    data = json.loads((project / "profile.json").read_text())
    data["outputs"]["columns"]["prediction"]["top"] = {"0": -3}
    (project / "profile.json").write_text(json.dumps(data))
    code, _, stderr = drift(project, request_log(project / "r.jsonl", 100, 7))
    assert code == 2
    assert "the outputs section column 'prediction' lacks its category counts" in stderr


def test_a_small_test_split_leaves_the_answers_unprofiled(project: Path) -> None:
    """Too few held-out answers to describe: the inputs are profiled all the same, and drift
    says the answers were not compared (the pipeline does not stop)."""
    write_lines(project / "held_out.jsonl", [{"prediction": 1}] * 5)
    result = profile(project)
    assert result.returncode == 0, result.stderr
    assert "outputs: not profiled" in result.stdout and "fewer than 30" in result.stdout
    assert "outputs" not in json.loads((project / "profile.json").read_text())
    code, report, _ = drift(project, request_log(project / "r.jsonl", 1500, 7))
    assert code == 0 and report["outputs"]["compared"] is False


def test_output_rules_name_outputs_the_profile_has(tmp_path: Path) -> None:
    """A regressor has no confidence: a rule for it is a mistake, said as one."""
    (tmp_path / "train.csv").write_text("x\n" + "".join(f"{i}\n" for i in range(200)))
    schema = {"task": "regression", "features": [{"name": "x", "kind": "numeric"}],
              "target": {"name": "y"}}  # fmt: skip
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    write_lines(tmp_path / "held_out.jsonl", [{"prediction": 2.5 * i} for i in range(200)])
    assert profile(tmp_path).returncode == 0
    (tmp_path / "mlgate.yaml").write_text("drift:\n  outputs:\n    confidence: {threshold: 0.2}\n")
    lines = [{"features": {"x": i}, "predictions": [2.5 * i]} for i in range(200)]
    code, _, stderr = drift(tmp_path, write_lines(tmp_path / "r.jsonl", lines))
    assert code == 2
    assert "drift.outputs names confidence, which the reference profile's outputs do not have" \
        in stderr  # fmt: skip
    rule = "drift:\n  outputs:\n    prediction: {method: chisquare}\n"
    (tmp_path / "mlgate.yaml").write_text(rule)
    code, _, stderr = drift(tmp_path, tmp_path / "r.jsonl")
    assert code == 2 and "'drift.outputs.prediction' is numeric" in stderr
