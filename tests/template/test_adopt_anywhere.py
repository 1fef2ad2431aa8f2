"""Any repository can adopt `mlgate check`: the root action.yml and the pre-commit hook, run.

The action's own steps are executed by the workflow runner (tests/template/gha_runner.py) in a
workflow of a small repository that uses `mlgate/mlgate@<sha>`; the hook is run the way users
try one, `pre-commit try-repo` on this repository, in a throwaway git repository.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from gha_runner import Event, GitHubSide, JobRun, WorkflowRun
from support import REPO_ROOT, VENV_BIN, tool_env

CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
ACTION_SHA = "0123456789abcdef0123456789abcdef01234567"


def adopter_workflow(require: str = "") -> str:
    return f"""\
name: standard
on:
  push:
permissions: {{}}
jobs:
  mlgate:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      contents: read
      security-events: write
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - id: check
        uses: mlgate/mlgate@{ACTION_SHA} # v0.1.0
        with:
          install: "false"
          require: "{require}"
      - name: report
        if: ${{{{ !cancelled() }}}}
        env:
          EXIT_CODE: ${{{{ steps.check.outputs.exit-code }}}}
        run: echo "mlgate check said $EXIT_CODE"
"""


BAD = f"""\
name: bad
on: [push]
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
"""


def git(args: list[str], cwd: Path, home: Path) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=tool_env(home), capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def committed(repo: Path, home: Path, files: dict[str, str]) -> Path:
    """A git repository holding these files in one commit on main."""
    for relative, text in files.items():
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text(text, encoding="utf-8")
    git(["init", "--quiet", "--initial-branch=main"], repo, home)
    git(["add", "-A"], repo, home)
    git(["commit", "--quiet", "-m", "first"], repo, home)
    return repo


def adopter(tmp_path: Path, home: Path, files: dict[str, str]) -> tuple[GitHubSide, Path, str]:
    """A repository with these files pushed to a bare origin: (GitHub's side, workflow, sha)."""
    dev, origin = committed(tmp_path / "dev", home, files), tmp_path / "origin.git"
    git(["init", "--quiet", "--bare", str(origin)], tmp_path, home)
    git(["push", "--quiet", str(origin), "main"], dev, home)
    side = GitHubSide(origin, home, "acme/adopter", "http://127.0.0.1:9", "t0ken",
                      actions={"mlgate/mlgate": REPO_ROOT})  # fmt: skip
    return side, dev / ".github/workflows/standard.yml", git(["rev-parse", "HEAD"], dev, home)


def run(tmp_path: Path, home: Path, files: dict[str, str]) -> JobRun:
    side, workflow, sha = adopter(tmp_path, home, files)
    event = Event("push", sha, "refs/heads/main", {"repository": {"full_name": "acme/adopter"}})
    return WorkflowRun(side, workflow, event, root=tmp_path / "runs").run()["mlgate"]


def test_the_action_passes_a_repository_that_follows_what_it_adopted(
    tmp_path: Path, home: Path
) -> None:
    job = run(tmp_path, home, {".github/workflows/standard.yml": adopter_workflow()})
    assert job.result == "success", job.log()
    check = job.step("mlgate/mlgate")
    assert check.outputs == {"exit-code": "0", "sarif-file": "mlgate.sarif"}
    assert "not runnable here: Upload to code scanning" in check.why
    assert "adopted 1 of 11 parts (gha)" in check.log
    assert (job.workspace / "mlgate.sarif").is_file()
    assert "### mlgate check" in job.summary
    assert "mlgate check said 0" in job.step("report").log


def test_the_action_fails_on_findings_with_annotations(tmp_path: Path, home: Path) -> None:
    files = {".github/workflows/standard.yml": adopter_workflow(), ".github/workflows/bad.yml": BAD}
    job = run(tmp_path, home, files)
    assert job.result == "failure"
    check = job.step("mlgate/mlgate")
    assert check.outputs["exit-code"] == "1"
    assert "::error file=.github/workflows/bad.yml,line=3,title=GHA103::" in check.log
    assert "Fail on findings: failure" in check.log
    assert "mlgate check said 1" in job.step("report").log


def test_the_action_requires_what_it_is_told(tmp_path: Path, home: Path) -> None:
    workflow = adopter_workflow(require="gha,docker")
    job = run(tmp_path, home, {".github/workflows/standard.yml": workflow})
    assert job.result == "failure"
    assert "title=ADOPT101::docker (Container image) is required but not adopted" in (
        job.step("mlgate/mlgate").log
    )


def test_the_action_itself_follows_the_standard(home: Path) -> None:
    """The mlgate repository's own action.yml: pinned, no injection, thin steps."""
    done = subprocess.run(
        [str(VENV_BIN / "mlgate"), "check", "--format", "json", "--select", "GHA,ZIZMOR100",
         "--fail-on", "info", str(REPO_ROOT)],
        capture_output=True, text=True, env=tool_env(home), timeout=120,
    )  # fmt: skip
    action_findings = [
        finding
        for rule in __import__("json").loads(done.stdout)["rules"]
        for finding in rule["findings"]
        if finding["path"] == "action.yml"
    ]
    assert not action_findings


HOOK_FIXTURE = {"README.md": "# analysis\n", "notebook.py": "print('hello')\n"}


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the hook tests: the hook's environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(tmp_path: Path, home: Path, cache: Path, files: dict[str, str]) -> str:
    repo = committed(tmp_path / "repo", home, files)
    env = tool_env(home, PRE_COMMIT_HOME=str(cache))
    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONFIG_FILE"):
        if key in os.environ:
            env[key] = os.environ[key]
    done = subprocess.run(
        [str(VENV_BIN / "pre-commit"), "try-repo", str(REPO_ROOT), "mlgate-check",
         "--all-files", "--verbose"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    return f"exit {done.returncode}\n{done.stdout}{done.stderr}"


def test_the_pre_commit_hook_passes_and_fails(
    tmp_path: Path, home: Path, pre_commit_home: Path
) -> None:
    clean = try_repo(tmp_path / "clean", home, pre_commit_home, HOOK_FIXTURE)
    assert clean.startswith("exit 0"), clean[-3000:]
    assert "adopted 0 of 11 parts" in clean
    broken = try_repo(tmp_path / "broken", home, pre_commit_home,
                      {**HOOK_FIXTURE, ".github/workflows/bad.yml": BAD})  # fmt: skip
    assert broken.startswith("exit 1"), broken[-3000:]
    assert "GHA103" in broken


def test_the_hook_installs_what_the_check_extra_lists() -> None:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    extra = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = extra["project"]["optional-dependencies"]["check"]
    (hook,) = hooks
    assert sorted(hook["additional_dependencies"]) == sorted(wanted)
    assert hook["pass_filenames"] is False and hook["language"] == "python"
