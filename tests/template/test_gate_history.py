"""The merge gate on a real history: main with its metrics, then branches that change them.

A copy of the reproduced default project gets a second commit on main with its metrics, then
each branch re-runs the pipeline the way a pull request would and asks `mlgate gate` about it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import Reproduced
from projects import run
from support import run_mlgate

pytestmark = pytest.mark.pipeline


@pytest.fixture(scope="module")
def history(
    reproduced: dict[str, Reproduced], tmp_path_factory: pytest.TempPathFactory, home: Path
) -> Path:
    """The default project with its pipeline outputs committed on main."""
    project = tmp_path_factory.mktemp("gate-history") / "project"
    shutil.copytree(reproduced["default"].project, project, symlinks=True)
    run(["git", "add", "-A"], project, home)
    run(["git", "commit", "-q", "-m", "Train the first model"], project, home)
    return project


def branch(project: Path, home: Path, name: str, start: str = "main") -> None:
    run(["git", "checkout", "-q", "-B", name, start], project, home)


def commit_all(project: Path, home: Path, message: str) -> None:
    run(["git", "add", "-A"], project, home)
    run(["git", "commit", "-q", "-m", message], project, home)


def gate(project: Path, home: Path, *args: str) -> tuple[int, str, str]:
    result = run_mlgate(home, "gate", "--baseline", "main", *args, cwd=project)
    return result.returncode, result.stdout, result.stderr


@pytest.fixture(scope="module")
def worse(history: Path, home: Path) -> str:
    """A commit on a branch from main whose model is a one-tree, depth-one forest (a change
    that makes the model clearly worse), its pipeline re-run: the start of both tests of a
    worse model (one `dvc repro` for the two)."""
    branch(history, home, "smaller-model")
    params_path = history / "params.yaml"
    params = yaml.safe_load(params_path.read_text())
    params["model"]["params"].update(n_estimators=1, max_depth=1)
    params_path.write_text(yaml.safe_dump(params, sort_keys=False))
    run(["dvc", "repro"], history, home)
    commit_all(history, home, "A smaller model")
    return run(["git", "rev-parse", "HEAD"], history, home).stdout.strip()


def test_a_branch_that_keeps_quality_passes(history: Path, home: Path) -> None:
    branch(history, home, "docs-only")
    readme = history / "README.md"
    readme.write_text(readme.read_text() + "\nA note on the data.\n")
    run(["dvc", "repro"], history, home)  # nothing to re-run: same data, same params
    commit_all(history, home, "Document the data")
    code, out, err = gate(history, home)
    assert code == 0, out + err
    assert "mlgate gate: PASS" in out
    assert re.search(r"accuracy\s+0\.956\d*\s+0\.956\d*\s+0 \(0%\)", out), out


def test_a_branch_that_makes_the_model_worse_fails_and_names_the_metric(
    history: Path, home: Path, worse: str
) -> None:
    branch(history, home, "worse", worse)
    code, out, err = gate(history, home)
    assert code == 1, out + err
    assert "mlgate gate: FAIL" in out
    assert re.search(r"^roc_auc: dropped \d+(\.\d+)?% from 0\.994", out, re.MULTILINE), out
    report = json.loads(gate(history, home, "--format", "json")[1])
    failed = {m["metric"] for m in report["metrics"] if m["verdict"] == "FAIL"}
    assert "roc_auc" in failed
    assert report["baseline"]["ref"] == "main"


def test_lowering_the_threshold_in_the_same_branch_does_not_help(
    history: Path, home: Path, worse: str
) -> None:
    branch(history, home, "worse-and-looser", worse)
    policy_path = history / "mlgate.yaml"
    policy = yaml.safe_load(policy_path.read_text())
    for rule in policy["gate"]["rules"].values():
        rule.update({"min": 0.0})
        for key in ("max_drop", "max_drop_rel"):
            if key in rule:
                rule[key] = 1.0
    policy_path.write_text(yaml.safe_dump(policy, sort_keys=False))
    commit_all(history, home, "Thresholds the smaller model meets")
    code, out, err = gate(history, home)
    assert code == 1, out + err
    assert "policy: mlgate.yaml at main" in out
    assert "the new rules apply after merge" in out
    assert re.search(r"rules\.roc_auc: now min 0\.95, max_drop_rel 0\.02; after merge min 0", out)
    markdown = gate(history, home, "--format", "md")[1]
    assert "| `rules.roc_auc` | min 0.95, max_drop_rel 0.02 | min 0, max_drop_rel 1 |" in markdown
    # Without --baseline the gate takes gate.baseline (origin/main); this clone has no remote,
    # so it says it could not check instead of falling back to the branch's own rules.
    no_remote = run_mlgate(home, "gate", cwd=history)
    assert no_remote.returncode == 2
    assert "unknown baseline ref 'origin/main'" in no_remote.stderr
