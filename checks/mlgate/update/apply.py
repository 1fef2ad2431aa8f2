"""Apply the template's changes since the recorded commit: cruft's three-way update, and after.

cruft does the mechanics: .cruft.json records the template and the commit the project was
rendered from, with the answers; the template is rendered at that commit and at the new one
with the same answers, and the difference between the two is applied to the project as a
three-way merge (`git apply -3`), so the template's changes arrive and the user's edits stay.
Where both changed the same lines, the file keeps conflict markers (or a .rej file beside it
when no merge base is found). What .cruft.json's `skip` lists (data, models, locks) and what
the user deleted on purpose is never touched: cruft leaves out of the update every file
missing from the project.

This module adds what cruft leaves to its user: a clean tree first (the update must be one
reviewable change), the template's commits read first (an update that brings no change to the
template's files is "nothing to do", not a bump of .cruft.json), the template re-rendered
without its post-render work (no git init, no uv lock in cruft's scratch folders:
MLGATE_RENDER_FOR_UPDATE), uv.lock resolved again when pyproject.toml changed (else the next
`uv sync --locked` fails), and what changed and what conflicts, for the summary.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from ..errors import FAIL, PASS, CouldNotCheck
from ..hints import did_you_mean
from ..io.template_repo import Commit, TemplateHistory, cloned, git_env, is_remote, reachable

RECORD = ".cruft.json"
QUIET = "MLGATE_RENDER_FOR_UPDATE"  # the template's hook does no git or uv work when set
LOCK_TIMEOUT_S = 600


@dataclass
class Outcome:
    template: str
    before: str
    after: str
    commits: list[Commit] = field(default_factory=list)  # that change the template, newest first
    other_commits: int = 0  # commits that change nothing a project is rendered from
    changed: list[str] = field(default_factory=list)
    conflicted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # git apply's words when part did not apply
    relocked: bool = False
    lock_problem: str = ""
    new_answers: dict[str, object] = field(default_factory=dict)  # asked by the new template
    dropped_answers: dict[str, object] = field(default_factory=dict)  # no longer asked
    deleted: list[str] = field(default_factory=list)  # files the template removed

    @property
    def updated(self) -> bool:
        """The template moved on, or a given answer changed what it renders."""
        touched = self.changed or self.deleted or self.conflicted or self.rejected
        return self.before != self.after or bool(touched)

    @property
    def exit_code(self) -> int:
        problems = self.conflicted or self.rejected or self.failed or self.lock_problem
        return FAIL if problems else PASS

    @property
    def result(self) -> str:
        """The step output: up-to-date, updated or conflicts."""
        if not self.updated:
            return "up-to-date"
        return "conflicts" if self.exit_code else "updated"


def load_record(project: Path) -> dict | None:
    """.cruft.json as a dict; None when there is none; unreadable JSON is could-not-check."""
    path = project / RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CouldNotCheck(f"{path} is not JSON: {exc}") from None
    return record if isinstance(record, dict) else {}


def read_record(project: Path) -> dict:
    """The record an update needs: a template and a commit, or a message saying what to do."""
    path = project / RECORD
    record = load_record(project)
    if record is None:
        raise CouldNotCheck(
            f"{project}: no {RECORD}, so the template this project came from is unknown: "
            "`mlgate update --adopt` finds the template commit it was rendered from"
        )
    if not record.get("template"):
        raise CouldNotCheck(f"{path} names no template")
    if not record.get("commit"):
        raise CouldNotCheck(
            f"{path} records no template commit: `mlgate update --adopt` finds the one it "
            "was rendered from"
        )
    return record


def git(project: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True,
                          check=False)  # fmt: skip
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise CouldNotCheck(f"git {' '.join(args[:2])} failed in {project}: {message}")
    return done.stdout


@contextlib.contextmanager
def template_imports(template_dir: str | Path) -> Iterator[None]:
    """The template's own Jinja extensions (modules beside its cookiecutter.json) import from
    this render's checkout, and are forgotten after it: both renders of an update, and every
    candidate of --adopt, use modules of the same name from different commits, and a module
    cached from the first would serve the second (an extension renamed in between is then
    "missing")."""
    root = os.path.realpath(template_dir)

    def forget() -> None:
        for name, module in list(sys.modules.items()):
            where = getattr(module, "__file__", None)
            if where and os.path.realpath(where).startswith(root + os.sep):
                del sys.modules[name]

    forget()
    saved = list(sys.path)
    sys.path.insert(0, root)
    try:
        yield
    finally:
        sys.path[:] = saved
        forget()


@contextlib.contextmanager
def quiet_cruft(template: str) -> Iterator[io.StringIO]:
    """cruft under our control: its words (typer, stdout and stderr) kept for the summary;
    the template's token for its git (GitPython reads the environment) as a header; each
    render with its own checkout's extensions (template_imports).

    Its renders run without the template's hooks. Hooks finish a new project, and what they
    do is not a change to merge: templates' hooks git init, commit, create repositories,
    push, install packages or ask questions, and an older commit's hook may need what only
    a first render has (cookiecutter's `_repo_dir`). A file a hook drops at first render is
    missing from the project, which cruft leaves out of the update anyway."""
    from cookiecutter.generate import generate_files
    from cruft._commands.utils import generate

    context_of = generate.generate_cookiecutter_context

    def generate_context(url: str, commit: str, folder: Path, *args: Any, **kwargs: Any) -> Any:
        with template_imports(folder):
            return context_of(url, commit, folder, *args, **kwargs)

    def render(*args: Any, **kwargs: Any) -> str:
        with template_imports(kwargs.get("repo_dir") or args[0]):
            return generate_files(*args, **{**kwargs, "accept_hooks": False})

    words = io.StringIO()
    saved = dict(os.environ)
    os.environ.update(git_env(template))
    os.environ[QUIET] = "1"
    try:
        with (
            mock.patch.object(generate, "generate_files", render),
            mock.patch.object(generate, "generate_cookiecutter_context", generate_context),
            contextlib.redirect_stdout(words),
            contextlib.redirect_stderr(words),
        ):
            yield words
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass(frozen=True)
class Span:
    """Where the project is and where the update goes, read from the template's history."""

    before: str  # the recorded commit, resolved
    target: str
    commits: list[Commit]
    other_commits: int

    @property
    def behind(self) -> bool:
        return bool(self.commits)


def span(history: TemplateHistory, record: dict, to: str | None) -> Span:
    recorded = str(record["commit"])
    before = history.resolve(recorded)
    if before is None:
        raise CouldNotCheck(
            f"the template {record['template']} has no commit {recorded} (recorded in "
            f"{RECORD}): was its history rewritten? `mlgate update --adopt` finds the commit "
            "the project matches"
        )
    ref = to or record.get("checkout") or "HEAD"
    target = history.require(ref, "branch, tag or commit")
    paths = history.template_paths(target, record.get("directory"))
    commits, every = history.commits(before, target, paths)
    return Span(before, target, commits, every - len(commits))


def questions(history: TemplateHistory, commit: str, record: dict) -> dict[str, object]:
    """The template's cookiecutter.json at `commit` (its questions and defaults)."""
    prefix = f"{str(record.get('directory') or '').strip('/')}/".lstrip("/")
    shown = history.git.run(["show", f"{commit}:{prefix}cookiecutter.json"])
    try:
        loaded = json.loads(shown.stdout) if shown.returncode == 0 else {}
    except ValueError:
        loaded = {}
    return loaded if isinstance(loaded, dict) else {}


def check_answers(history: TemplateHistory, target: str, record: dict,
                  answers: dict[str, str]) -> None:  # fmt: skip
    """A given answer must be a question the new template asks: a typo would be dropped."""
    asked = [k for k in questions(history, target, record) if not k.startswith("_")]
    for key in answers:
        if key not in asked:
            raise CouldNotCheck(
                f"--answer {key}: the template at {target[:12]} asks no such question"
                f"{did_you_mean(key, asked)} (its questions: {', '.join(asked)})"
            )


def behind(project: Path, to: str | None) -> tuple[dict, Span]:
    record = read_record(project)
    with cloned(reachable(str(record["template"]), project)) as history:
        return record, span(history, record, to)


def update(project: Path, to: str | None, answers: dict[str, str] | None = None) -> Outcome:
    """The update; `answers` are given to the new render (an answer whose meaning changed)."""
    from cruft import update as cruft_update

    record = read_record(project)
    template = reachable(str(record["template"]), project)
    dirty = git(project, "status", "--porcelain").splitlines()
    if dirty:
        raise CouldNotCheck(
            f"the repository has uncommitted changes ({dirty[0][3:]}"
            f"{f' and {len(dirty) - 1} more' if len(dirty) > 1 else ''}): commit or stash them "
            "first, so the update is one change of its own"
        )
    with cloned(template) as history:
        where = span(history, record, to)
        check_answers(history, where.target, record, answers or {})
        outcome = Outcome(str(record["template"]), str(record["commit"]), str(record["commit"]))
        if not where.behind and not answers:  # nothing changes what the project renders from
            return outcome
        checkout = to or record.get("checkout") or None  # the branch the project follows
        with quiet_cruft(template) as said:
            try:
                done = cruft_update(project, template_path=Path(template)
                                    if not is_remote(template) else None, skip_apply_ask=True,
                                    checkout=checkout,
                                    extra_context=dict(answers or {}) or None)  # fmt: skip
            except ValueError as exc:  # cookiecutter: an answer the new template does not offer
                raise CouldNotCheck(
                    f"the template's answers changed: {str(exc).rstrip('.')}; give the answer "
                    "it now expects with --answer KEY=VALUE"
                ) from None
            except Exception as exc:  # cruft raises git's and cookiecutter's own errors
                raise CouldNotCheck(f"cruft could not update {project}: {exc}") from None
        if not done:
            words = said.getvalue().strip().splitlines()
            raise CouldNotCheck(f"cruft did not update {project}: {words[-1] if words else ''}")
        updated = read_record(project)
        restore_checkout(project, record.get("checkout"))  # --to is a one-off
        outcome.after = str(updated["commit"])
        outcome.new_answers, outcome.dropped_answers = answer_changes(record, updated)
        outcome.commits, outcome.other_commits = where.commits, where.other_commits
        after = history.resolve(outcome.after) or where.target
        if after != where.target:  # the template moved between our read and cruft's clone
            moved = span(history, {**record, "checkout": after}, None)
            outcome.commits, outcome.other_commits = moved.commits, moved.other_commits
    classify(project, outcome, said.getvalue())
    if "pyproject.toml" in outcome.changed and (project / "uv.lock").is_file():
        outcome.lock_problem = relock(project)
        outcome.relocked = not outcome.lock_problem
    return outcome


def answers_of(record: dict) -> dict[str, object]:
    context = record.get("context") if isinstance(record.get("context"), dict) else {}
    answers = context.get("cookiecutter") if isinstance(context, dict) else None
    if not isinstance(answers, dict):
        return {}
    return {k: v for k, v in answers.items() if not str(k).startswith("_")}


def answer_changes(before: dict, after: dict) -> tuple[dict[str, object], dict[str, object]]:
    """(answers the new template asks that the project never gave, answers it no longer asks):
    a renamed answer shows as one of each, and its new default may undo the user's choice."""
    old, new = answers_of(before), answers_of(after)
    return ({k: v for k, v in new.items() if k not in old},
            {k: v for k, v in old.items() if k not in new})  # fmt: skip


def restore_checkout(project: Path, checkout: object) -> None:
    path = project / RECORD
    record = json.loads(path.read_text(encoding="utf-8"))
    if record.get("checkout") != checkout:
        record["checkout"] = checkout
        path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def classify(project: Path, outcome: Outcome, words: str) -> None:
    """Sort what the update left in the work tree: changed, conflicted, rejected, failed."""
    for path in changed_paths(project):
        (outcome.rejected if path.endswith(".rej") else outcome.changed).append(path)
    outcome.rejected += [p for p in rejects(project) if p not in outcome.rejected]
    outcome.conflicted = [p for p in outcome.changed if has_markers(project / p)]
    outcome.deleted = [p for p in outcome.changed if not os.path.lexists(project / p)]
    outcome.changed = [p for p in outcome.changed
                       if p not in outcome.conflicted and p not in outcome.deleted]  # fmt: skip
    explained = outcome.conflicted or outcome.rejected  # git's complaint is about these
    if outcome.updated and not explained and any(sign in words for sign in APPLY_FAILED):
        outcome.failed = [line for line in words.splitlines() if line.strip()][-3:]


APPLY_FAILED = ("Failed to apply", "may have *.rej files", "patch failed", "error: ")


def relock(project: Path) -> str:
    """`uv lock` after a changed pyproject.toml; "" when it worked, else uv's last words."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("uv") is not None:
        uv = [sys.executable, "-m", "uv"]
    elif found := shutil.which("uv"):  # mlgate installed by pipx or uv tool, uv beside it
        uv = [found]
    else:
        return "uv is not installed here: run `uv lock` and commit uv.lock"
    try:
        done = subprocess.run([*uv, "lock", "--quiet"], cwd=project, capture_output=True,
                              text=True, check=False, timeout=LOCK_TIMEOUT_S)  # fmt: skip
    except subprocess.TimeoutExpired:
        return f"`uv lock` did not finish within {LOCK_TIMEOUT_S} s"
    if done.returncode == 0:
        return ""
    said = (done.stderr.strip() or done.stdout.strip()).splitlines()
    return f"`uv lock` failed: {said[-1] if said else f'exit {done.returncode}'}"


def changed_paths(project: Path) -> list[str]:
    """Paths the update changed, relative to the project (git reports them from its top)."""
    top = Path(git(project, "rev-parse", "--show-toplevel").strip())
    inside = project.resolve().relative_to(top.resolve())
    raw = git(project, "status", "--porcelain=v1", "-z", "--untracked-files=all",
              "--no-renames", "--", ".")  # fmt: skip
    paths = []
    for entry in raw.split("\0"):
        if len(entry) > 3:
            path = Path(entry[3:])
            paths.append((path.relative_to(inside) if inside.parts else path).as_posix())
    return paths


def rejects(project: Path) -> list[str]:
    """Every .rej file in the project, ignored by git or not (outside .git)."""
    return sorted(
        p.relative_to(project).as_posix()
        for p in project.rglob("*.rej")
        if ".git" not in p.relative_to(project).parts
    )


def has_markers(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return "\n<<<<<<< " in f"\n{text}" and "\n>>>>>>> " in text
