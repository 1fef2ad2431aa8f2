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
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_github import REPOSITORY, TOKEN, FakeGitHub, serve
from gha_runner import Event, GitHubSide, JobRun, WorkflowRun
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
    return committed_render(template, tmp_path / "out", home, "churn")


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


def committed_render(template: Path, out: Path, home: Path, slug: str, *answers: str) -> Path:
    """A project rendered from the template with these answers, as its first commit."""
    done = run_mlgate(home, "new", "--no-input", "--template", str(template), "-o", str(out),
                      f"project_slug={slug}", "git_init=no", "mlgate_source=pypi",
                      *answers)  # fmt: skip
    assert done.returncode == 0, done.stderr
    project = out / slug
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Rendered")
    return project


def commit_template(template: Path, message: str) -> str:
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "-m", message)
    return git(template, "rev-parse", "HEAD")


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


# --- a project rendered before .cruft.json existed: --adopt ------------------------------------


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


# --- template.yml, run by the workflow runner on the fake GitHub ------------------------------


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
    template: Path, project: Path, home: Path, api: FakeGitHub, tmp_path: Path
) -> None:
    """template.yml: the template moves on, the workflow opens one pull request from
    template/update and starts CI on it; it moves again, the same pull request is updated; a
    change that conflicts with main is proposed too, marked, and the run fails."""
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
    assert run_mlgate(home, "update", "--adopt", "--template", str(template), "--from", a,
                      cwd=project).returncode == 0  # fmt: skip
    again = run_mlgate(home, "update", "--adopt", "--template", str(template), cwd=project)
    assert again.returncode == 2 and "--force" in again.stderr
    forced = run_mlgate(home, "update", "--adopt", "--force", cwd=project)
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
