"""Template updates (issue 20): every render records its origin in .cruft.json, and
`mlgate update` brings the template's later changes into a project as cruft's three-way merge.

Real git throughout (template_lab): the template is this repository's, committed into a scratch
repository (commit A); a project is rendered from it and committed; the user edits it as people
do; the template moves on (commit B: a hardened workflow, a new Makefile target, a new file, a
deleted file, a change to a line the user also changed, a change to a file the user deleted).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import run_mlgate
from template_lab import (
    SLUG,
    commit_template,
    committed_render,
    edit,
    git,
    template_moves_on,
)


@pytest.fixture
def project(template: Path, tmp_path: Path, home: Path) -> Path:
    return committed_render(template, tmp_path / "out", home, "churn")


def user_edits(project: Path) -> None:
    edit(project / "params.yaml", "test_size: 0.2 ", "test_size: 0.25 ")
    lines = (project / "README.md").read_text().splitlines(keepends=True)
    (project / "README.md").write_text("# Churn: our model\n" + "".join(lines[1:]))
    git(project, "rm", "--quiet", "LICENSE")  # deleted on purpose: never brought back
    git(project, "commit", "--quiet", "-am", "Our edits")


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
    for path in (".github/workflows/drift.yml", "Makefile", "NEWS.md"):
        assert f"updated    {path}" in done.stdout, path
    assert "deleted    ruff.toml" in done.stdout
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


def test_a_commit_outside_the_template_is_nothing_to_do(
    template: Path, project: Path, home: Path
) -> None:
    """The template's repository moves (its own code, docs): nothing a project renders from."""
    (template / "checks").mkdir(exist_ok=True)
    (template / "checks" / "NOTE.md").write_text("not part of any project\n")
    commit_template(template, "Tooling only")
    check = run_mlgate(home, "update", "--check", cwd=project)
    assert check.returncode == 0 and "up to date" in check.stdout, check.stdout + check.stderr
    done = run_mlgate(home, "update", cwd=project)
    assert done.returncode == 0 and "nothing to do" in done.stdout
    assert git(project, "status", "--porcelain") == ""


def test_the_description_lists_the_template_commits_and_the_conflicts(
    template: Path, project: Path, home: Path, tmp_path: Path
) -> None:
    user_edits(project)
    template_moves_on(template)  # commit "B"
    edit(template / SLUG / "NEWS.md", "template", "template <b>@team</b>")
    c = commit_template(template, "C: say who to ask @team")
    outputs = tmp_path / "outputs"
    outputs.touch()
    done = run_mlgate(home, "update", "--body-file", str(tmp_path / "body.md"), cwd=project,
                      env={"GITHUB_OUTPUT": str(outputs)})  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    body = (tmp_path / "body.md").read_text()
    assert "## Template update with conflicts to resolve" in body
    assert "- [ ] `README.md`: both the template and this repository changed" in body
    assert "### Template commits (2)" in body
    assert f"- `{c[:12]}` C: say who to ask @\u200bteam" in body  # no mention of a real team
    assert body.index("C: say") < body.index("` B\n")  # newest first
    assert "- `NEWS.md`" in body and "- `.github/workflows/drift.yml`" in body
    assert outputs.read_text().splitlines()[0] == "result=conflicts"
    assert f"after={c}" in outputs.read_text()


def test_a_renamed_answer_is_flagged_and_can_be_given(
    template: Path, tmp_path: Path, home: Path
) -> None:
    """The template renames `drift_schedule` to `drift_cron`: the new name takes its default,
    which would undo the project's own schedule; the update says so, and --answer keeps it."""
    project = committed_render(template, tmp_path / "out", home, "nightly",
                               "drift_schedule=0 3 * * *")  # fmt: skip
    for path in ("cookiecutter.json", "hooks/pre_gen_project.py", f"{SLUG}/README.md",
                 f"{SLUG}/.github/workflows/drift.yml"):  # fmt: skip
        (template / path).write_text((template / path).read_text().replace(
            "drift_schedule", "drift_cron"))  # fmt: skip
    commit_template(template, "Rename drift_schedule to drift_cron")

    flagged = run_mlgate(home, "update", cwd=project)
    assert flagged.returncode == 0, flagged.stdout + flagged.stderr
    assert "ANSWER     `drift_cron` is new: rendered with '17 6 * * 1'" in flagged.stdout
    assert "`drift_schedule` is no longer asked (it was '0 3 * * *')" in flagged.stdout
    git(project, "reset", "--quiet", "--hard")
    git(project, "clean", "--quiet", "-fd")

    kept = run_mlgate(home, "update", "--answer", "drift_cron=0 3 * * *", cwd=project)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "cron: '0 3 * * *'" in (project / ".github/workflows/drift.yml").read_text()
    answers = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert answers["drift_cron"] == "0 3 * * *" and "drift_schedule" not in answers


