"""Tiny real git repositories for end-to-end tests of commands that read committed files.

Real `git` runs with the tests' private HOME and without the system config, so neither the
machine's git settings nor its identity can change a result.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path

from support import tool_env

Files = Mapping[str, str | None]


def git_env(home: Path, **extra: str) -> dict[str, str]:
    """tool_env plus no system git config."""
    return tool_env(home, GIT_CONFIG_NOSYSTEM="1", **extra)


def git(repo: Path, home: Path, *args: str) -> str:
    """Run git in `repo`; a failing git command fails the test with git's own message."""
    result = subprocess.run(
        ["git", *args], cwd=repo, env=git_env(home), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {repo}:\n{result.stderr}")
    return result.stdout.strip()


def write_files(root: Path, files: Files) -> None:
    """Write each file (parents created); None deletes the file."""
    for name, text in files.items():
        path = root / name
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def init_repo(path: Path, home: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, home, "init", "-q", "-b", "main")
    git(path, home, "config", "commit.gpgsign", "false")
    return path


def commit(repo: Path, home: Path, files: Files, message: str = "change") -> str:
    """Write `files`, commit everything in the work tree, and return the commit id."""
    write_files(repo, files)
    git(repo, home, "add", "-A")
    git(repo, home, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, home, "rev-parse", "HEAD")


def metrics_json(values: Mapping[str, object]) -> str:
    """A metrics file as the evaluate stage writes it."""
    return json.dumps(values, indent=2) + "\n"


def make_repo(
    tmp_path: Path,
    home: Path,
    policy_text: str | None,
    metrics: Mapping[str, object] | str | None,
    *,
    name: str = "repo",
    metrics_path: str = "reports/metrics.json",
) -> Path:
    """A repository whose main branch has one commit with the policy and the metrics.

    None leaves a file out of the commit; a string is written as is (for broken files).
    """
    repo = init_repo(tmp_path / name, home)
    files: dict[str, str | None] = {}
    if policy_text is not None:
        files["mlgate.yaml"] = policy_text
    if metrics is not None:
        files[metrics_path] = metrics if isinstance(metrics, str) else metrics_json(metrics)
    commit(repo, home, files, "baseline")
    return repo
