"""`mlgate update`: bring a generated project up to its template's later commit.

cruft does the mechanics: .cruft.json records the template and the commit the project was
rendered from, with the answers; the template is rendered at that commit and at the new one
with the same answers, and the difference between the two is applied to the project as a
three-way merge (`git apply -3`), so the template's changes arrive and the user's edits stay.
Where both changed the same lines, the file keeps conflict markers (or a .rej file beside it
when no merge base is found). What .cruft.json's `skip` lists (data, models, locks) and what
the user deleted on purpose is never touched: cruft leaves out of the update every file
missing from the project.

This module adds what cruft leaves to its user: a clean tree first (the update must be one
reviewable change), the template re-rendered without the template's post-render work (no git
init, no uv lock in cruft's scratch folders: MLGATE_RENDER_FOR_UPDATE), a summary of what
changed and what conflicts, and exit codes: 0 updated (or nothing to do), 1 conflicts to
resolve (with --check: behind the template), 2 could not.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FAIL, PASS, CouldNotCheck, require

RECORD = ".cruft.json"
QUIET = "MLGATE_RENDER_FOR_UPDATE"  # the template's hook does no git or uv work when set


@dataclass
class Outcome:
    before: str
    after: str
    changed: list[str] = field(default_factory=list)
    conflicted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # git apply's words when part did not apply

    @property
    def exit_code(self) -> int:
        return FAIL if self.conflicted or self.rejected or self.failed else PASS


def read_record(project: Path) -> dict:
    path = project / RECORD
    if not path.is_file():
        raise CouldNotCheck(
            f"{project}: no {RECORD}, so the template this project came from is unknown: "
            "render new projects with `mlgate new` (or cookiecutter / cruft from a git "
            "checkout of the template)"
        )
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CouldNotCheck(f"{path} is not JSON: {exc}") from None
    if not isinstance(record, dict) or not record.get("template"):
        raise CouldNotCheck(f"{path} names no template")
    if not record.get("commit"):
        raise CouldNotCheck(f"{path} records no template commit: which one was it rendered from?")
    return record


def git(project: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True,
                          check=False)  # fmt: skip
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise CouldNotCheck(f"git {' '.join(args[:2])} failed in {project}: {message}")
    return done.stdout


@contextlib.contextmanager
def quiet_cruft() -> Iterator[io.StringIO]:
    """cruft speaks through typer on stdout and stderr; keep its words for our summary."""
    sink = io.StringIO()
    saved = os.environ.get(QUIET)
    os.environ[QUIET] = "1"
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield sink
    finally:
        if saved is None:
            os.environ.pop(QUIET, None)
        else:
            os.environ[QUIET] = saved


def is_behind(project: Path, to: str | None) -> bool:
    from cruft import check

    record = read_record(project)
    with quiet_cruft():
        try:
            return not check(project, checkout=to)
        except Exception as exc:  # cruft raises git's and cookiecutter's own errors
            raise CouldNotCheck(f"cannot compare with the template {record['template']}"
                                f"{f' at {to}' if to else ''}: {exc}") from None  # fmt: skip


def update(project: Path, to: str | None) -> Outcome:
    from cruft import update as cruft_update

    before = str(read_record(project)["commit"])
    if git(project, "status", "--porcelain").strip():
        raise CouldNotCheck(
            f"{project} has uncommitted changes: commit or stash them first, so the update is "
            "one change of its own"
        )
    with quiet_cruft() as said:
        try:
            done = cruft_update(project, skip_apply_ask=True, checkout=to)
        except Exception as exc:  # cruft raises git's and cookiecutter's own errors
            raise CouldNotCheck(f"cruft could not update {project}: {exc}") from None
    if not done:
        words = said.getvalue().strip().splitlines()
        raise CouldNotCheck(f"cruft did not update {project}: {words[-1] if words else ''}")
    after = str(read_record(project)["commit"])
    outcome = Outcome(before, after)
    for path in changed_paths(project):
        (outcome.rejected if path.endswith(".rej") else outcome.changed).append(path)
    outcome.rejected += [p for p in rejects(project) if p not in outcome.rejected]
    outcome.conflicted = [p for p in outcome.changed if _has_markers(project / p)]
    outcome.changed = [p for p in outcome.changed if p not in outcome.conflicted]
    words = said.getvalue()
    explained = outcome.conflicted or outcome.rejected  # git's complaint is about these
    if before != after and not explained and any(sign in words for sign in APPLY_FAILED):
        outcome.failed = [line for line in words.splitlines() if line.strip()][-3:]
    return outcome


APPLY_FAILED = ("Failed to apply", "may have *.rej files", "patch failed", "error: ")


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


def _has_markers(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return "\n<<<<<<< " in f"\n{text}" and "\n>>>>>>> " in text


def report(outcome: Outcome) -> str:
    if outcome.before == outcome.after:
        return f"mlgate update: nothing to do, up to date with template {outcome.after[:12]}\n"
    lines = [f"mlgate update: template {outcome.before[:12]} -> {outcome.after[:12]}"]
    lines += [f"  updated    {path}" for path in outcome.changed]
    lines += [f"  CONFLICT   {path} (both changed it: resolve the markers)"
              for path in outcome.conflicted]  # fmt: skip
    lines += [f"  REJECTED   {path} (a change that did not apply: apply it by hand)"
              for path in outcome.rejected]  # fmt: skip
    if outcome.failed:
        lines.append("  part of the template's change did not apply; git said:")
        lines += [f"    {line}" for line in outcome.failed]
    if outcome.exit_code:
        count = len(outcome.conflicted) + len(outcome.rejected) + bool(outcome.failed)
        lines.append(f"{count} conflicts to resolve (compare with the template), then commit")
    else:
        lines.append("review with `git diff`, then commit")
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Apply the template's changes since the commit .cruft.json records (cruft's three-way "
        "update), keeping your edits; conflicts stay as markers or .rej files."
    )
    parser.epilog = (
        "Exit codes: 0 updated or nothing to do, 1 conflicts to resolve (--check: behind the "
        "template), 2 could not."
    )
    parser.add_argument("project", nargs="?", default=".", help="the project (default: .)")
    parser.add_argument("--check", action="store_true",
                        help="only say whether the project is behind its template")  # fmt: skip
    parser.add_argument("--to", metavar="REF", help="a template branch, tag or commit")


def run(args: argparse.Namespace) -> int:
    require("cruft", "new")
    project = Path(args.project)
    if not project.is_dir():
        raise CouldNotCheck(f"{project}: not a directory")
    if args.check:
        behind = is_behind(project, args.to)
        record = read_record(project)
        where = f"{record['template']} ({args.to or 'its default branch'})"
        print(f"mlgate update --check: {'BEHIND' if behind else 'up to date with'} {where}; "
              f"rendered from {str(record['commit'])[:12]}")  # fmt: skip
        return FAIL if behind else PASS
    outcome = update(project, args.to)
    sys.stdout.write(report(outcome))
    return outcome.exit_code
