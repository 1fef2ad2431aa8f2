"""Template updates in a generated project's life (issue 20): template.yml run by the workflow
runner on the fake GitHub, and an update that changes pyproject.toml relocking uv.lock."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_github import REPOSITORY, TOKEN, FakeGitHub, serve
from gha_runner import Event, GitHubSide, JobRun, WorkflowRun
from support import REPO_ROOT, run_mlgate
from template_lab import SLUG, commit_template, committed_render, edit, git


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    yield from serve()


def schedule_run(project: Path, side: GitHubSide, runs: Path) -> dict[str, JobRun]:
    sha = git(project, "rev-parse", "main")
    event = Event("schedule", sha, "refs/heads/main", {"schedule": "41 5 * * 2", "repository": {
        "full_name": REPOSITORY, "default_branch": "main"}})  # fmt: skip
    workflow = project / ".github" / "workflows" / "template.yml"
    return WorkflowRun(side, workflow, event, root=runs).run()


def test_the_scheduled_workflow_proposes_one_pull_request_and_updates_it(
    template: Path, home: Path, api: FakeGitHub, tmp_path: Path
) -> None:
    """template.yml: the template moves on, the workflow opens one pull request from
    template/update and starts CI on it; it moves again, the same pull request is updated; a
    change that conflicts with main is proposed too, marked, and the run fails."""
    project = committed_render(template, tmp_path / "out", home, "churn")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(project), str(origin))
    git(origin, "config", "uploadpack.allowAnySHA1InWant", "true")
    git(project, "remote", "add", "origin", str(origin))
    api.remote = origin
    side = GitHubSide(origin=origin, home=home, repository=REPOSITORY, api_url=api.url,
                      token=TOKEN, extra_env={"MLGATE_RETRY_BACKOFF_S": "0"})  # fmt: skip
    runs = tmp_path / "runs"
    runs.mkdir()

    quiet = schedule_run(project, side, runs)["update"]
    assert quiet.result == "success", quiet.log()[-4000:]
    assert quiet.step("Pull request from template/update (conflicts too, marked, for review)"
                      ).outcome == "skipped" and api.pulls == {}  # fmt: skip

    edit(template / SLUG / ".github/workflows/drift.yml", "timeout-minutes: 60",
         "timeout-minutes: 45")  # fmt: skip
    b = commit_template(template, "Harden drift.yml: a shorter timeout")
    first = schedule_run(project, side, runs)["update"]
    assert first.result == "success", first.log()[-4000:]
    (pull,) = api.pulls.values()
    assert pull["head"]["ref"] == "template/update" and pull["title"] == "Update from the template"
    assert "### Template commits (1)" in pull["body"]
    assert f"`{b[:12]}` Harden drift.yml" in pull["body"]
    assert api.dispatches[-1] == {"workflow": "ci.yml", "ref": "template/update", "inputs": {}}
    branch = git(origin, "show", "template/update:.github/workflows/drift.yml")
    assert "timeout-minutes: 45" in branch
    assert json.loads(git(origin, "show", "template/update:.cruft.json"))["commit"] == b

    (template / SLUG / "CONTRIBUTING.md").write_text("# How to contribute\n")
    c = commit_template(template, "Add CONTRIBUTING.md")
    second = schedule_run(project, side, runs)["update"]
    assert second.result == "success", second.log()[-4000:]
    assert len(api.pulls) == 1  # the same pull request, updated in place
    (pull,) = api.pulls.values()
    assert "### Template commits (2)" in pull["body"] and f"`{c[:12]}` Add CONTRIBUTING" in pull[
        "body"]  # fmt: skip
    assert git(origin, "show", "template/update:CONTRIBUTING.md") == "# How to contribute"
    assert [d["ref"] for d in api.dispatches].count("template/update") == 2

    lines = (project / "README.md").read_text().splitlines(keepends=True)
    (project / "README.md").write_text("# Churn, as the team calls it\n" + "".join(lines[1:]))
    git(project, "commit", "--quiet", "-am", "Our title")
    git(project, "push", "--quiet", "origin", "main")
    readme = template / SLUG / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    readme.write_text("# {{ cookiecutter.project_name }} (made with mlgate)\n" + "".join(lines[1:]))
    commit_template(template, "A title that says where it comes from")
    conflicted = schedule_run(project, side, runs)["update"]
    assert conflicted.result == "failure"  # someone must look
    assert conflicted.step("Apply the template's changes (mlgate update)").outcome == "failure"
    (pull,) = api.pulls.values()
    assert "## Template update with conflicts to resolve" in pull["body"]
    assert "- [ ] `README.md`" in pull["body"] and "### Template commits (3)" in pull["body"], pull[
        "body"
    ]
    proposed = git(origin, "show", "template/update:README.md")
    assert "<<<<<<< " in proposed and "# Churn, as the team calls it" in proposed


def test_a_changed_pyproject_is_locked_again(template: Path, tmp_path: Path, home: Path) -> None:
    """uv.lock is in `skip`, so an update that changes pyproject.toml resolves it again:
    otherwise the next `make ci-setup` (uv sync --locked) refuses the stale lock."""
    import sys

    done = run_mlgate(home, "new", "--no-input", "--template", str(template), "-o",
                      str(tmp_path / "out"), "project_slug=locked", "git_init=yes",
                      f"mlgate_source={REPO_ROOT}")  # fmt: skip
    assert done.returncode == 0, done.stderr
    project = tmp_path / "out" / "locked"
    assert (project / "uv.lock").is_file() and git(project, "status", "--porcelain") == ""
    edit(template / SLUG / "pyproject.toml", '"pytest>=8",', '"pytest>=8.1",')
    commit_template(template, "Newer pytest")
    updated = run_mlgate(home, "update", cwd=project)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "updated    pyproject.toml" in updated.stdout
    assert "relocked   uv.lock (pyproject.toml changed)" in updated.stdout
    assert "uv.lock" in git(project, "status", "--porcelain")
    check = subprocess.run([sys.executable, "-m", "uv", "lock", "--check"], cwd=project,
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert check.returncode == 0, check.stderr
