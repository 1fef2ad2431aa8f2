"""Bad answers are rejected before anything is written, with one line that names them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO_ROOT, VENV_BIN, tool_env

# (answers, fragment the one error line must contain)
BAD_ANSWERS = [
    ({"project_name": ""}, "error: project_name is empty"),
    ({"project_name": "   "}, "error: project_name is empty"),
    ({"project_slug": "my project"}, "project_slug 'my project' is not allowed"),
    ({"project_slug": "MyProject"}, "project_slug 'MyProject' is not allowed"),
    ({"project_slug": "9lives"}, "project_slug '9lives' is not allowed"),
    ({"project_slug": "double--dash"}, "project_slug 'double--dash' is not allowed"),
    ({"project_slug": "a" * 64}, "project_slug is 64 characters long; at most 63"),
    ({"project_name": "A " * 40}, "project_slug is 79 characters long; at most 63"),
    ({"module_name": "my-module"}, "module_name 'my-module' is not a Python identifier"),
    ({"module_name": "2fast"}, "module_name '2fast' is not a Python identifier"),
    ({"module_name": "class"}, "module_name 'class' is a Python keyword"),
    ({"module_name": "json"}, "module_name 'json' would shadow a module"),
    ({"description": "two\nlines"}, "description 'two\\nlines' contains a line break"),
    ({"author_name": 'Ada "the" Lovelace'}, "author_name 'Ada \"the\" Lovelace' contains a"),
    ({"author_email": "not-an-email"}, "author_email 'not-an-email' is not an email address"),
    ({"author_email": "ada@example"}, "author_email 'ada@example' is not an email address"),
    ({"github_owner": "-bad-owner"}, "github_owner '-bad-owner' is not a GitHub user"),
    (
        {"drift_schedule": "61 6 * * 1"},
        "drift_schedule is not a valid cron expression: '61 6 * * 1': minute '61' is outside 0-59",
    ),
    ({"drift_schedule": "0 6 * *"}, "'0 6 * *' has 4 fields; cron needs 5"),
    ({"drift_schedule": "*/0 6 * * 1"}, "minute step '0' is not a positive number"),
    ({"drift_schedule": "0 6 * * 8"}, "day of week '8' is outside 0-6"),
    ({"drift_schedule": "0 6 * FOO *"}, "month 'FOO' is not a number or a name such as JAN"),
    ({"drift_schedule": "0 9-5 * * *"}, "hour range '9-5' runs backwards"),
    (
        {"dataset": "diabetes", "task": "classification"},
        "task 'classification' does not fit dataset 'diabetes', which is a regression data set",
    ),
    (
        {"dataset": "wine", "task": "regression"},
        "task 'regression' does not fit dataset 'wine', which is a classification data set",
    ),
    ({"task": "clustering"}, "task 'clustering' is not allowed; choose one of"),
    ({"mlgate_source": "relative/path"}, "mlgate_source 'relative/path' is not allowed"),
    ({"mlgate_source": "/nonexistent/mlgate"}, "no pyproject.toml in that directory"),
]

# Rejected by `mlgate new` before cookiecutter runs (cookiecutter itself would ignore an
# unknown key and raise a traceback for a choice outside the menu).
WRAPPER_ANSWERS = [
    (["python_version=3.9"], "python_version '3.9' is not allowed; choose one of: 3.11, 3.12"),
    (["dataset=iris"], "dataset 'iris' is not allowed; choose one of: breast_cancer, wine"),
    (["model=svm"], "model 'svm' is not allowed; choose one of: random_forest"),
    (["dvc_remote=ftp"], "dvc_remote 'ftp' is not allowed; choose one of: local, s3, gcs, azure"),
    (["deploy=heroku"], "deploy 'heroku' is not allowed"),
    (["license=GPL"], "license 'GPL' is not allowed"),
    (["datset=wine"], "unknown prompt 'datset'; the prompts are: project_name"),
    (["dataset"], "answer 'dataset' is not of the form key=value"),
    (["project_slug="], "project_slug is empty; give a value"),
    (["git_init=maybe"], "git_init 'maybe' is not allowed; answer yes or no"),
]


def mlgate_new(output: Path, home: Path, *pairs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["mlgate", "new", "--no-input", "-o", str(output), f"mlgate_source={REPO_ROOT}", *pairs],
        capture_output=True,
        text=True,
        env=tool_env(home),
        timeout=120,
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize(("answers", "message"), BAD_ANSWERS, ids=lambda v: str(v)[:40])
def test_hook_rejects_bad_answer(answers: dict, message: str, tmp_path: Path, home: Path) -> None:
    result = mlgate_new(tmp_path, home, *(f"{k}={v}" for k, v in answers.items()))
    assert result.returncode == 1, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == [], "a rejected render must leave nothing behind"


@pytest.mark.parametrize(("pairs", "message"), WRAPPER_ANSWERS, ids=lambda v: str(v)[:30])
def test_mlgate_new_rejects_bad_choice(
    pairs: list[str], message: str, tmp_path: Path, home: Path
) -> None:
    result = mlgate_new(tmp_path, home, *pairs)
    assert result.returncode == 1, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_plain_cookiecutter_runs_the_same_hook(tmp_path: Path, home: Path) -> None:
    result = subprocess.run(
        ["cookiecutter", "--no-input", "-o", str(tmp_path), str(REPO_ROOT),
         "module_name=class", f"mlgate_source={REPO_ROOT}"],
        capture_output=True, text=True, env=tool_env(home), timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "error: module_name 'class' is a Python keyword" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_hook_checks_choices_that_bypass_the_menu(tmp_path: Path, home: Path) -> None:
    """A replay file skips cookiecutter's menus; the hook still rejects a bad choice."""
    spec = json.loads((REPO_ROOT / "cookiecutter.json").read_text())
    answers = {k: v[0] if isinstance(v, list) else v for k, v in spec.items() if k[0] != "_"}
    answers.update(
        project_slug="replayed", module_name="replayed", task="classification",
        dvc_remote="ftp", mlgate_source=str(REPO_ROOT), git_init=False,
    )  # fmt: skip
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": answers}))
    out = tmp_path / "out"
    out.mkdir()
    result = subprocess.run(
        ["cookiecutter", "--replay-file", str(replay), "-o", str(out), str(REPO_ROOT)],
        capture_output=True, text=True, env=tool_env(home), timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "error: dvc_remote 'ftp' is not allowed; choose one of: local, s3, gcs, azure" in (
        result.stderr
    )
    assert list(out.iterdir()) == []


def test_good_answers_render_with_a_first_commit(tmp_path: Path, home: Path) -> None:
    result = mlgate_new(tmp_path, home, "project_name=Churn Model", "author_name=Ada Lovelace",
                        "author_email=ada@example.com")  # fmt: skip
    assert result.returncode == 0, result.stderr
    project = tmp_path / "churn-model"
    assert result.stdout.strip() == str(project)
    log = subprocess.run(
        ["git", "log", "--format=%an <%ae>|%s"], cwd=project, capture_output=True, text=True,
        env=tool_env(home), check=True,
    )  # fmt: skip
    author, subject = log.stdout.strip().split("|")
    assert author == "Ada Lovelace <ada@example.com>"
    assert subject == "Initial commit from the mlgate template"
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True,
                            text=True, env=tool_env(home), check=True)  # fmt: skip
    assert status.stdout == ""
    assert (project / "src" / "churn_model" / "train.py").is_file()
    # what to type next (run literally on a default render: setup, repro, commit, gate, check)
    assert result.stderr.endswith(
        "Next:\n"
        f"  cd {project} && make setup && . .venv/bin/activate\n"
        '  dvc repro && git add dvc.lock data models reports && git commit -m "First model"\n'
        "  make gate && make check\n"
    ), result.stderr


