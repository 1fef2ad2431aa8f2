"""Template updates (issue 20): every render records its origin in .cruft.json, and
`mlgate update` brings the template's later changes into a project as cruft's three-way merge.

Real git throughout: the template is this repository's, committed into a scratch repository
(commit A); a project is rendered from it and committed; the user edits it as people do; the
template moves on (commit B: a hardened workflow, a new Makefile target, a new file, a deleted
file, a change to a line the user also changed, a change to a file the user deleted).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support import REPO_ROOT, run_mlgate

SLUG = "{{cookiecutter.project_slug}}"
IDENTITY = ["-c", "user.name=Ada", "-c", "user.email=ada@example.com"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *IDENTITY, *args], cwd=cwd, capture_output=True, text=True,
                          check=True)  # fmt: skip
    return done.stdout.strip()


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """This repository's template as a git repository of its own, at commit A."""
    from mlgate.new import clean_copy

    repo = clean_copy(REPO_ROOT, tmp_path / "template")
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "A")
    return repo


@pytest.fixture
def project(template: Path, tmp_path: Path, home: Path) -> Path:
    done = run_mlgate(home, "new", "--no-input", "--template", str(template), "-o",
                      str(tmp_path / "out"), "project_slug=churn", "git_init=no",
                      "mlgate_source=pypi")  # fmt: skip
    assert done.returncode == 0, done.stderr
    path = tmp_path / "out" / "churn"
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "-m", "Rendered")
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def user_edits(project: Path) -> None:
    edit(project / "params.yaml", "test_size: 0.2 ", "test_size: 0.25 ")
    lines = (project / "README.md").read_text().splitlines(keepends=True)
    (project / "README.md").write_text("# Churn: our model\n" + "".join(lines[1:]))
    git(project, "rm", "--quiet", "LICENSE")  # deleted on purpose: never brought back
    git(project, "commit", "--quiet", "-am", "Our edits")


def template_moves_on(template: Path) -> str:
    inner = template / SLUG
    edit(inner / ".github/workflows/drift.yml", "timeout-minutes: 60", "timeout-minutes: 45")
    with (inner / "Makefile").open("a", encoding="utf-8") as makefile:
        makefile.write("\nhello: ## a target the template added\n\t@echo hello\n")
    (inner / "NEWS.md").write_text("# What changed in the template\n")
    git(template, "rm", "--quiet", f"{SLUG}/ruff.toml")
    lines = (inner / "README.md").read_text().splitlines(keepends=True)
    (inner / "README.md").write_text("# {{ cookiecutter.project_name }}, by mlgate\n"
                                     + "".join(lines[1:]))  # fmt: skip
    with (inner / "LICENSE").open("a", encoding="utf-8") as license_:
        license_.write("\nA line the template added.\n")
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "-m", "B")
    return git(template, "rev-parse", "HEAD")


def test_a_render_records_its_template_and_commit(template: Path, project: Path) -> None:
    record = json.loads((project / ".cruft.json").read_text())
    assert record["template"] == str(template)
    assert record["commit"] == git(template, "rev-parse", "HEAD")
    answers = record["context"]["cookiecutter"]
    assert answers["project_slug"] == "churn" and answers["_commit"] == record["commit"]
    assert not {"_output_dir", "_repo_dir"} & set(answers)  # no paths of the machine
    assert {"data", "models", "dvc.lock", "uv.lock"} <= set(record["skip"])


def test_plain_cookiecutter_records_the_same(template: Path, tmp_path: Path) -> None:
    from cookiecutter.main import cookiecutter

    from mlgate.new import private_tempdir

    with private_tempdir():
        rendered = Path(cookiecutter(str(template), no_input=True, output_dir=tmp_path / "cc",
                                     extra_context={"git_init": "no",
                                                    "mlgate_source": "pypi"}))  # fmt: skip
    record = json.loads((rendered / ".cruft.json").read_text())
    assert (record["template"], record["commit"]) == (
        str(template), git(template, "rev-parse", "HEAD"))  # fmt: skip


