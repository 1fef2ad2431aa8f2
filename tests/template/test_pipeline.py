"""The covering subset runs `dvc repro` and its own tests, with plausible metrics."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import Reproduced
from projects import COVERING, PLAUSIBLE, run
from rendering import render
from support import VENV_BIN, run_mlgate

pytestmark = pytest.mark.pipeline
NAMES = list(COVERING)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", NAMES)
def test_pipeline_runs_every_stage_in_order(name: str, reproduced: dict[str, Reproduced]) -> None:
    out = reproduced[name].stdout
    stages = ["validate", "prepare", "train", "evaluate"]
    if name != "custom":
        stages.insert(0, "fetch")
    positions = [out.index(f"Running stage '{stage}'") for stage in stages]
    assert positions == sorted(positions)
    assert out.index("Running stage 'profile'") > out.index("Running stage 'prepare'")
    assert "validate PASS" in out


@pytest.mark.parametrize("name", NAMES)
def test_metrics_are_plausible(name: str, reproduced: dict[str, Reproduced]) -> None:
    project = reproduced[name].project
    scores = json.loads((project / "reports" / "metrics.json").read_text())
    metric, bound, _ = PLAUSIBLE[name]
    assert scores[metric] >= bound, scores
    task = COVERING[name].get("task", "regression" if name == "diabetes" else "classification")
    expected = (
        {"accuracy", "f1_macro", "precision_macro", "recall_macro", "roc_auc"}
        if task == "classification"
        else {"rmse", "mae", "r2"}
    )
    assert set(scores) == expected


@pytest.mark.parametrize("name", NAMES)
def test_outputs_are_tracked(name: str, reproduced: dict[str, Reproduced], home: Path) -> None:
    project = reproduced[name].project
    for path in ("models/model.joblib", "models/schema.json", "reports/validation.json"):
        assert (project / path).is_file(), path
    schema = json.loads((project / "models" / "schema.json").read_text())
    assert schema["target"]["name"] == "target"
    if name == "default":
        assert "mean radius" in [f["name"] for f in schema["features"]]
    if name == "custom":
        kinds = {f["name"]: f["kind"] for f in schema["features"]}
        assert kinds == {"size cm": "numeric", "colour": "categorical", "age years": "numeric"}
    status = run(["dvc", "status"], project, home)
    assert "up to date" in status.stdout


# dvc.yaml's metrics and plots differ by the task alone (and the evaluate stage that writes
# them): one project of each task shows them all, the other two repeated 10 s of `dvc`.
@pytest.mark.parametrize("name", ["default", "diabetes"])
def test_dvc_shows_the_metrics_and_plots(
    name: str, reproduced: dict[str, Reproduced], home: Path
) -> None:
    project = reproduced[name].project
    shown = run(["dvc", "metrics", "show", "--json"], project, home)
    assert "reports/metrics.json" in shown.stdout
    plots = run(["dvc", "plots", "show", "-o", str(project / "dvc_plots")], project, home)
    assert (project / "dvc_plots" / "index.html").is_file(), plots.stdout


# The default project's own tests run in test_workflows_run.py (`make test` in the venv
# `make setup` made, and in the CI workflow's test job).
@pytest.mark.parametrize("name", [name for name in NAMES if name != "default"])
def test_generated_tests_pass(name: str, reproduced: dict[str, Reproduced], home: Path) -> None:
    result = run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                 reproduced[name].project, home, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout


# The random forest's randomness and the split's, on the default project (a linear model has
# none of its own: the diabetes project would prove nothing more for another 20 s).
@pytest.mark.parametrize("name", ["default"])
def test_repro_is_reproducible(name: str, reproduced: dict[str, Reproduced], home: Path) -> None:
    """The stages that make the compared files run again from the same inputs: validate and
    profile write none of them (GX's import alone was 10 s of a forced `dvc repro -f`). That a
    reproduced pipeline is up to date is test_outputs_are_tracked's `dvc status`."""
    project = reproduced[name].project
    files = ["reports/metrics.json", "models/model.joblib", "data/processed/train.csv"]
    before = {f: sha256(project / f) for f in files}
    stages = ["fetch", "prepare", "train", "evaluate"]
    again = run(["dvc", "repro", "--force", "--single-item", *stages], project, home)
    assert [s for s in stages if f"Running stage '{s}'" in again.stdout] == stages, again.stdout
    assert {f: sha256(project / f) for f in files} == before


@pytest.mark.parametrize(
    "answers",
    [{"dataset": "custom", "task": "regression", "model": "gradient_boosting"}],
    ids=["custom-regression"],
)  # fmt: skip
def test_generated_tests_pass_on_a_fresh_render(answers: dict, tmp_path: Path, home: Path) -> None:
    """Before any `dvc repro` or `dvc pull`, your own data: a synthetic stand-in. (A sample
    data set's fresh checkout: tests/template/test_workflows_run.py runs `make test` before the
    data.)"""
    project = render(tmp_path, project_name="fresh", **answers)
    result = run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"], project, home,
                 check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout


@pytest.mark.parametrize("name", NAMES)
def test_the_shipped_gate_policy_passes_on_the_sample_data(
    name: str, reproduced: dict[str, Reproduced], home: Path
) -> None:
    """Before main has metrics: absolute bounds judged, the comparison warned about."""
    project = reproduced[name].project
    result = run_mlgate(home, "gate", "--baseline", "HEAD", "--format", "json", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    verdicts = {m["metric"]: m["verdict"] for m in report["metrics"]}
    if name == "custom":  # only comparisons with main: nothing to compare with yet
        assert set(verdicts.values()) == {"UNMEASURED"}
        assert not any(m["blocking"] for m in report["metrics"])
    else:
        assert set(verdicts.values()) == {"PASS"}, report
    assert "is not committed at HEAD" in report["baseline"]["note"]


@pytest.mark.parametrize("name", NAMES)
def test_sample_windows_show_both_drift_outcomes(
    name: str, reproduced: dict[str, Reproduced], home: Path
) -> None:
    """What the README tells a newcomer: `make windows`, then `make drift` on each."""
    project = reproduced[name].project
    profile = json.loads((project / "models" / "reference_profile.json").read_text())
    assert "target" not in profile["columns"], "the profile holds features only"
    module = next((project / "src").iterdir()).name
    run(["python", "-m", f"{module}.windows"], project, home)
    clean = run_mlgate(home, "drift", "--current", "logs/clean.jsonl", "--format", "json",
                       "--report", "logs/clean.html", cwd=project)  # fmt: skip
    assert (clean.returncode, json.loads(clean.stdout)["verdict"]) == (0, "no_drift"), clean
    assert (project / "logs" / "clean.html").is_file()
    # The drifted window through `make drift` (one `mlgate drift` process, not two), which says
    # which outcome its "Error 1" means: mlgate drift's exit 1 (setup done: this venv serves)
    for written in ("drift.json", "drift.html"):
        (project / "logs" / written).unlink(missing_ok=True)
    (VENV_BIN.parent / ".installed").touch()
    make = run(["make", "drift", f"VENV={VENV_BIN.parent}", "WINDOW=logs/drifted.jsonl"],
               project, home, check=False)  # fmt: skip
    assert make.returncode == 2, make.stdout + make.stderr
    assert "make drift: the window drifted (not an error of make: see logs/drift.html)" in (
        make.stderr
    ), make.stderr
    assert json.loads((project / "logs" / "drift.json").read_text())["verdict"] == "drift"
    assert (project / "logs" / "drift.html").is_file()
