"""A user's path: render, `make setup` (its own venv), `make test` (before any data: the
project's tests on a fresh sample-data checkout), `make repro`, `make gate`, `make lint`,
`make check`.

The other template tests share this repository's environment; this one installs the
rendered project the way its README says, so a broken dependency list shows up here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rendering import render
from support import VENV_BIN, tool_env

pytestmark = pytest.mark.pipeline


def make(target: str, project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    # The base interpreter, not this venv's: `make setup` must build a venv of its own.
    python = getattr(sys, "_base_executable", sys.executable)
    env = tool_env(home, PIP_DISABLE_PIP_VERSION_CHECK="1")
    # drop this venv from PATH (`make test` may have put it there twice)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != str(VENV_BIN))
    result = subprocess.run(
        ["make", target, f"PYTHON={python}"], cwd=project, env=env, capture_output=True,
        text=True, timeout=1200,
    )  # fmt: skip
    output = f"make {target}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert result.returncode == 0, output
    return result


def git(project: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=project, check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


def test_make_setup_repro_test_lint(tmp_path: Path, home: Path) -> None:
    project = render(tmp_path, project_name="fresh user", git_init="yes")
    committed = git(project, "ls-files").split()
    assert "uv.lock" in committed, "the hook locks before the first commit"
    assert (project / "vendor" / "mlgate" / "pyproject.toml").is_file(), "a local mlgate_source"
    assert not any(path.startswith("vendor/") for path in committed)
    make("setup", project, home)
    assert (project / ".venv" / "bin" / "mlgate").is_file()
    assert (project / ".venv" / "bin" / "dvc").is_file()
    assert git(project, "status", "--porcelain") == "", "make setup changed tracked files"
    tests = make("test", project, home)  # before any data: a fresh sample-data checkout
    assert " passed" in tests.stdout
    make("repro", project, home)
    scores = json.loads((project / "reports" / "metrics.json").read_text())
    assert scores["accuracy"] >= 0.9
    gate = make("gate", project, home)  # main has no metrics yet: warned, not blocked
    assert "mlgate gate: PASS" in gate.stdout, gate.stdout
    make("lint", project, home)
    check = make("check", project, home)  # installs zizmor and hadolint into .venv first
    assert (project / ".venv" / "bin" / "zizmor").is_file()
    assert ", 0 failed (" in check.stdout and ", 0 not run" in check.stdout, check.stdout
