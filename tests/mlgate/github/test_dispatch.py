"""`mlgate dispatch`: drift.yml starts retrain.yml only when mlgate.yaml says so."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fake_github import FakeGitHub


def dispatch(
    fake: FakeGitHub, home: Path, where: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return fake.run_mlgate(home, "dispatch", *args, cwd=where, **env)


def policy(where: Path, drift: str) -> Path:
    path = where / "mlgate.yaml"
    path.write_text(f"gate:\n  metrics_file: reports/metrics.json\n  rules: {{}}\ndrift: {drift}\n")
    return path


@pytest.fixture
def event(tmp_path: Path) -> Path:
    """A schedule event's payload: it names the default branch."""
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"repository": {"default_branch": "trunk"}}))
    return path


def test_starts_the_workflow_on_the_default_branch_when_the_policy_says_so(
    fake_github: FakeGitHub, home: Path, tmp_path: Path, event: Path
) -> None:
    policy(tmp_path, "{retrain: true}")
    outputs = tmp_path / "outputs"
    result = dispatch(fake_github, home, tmp_path, "retrain.yml", "--if-policy", "drift.retrain",
                      GITHUB_EVENT_PATH=str(event), GITHUB_OUTPUT=str(outputs))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "started retrain.yml on trunk" in result.stdout
    assert fake_github.dispatches == [{"workflow": "retrain.yml", "ref": "trunk", "inputs": {}}]
    assert outputs.read_text() == "dispatched=true\n"


@pytest.mark.parametrize("drift", ["{retrain: false}", "{}", "{drift_share: 0.3}"])
def test_does_nothing_when_the_switch_is_off_or_absent(
    fake_github: FakeGitHub, home: Path, tmp_path: Path, drift: str
) -> None:
    policy(tmp_path, drift)
    outputs = tmp_path / "outputs"
    result = dispatch(fake_github, home, tmp_path, "retrain.yml", "--if-policy", "drift.retrain",
                      GITHUB_OUTPUT=str(outputs))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "not starting retrain.yml: drift.retrain is false" in result.stdout
    assert fake_github.requests == []  # not even a call to GitHub
    assert outputs.read_text() == "dispatched=false\n"


def test_without_a_policy_file_the_default_is_off(
    fake_github: FakeGitHub, home: Path, tmp_path: Path
) -> None:
    result = dispatch(fake_github, home, tmp_path, "retrain.yml", "--if-policy", "drift.retrain")
    assert result.returncode == 0, result.stderr
    assert fake_github.dispatches == []


def test_without_if_policy_it_always_starts(
    fake_github: FakeGitHub, home: Path, tmp_path: Path
) -> None:
    result = dispatch(fake_github, home, tmp_path, "retrain.yml", "--ref", "v1.2.3")
    assert result.returncode == 0, result.stderr
    assert fake_github.dispatches[0]["ref"] == "v1.2.3"


def test_falls_back_to_the_runs_branch(fake_github: FakeGitHub, home: Path, tmp_path: Path) -> None:
    result = dispatch(fake_github, home, tmp_path, "retrain.yml", GITHUB_REF_NAME="main")
    assert result.returncode == 0, result.stderr
    assert fake_github.dispatches[0]["ref"] == "main"


@pytest.mark.parametrize(
    ("drift", "message"),
    [
        ("{retrain: 'yes'}", "drift.retrain must be true or false, not the text 'yes'"),
        ("{retrain: 1}", "drift.retrain must be true or false"),
        ("{retrian: true}", "retrian"),
        ("[1, 2]", "'drift' must be a mapping"),
    ],
)
def test_a_bad_policy_could_not_check(
    fake_github: FakeGitHub, home: Path, tmp_path: Path, drift: str, message: str
) -> None:
    policy(tmp_path, drift)
    result = dispatch(fake_github, home, tmp_path, "retrain.yml", "--if-policy", "drift.retrain",
                      "--ref", "main")  # fmt: skip
    assert result.returncode == 2
    assert message in result.stderr
    assert fake_github.dispatches == []


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["nope.yml"], {}, "GitHub knows no such workflow on main"),
        (["lint.yml"], {}, "does it have an 'on: workflow_dispatch' trigger"),
        (["../ci.yml"], {}, "must be a workflow file name"),
        (["retrain.yml", "--if-policy", "drift.retrian"], {}, "is not a switch"),
        (["retrain.yml", "--if-policy", "drift.retrain", "--config", "missing.yaml"], {},
         "missing.yaml"),
        (["retrain.yml"], {"GITHUB_TOKEN": ""}, "GITHUB_TOKEN is not set"),
        (["retrain.yml"], {"GITHUB_REPOSITORY": "no-slash"}, "GITHUB_REPOSITORY must name"),
    ],
)  # fmt: skip
def test_what_cannot_be_started_says_why(
    fake_github: FakeGitHub, home: Path, tmp_path: Path, args: list[str], env: dict, message: str
) -> None:
    result = dispatch(fake_github, home, tmp_path, *args, GITHUB_REF_NAME="main", **env)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert fake_github.dispatches == []


def test_no_ref_anywhere_could_not_check(
    fake_github: FakeGitHub, home: Path, tmp_path: Path
) -> None:
    result = dispatch(fake_github, home, tmp_path, "retrain.yml", GITHUB_REF_NAME="")
    assert result.returncode == 2
    assert "no branch to run the workflow on" in result.stderr


def test_a_read_only_token_names_the_permission(
    fake_github: FakeGitHub, home: Path, tmp_path: Path
) -> None:
    fake_github.fail(403, method="POST", path_contains="/dispatches", message="Resource not "
                     "accessible by integration")  # fmt: skip
    result = dispatch(fake_github, home, tmp_path, "retrain.yml", "--ref", "main")
    assert result.returncode == 2
    assert "Resource not accessible by integration" in result.stderr
    assert "'permissions: actions: write'" in result.stderr


def test_a_passing_outage_is_retried(fake_github: FakeGitHub, home: Path, tmp_path: Path) -> None:
    fake_github.fail(502, times=2, method="POST", path_contains="/dispatches")
    result = dispatch(fake_github, home, tmp_path, "retrain.yml", "--ref", "main")
    assert result.returncode == 0, result.stderr
    assert len(fake_github.dispatches) == 1