def test_an_answer_the_template_no_longer_offers_is_asked_for(
    template: Path, tmp_path: Path, home: Path
) -> None:
    project = committed_render(template, tmp_path / "out", home, "bsd", "license=BSD-3-Clause")
    edit(template / "cookiecutter.json", '    "BSD-3-Clause",\n', "")
    commit_template(template, "No more BSD")
    refused = run_mlgate(home, "update", cwd=project)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "BSD-3-Clause provided for choice variable license" in refused.stderr
    assert "--answer KEY=VALUE" in refused.stderr and "Traceback" not in refused.stderr
    assert git(project, "status", "--porcelain") == ""
    given = run_mlgate(home, "update", "--answer", "license=MIT", cwd=project)
    assert given.returncode == 0, given.stdout + given.stderr
    assert "MIT License" in (project / "LICENSE").read_text()


def test_to_is_a_one_off(template: Path, project: Path, home: Path) -> None:
    """`--to REF` updates to REF this time; the next update follows the default branch again."""
    b = template_moves_on(template)
    edit(template / SLUG / "NEWS.md", "template", "template, again")
    c = commit_template(template, "C")
    assert run_mlgate(home, "update", "--to", b, cwd=project).returncode == 0
    record = json.loads((project / ".cruft.json").read_text())
    assert record["commit"] == b and record["checkout"] is None
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "To B")
    done = run_mlgate(home, "update", cwd=project)
    assert done.returncode == 0 and f"-> {c[:12]}" in done.stdout, done.stdout + done.stderr


def test_the_recorded_branch_is_followed(template: Path, project: Path, home: Path) -> None:
    """`checkout` in .cruft.json names the template branch the project follows (cruft's
    meaning): its commits arrive, main's do not, and the record keeps the branch."""
    git(template, "switch", "--quiet", "-c", "stable")
    (template / SLUG / "STABLE.md").write_text("stable only\n")
    commit_template(template, "On stable")
    git(template, "switch", "--quiet", "main")
    (template / SLUG / "MAIN.md").write_text("main only\n")
    commit_template(template, "On main")
    record = json.loads((project / ".cruft.json").read_text())
    record["checkout"] = "stable"
    (project / ".cruft.json").write_text(json.dumps(record, indent=2) + "\n")
    git(project, "commit", "--quiet", "-am", "Follow stable")
    done = run_mlgate(home, "update", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / "STABLE.md").is_file() and not (project / "MAIN.md").exists()
    assert json.loads((project / ".cruft.json").read_text())["checkout"] == "stable"


def test_bad_requests_leave_the_project_untouched(template: Path, project: Path, home: Path,
                                                   tmp_path: Path) -> None:  # fmt: skip
    template_moves_on(template)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    for args, said in ((["--body-file", str(folder)], "is a folder"),
                       (["--answer", "drift_schedul=0 3 * * *"], "did you mean 'drift_schedule'"),
                       (["--answer", "novalue"], "is not of the form key=value")):  # fmt: skip
        done = run_mlgate(home, "update", *args, cwd=project)
        assert done.returncode == 2 and said in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
        assert git(project, "status", "--porcelain") == ""


def test_a_pushed_template_checkout_records_its_url(template: Path, tmp_path: Path,
                                                    home: Path) -> None:  # fmt: skip
    """Rendered from a clone of the template whose commit is pushed: the record names the
    clone's origin, which a workflow can reach (a folder of the rendering machine it cannot)."""
    origin = tmp_path / "published.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(template), str(origin))
    git(template, "remote", "add", "origin", f"file://{origin}")
    git(template, "fetch", "--quiet", "origin")
    project = committed_render(template, tmp_path / "out", home, "pub")
    record = json.loads((project / ".cruft.json").read_text())
    assert record["template"] == f"file://{origin}"
    (template / SLUG / "NEWS.md").write_text("# News\n")
    commit_template(template, "News")  # not pushed: the project cannot get it yet
    assert run_mlgate(home, "update", "--check", cwd=project).returncode == 0
    git(template, "push", "--quiet", "origin", "main")
    done = run_mlgate(home, "update", cwd=project)
    assert done.returncode == 0 and (project / "NEWS.md").is_file(), done.stdout + done.stderr
