"""`mlgate update --adopt` (issue 20): a project rendered before .cruft.json existed gets its
record, the template commit and the answers found by ranking and rendering, then updates."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support import run_mlgate
from template_lab import (
    SLUG,
    commit_template,
    edit,
    git,
    template_moves_on,
)


@pytest.fixture
def unrecorded(template: Path, tmp_path: Path, home: Path) -> tuple[Path, str]:
    """A project rendered at commit A with non-default answers, whose record is gone (as before
    records existed); the template then moves on twice. Returns the project and commit A."""
    a = git(template, "rev-parse", "HEAD")
    done = run_mlgate(home, "new", "--no-input", "--template", str(template), "-o",
                      str(tmp_path / "old"), "project_name=Wine Quality", "git_init=no",
                      "mlgate_source=pypi", "dataset=wine", "model=linear",
                      "deploy=none", "license=Apache-2.0")  # fmt: skip
    assert done.returncode == 0, done.stderr
    project = tmp_path / "old" / "wine-quality"
    (project / ".cruft.json").unlink()
    edit(project / "params.yaml", "seed: 42", "seed: 7")
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Our project")
    template_moves_on(template)
    edit(template / SLUG / "NEWS.md", "template", "template, again")
    commit_template(template, "C")
    return project, a


def test_adopt_finds_the_commit_and_the_answers(
    unrecorded: tuple[Path, str], template: Path, home: Path
) -> None:
    project, a = unrecorded
    done = run_mlgate(home, "update", "--adopt", "--template", str(template), cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"at {a[:12]} (matched: A)" in done.stdout, done.stdout
    record = json.loads((project / ".cruft.json").read_text())
    answers = record["context"]["cookiecutter"]
    assert record["commit"] == a and record["template"] == str(template)
    assert {k: answers[k] for k in ("project_slug", "module_name", "dataset", "model", "deploy",
                                    "license", "mlgate_source")} == {
        "project_slug": "wine-quality", "module_name": "wine_quality", "dataset": "wine",
        "model": "linear", "deploy": "none", "license": "Apache-2.0", "mlgate_source": "pypi",
    }  # fmt: skip
    git(project, "add", ".cruft.json")
    git(project, "commit", "--quiet", "-m", "Adopt")
    updated = run_mlgate(home, "update", cwd=project)
    assert updated.returncode == 0, updated.stdout + updated.stderr  # README untouched here
    assert "(2 template commits)" in updated.stdout
    assert (project / "NEWS.md").read_text() == "# What changed in the template, again\n"
    assert "seed: 7" in (project / "params.yaml").read_text()
    assert not (project / "deploy").exists()  # deploy=none: nothing of it came back


def test_adopt_from_a_given_commit_and_what_it_cannot_do(
    unrecorded: tuple[Path, str], template: Path, home: Path
) -> None:
    project, a = unrecorded
    nothing = run_mlgate(home, "update", "--adopt", cwd=project)
    assert nothing.returncode == 2 and "--template" in nothing.stderr
    unknown = run_mlgate(home, "update", "--adopt", "--template", str(template), "--from",
                         "no-such-tag", cwd=project)  # fmt: skip
    assert unknown.returncode == 2 and "no-such-tag" in unknown.stderr
    misplaced = run_mlgate(home, "update", "--from", a[:10], cwd=project)
    assert misplaced.returncode == 2 and "only go with --adopt" in misplaced.stderr
    given = run_mlgate(home, "update", "--adopt", "--template", str(template), "--from", a[:10],
                       "--answer", "dataset=wine", cwd=project)  # fmt: skip
    assert given.returncode == 0 and "(given: A)" in given.stdout, given.stdout + given.stderr
    assert json.loads((project / ".cruft.json").read_text())["commit"] == a


def test_adopt_refuses_what_it_cannot_stand_behind(
    unrecorded: tuple[Path, str], template: Path, home: Path, tmp_path: Path
) -> None:
    project, a = unrecorded
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("not a project from this template\n")
    refused = run_mlgate(home, "update", "--adopt", "--template", str(template), cwd=stranger)
    assert refused.returncode == 2 and "does not look rendered from" in refused.stderr
    assert not (stranger / ".cruft.json").exists()
    known = [f"--answer={answer}" for answer in (  # every choice given: nothing to tune
        "dataset=wine", "model=linear", "deploy=none", "license=Apache-2.0",
        "python_version=3.11", "dvc_remote=local")]  # fmt: skip
    assert run_mlgate(home, "update", "--adopt", "--template", str(template), "--from", a,
                      *known, cwd=project).returncode == 0  # fmt: skip
    again = run_mlgate(home, "update", "--adopt", "--template", str(template), cwd=project)
    assert again.returncode == 2 and "--force" in again.stderr
    forced = run_mlgate(home, "update", "--adopt", "--force", "--from", a, *known, cwd=project)
    assert forced.returncode == 0, forced.stdout + forced.stderr  # the record names the template


def test_adopt_a_template_in_a_folder_of_its_repository(
    unrecorded: tuple[Path, str], template: Path, home: Path, tmp_path: Path
) -> None:
    """cruft's `directory`: the template lives in `sub/` of a repository with other commits."""
    project, a = unrecorded
    wrapped = tmp_path / "wrapped"
    (wrapped / "sub").mkdir(parents=True)
    git(wrapped, "init", "--quiet", "--initial-branch=main")
    (wrapped / "README.md").write_text("templates\n")
    commit_template(wrapped, "Start")
    archive = tmp_path / "a.tar"
    git(template, "archive", f"--output={archive}", a)
    subprocess.run(["tar", "-xf", str(archive), "-C", str(wrapped / "sub")], check=True)
    commit_template(wrapped, "A")
    (wrapped / "README.md").write_text("templates, more\n")
    commit_template(wrapped, "Docs of the wrapper")
    done = run_mlgate(home, "update", "--adopt", "--template", str(wrapped), "--directory", "sub",
                      cwd=project)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads((project / ".cruft.json").read_text())
    assert record["directory"] == "sub" and "(matched: A)" in done.stdout, done.stdout