def test_update_brings_the_template_and_keeps_the_users_edits(
    template: Path, project: Path, home: Path
) -> None:
    user_edits(project)
    check = run_mlgate(home, "update", "--check", cwd=project)
    assert check.returncode == 0 and "up to date" in check.stdout
    b = template_moves_on(template)
    check = run_mlgate(home, "update", "--check", cwd=project)
    assert check.returncode == 1 and "BEHIND" in check.stdout, check.stdout + check.stderr

    done = run_mlgate(home, "update", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "CONFLICT   README.md" in done.stdout and "1 conflicts to resolve" in done.stdout
    for path in (".github/workflows/drift.yml", "Makefile", "NEWS.md", "ruff.toml"):
        assert f"updated    {path}" in done.stdout, path
    assert "timeout-minutes: 45" in (project / ".github/workflows/drift.yml").read_text()
    assert "hello: ## a target the template added" in (project / "Makefile").read_text()
    assert (project / "NEWS.md").is_file() and not (project / "ruff.toml").exists()
    assert not (project / "LICENSE").exists()  # the user deleted it: left alone
    assert "test_size: 0.25 " in (project / "params.yaml").read_text()  # the user's edit
    readme = (project / "README.md").read_text()
    assert "<<<<<<< " in readme and "# Churn: our model" in readme and ", by mlgate" in readme
    assert json.loads((project / ".cruft.json").read_text())["commit"] == b

    text = (project / "README.md").read_text()
    ours = text.split("<<<<<<< ours\n", 1)[1].split("=======\n", 1)[0]
    head, rest = text.split("<<<<<<< ours\n", 1)
    (project / "README.md").write_text(head + ours + rest.split(">>>>>>> theirs\n", 1)[1])
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Template update")
    again = run_mlgate(home, "update", cwd=project)
    assert again.returncode == 0 and "nothing to do" in again.stdout, again.stdout + again.stderr
    assert git(project, "status", "--porcelain") == ""


def test_update_to_a_named_commit(template: Path, project: Path, home: Path) -> None:
    a = git(template, "rev-parse", "HEAD")
    b = template_moves_on(template)
    edit(template / SLUG / "NEWS.md", "template", "template, again")
    git(template, "commit", "--quiet", "-am", "C")
    done = run_mlgate(home, "update", "--to", b, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"template {a[:12]} -> {b[:12]}" in done.stdout
    assert (project / "NEWS.md").read_text() == "# What changed in the template\n"


def test_what_update_cannot_do_is_said(template: Path, project: Path, home: Path) -> None:
    (project / "params.yaml").write_text("seed: 1\n")
    done = run_mlgate(home, "update", cwd=project)
    assert done.returncode == 2 and "has uncommitted changes" in done.stderr
    git(project, "checkout", "--quiet", "params.yaml")
    (project / ".cruft.json").unlink()
    git(project, "commit", "--quiet", "-am", "No record")
    done = run_mlgate(home, "update", cwd=project)
    assert done.returncode == 2 and "no .cruft.json" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_template_that_cannot_be_reached_could_not_check(project: Path, home: Path) -> None:
    record = json.loads((project / ".cruft.json").read_text())
    record["template"] = str(project.parent / "gone")
    (project / ".cruft.json").write_text(json.dumps(record))
    git(project, "commit", "--quiet", "-am", "Moved template")
    for args in (["--check"], []):
        done = run_mlgate(home, "update", *args, cwd=project)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr


def test_a_conflict_in_a_path_with_a_space_is_reported(
    template: Path, project: Path, home: Path
) -> None:
    """git quotes such paths in its status: the conflict must still be found, never exit 0."""
    (template / SLUG / "our notes.md").write_text("one\ntwo\n")
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "-m", "notes")
    assert run_mlgate(home, "update", cwd=project).returncode == 0
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Template update")
    (project / "our notes.md").write_text("one\nours\n")
    git(project, "commit", "--quiet", "-am", "Our notes")
    (template / SLUG / "our notes.md").write_text("one\ntheirs\n")
    git(template, "commit", "--quiet", "-am", "Their notes")
    done = run_mlgate(home, "update", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "our notes.md" in done.stdout
    assert "CONFLICT" in done.stdout or "REJECTED" in done.stdout


def test_a_wheel_records_the_release_it_was_built_from() -> None:
    from mlgate.new import release_ref

    assert release_ref("0.3.0") == "v0.3.0"
    assert release_ref("0.3.1.dev4+g1a2b3c4d") == "1a2b3c4d"
    assert release_ref("0.0.1.dev114+g9ae6db352.d20261201") == "9ae6db352"


def test_inherited_update_variables_do_not_reach_a_new_render(
    template: Path, tmp_path: Path, home: Path
) -> None:
    """A caller's MLGATE_RENDER_FOR_UPDATE would make the hooks skip their checks and the
    record: `mlgate new` renders without it."""
    done = run_mlgate(home, "new", "--no-input", "--template", str(template), "-o",
                      str(tmp_path / "o"), "project_slug=p", "git_init=no", "dataset=wine",
                      "task=regression", env={"MLGATE_RENDER_FOR_UPDATE": "1",
                                              "MLGATE_TEMPLATE_COMMIT": "f" * 40})  # fmt: skip
    assert done.returncode == 1 and "rejected an answer" in done.stderr  # the hook checked
    done = run_mlgate(home, "new", "--no-input", "--template", str(template), "-o",
                      str(tmp_path / "o"), "project_slug=q", "git_init=no",
                      env={"MLGATE_TEMPLATE_COMMIT": "f" * 40})  # fmt: skip
    record = json.loads((tmp_path / "o" / "q" / ".cruft.json").read_text())
    assert record["commit"] == git(template, "rev-parse", "HEAD")