def test_git_steps_can_be_turned_off(tmp_path: Path, home: Path) -> None:
    result = mlgate_new(tmp_path, home, "git_init=no", "dataset=custom")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "ml-project" / ".git").exists()
    assert (
        f"  cd {tmp_path / 'ml-project'} && git init -b main && git add -A && git commit -m "
        '"From the template" && make setup && . .venv/bin/activate\n'
    ) in result.stderr
    assert '  add your data and train: README.md, "Your data"\n' in result.stderr


@pytest.mark.parametrize("pairs", [[], ["module_name=class"]], ids=["rendered", "rejected"])
def test_mlgate_new_leaves_no_hook_files_in_the_temp_folder(
    pairs: list[str], tmp_path: Path, home: Path
) -> None:
    """cookiecutter never deletes the hook scripts it writes there; mlgate new cleans up."""
    temp = tmp_path / "system-temp"
    temp.mkdir()
    output = tmp_path / "out"
    output.mkdir()
    result = subprocess.run(
        [str(VENV_BIN / "mlgate"), "new", "--no-input", "-o", str(output), "git_init=no",
         f"mlgate_source={REPO_ROOT}", *pairs],
        capture_output=True, text=True, env=tool_env(home, TMPDIR=str(temp)), timeout=120,
    )  # fmt: skip
    assert result.returncode == (1 if pairs else 0), result.stderr
    assert list(temp.iterdir()) == []


def test_the_demo_and_benches_find_the_rendered_project(tmp_path: Path) -> None:
    """tools/steps.render_default (make demo, bench/) reads the path from stdout alone: the
    hook's next steps follow on stderr."""
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    try:
        from steps import render_default
    finally:
        sys.path.remove(str(REPO_ROOT / "tools"))
    step, project = render_default(tmp_path / "out", "git_init=no")
    assert step.ok, step.output
    assert project == tmp_path / "out" / "ml-project" and (project / "dvc.yaml").is_file()
