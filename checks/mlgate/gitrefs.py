"""Read files as committed at a git ref: the baseline metrics and the policy of the base branch.

Paths are passed as `REF:./path`, relative to the directory the command runs in, so a project
in a subdirectory of a monorepo works the same as one at the root.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import CouldNotCheck


class GitError(CouldNotCheck):
    """git is missing, the directory is not a repository, or a ref cannot be found."""


@dataclass(frozen=True)
class Revision:
    ref: str
    commit: str

    @property
    def short(self) -> str:
        return self.commit[:7]


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed; comparing with a baseline ref needs it") from None
    except NotADirectoryError:
        raise GitError(f"{cwd} is not a directory") from None


def resolve(ref: str, cwd: Path) -> Revision:
    """The commit a ref names, or an error that says how to make it available."""
    if not ref or ref.startswith("-") or any(c in ref for c in "\n\r\0"):
        raise GitError(f"{ref!r} is not a git ref")
    inside = _git(["rev-parse", "--is-inside-work-tree"], cwd)
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        raise GitError(
            f"{cwd} is not inside a git work tree: comparing with baseline {ref!r} needs the "
            "repository's history"
        )
    found = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], cwd)
    if found.returncode == 0:
        return Revision(ref, found.stdout.decode().strip())
    shallow = _git(["rev-parse", "--is-shallow-repository"], cwd).stdout.strip() == b"true"
    if shallow:
        raise GitError(
            f"baseline ref {ref!r} is not in this clone because the clone is shallow: check out "
            "with full history (actions/checkout with 'fetch-depth: 0') or run "
            "'git fetch --unshallow'"
        )
    hint = ""
    if ref.startswith("origin/"):
        hint = f"; fetch it first: git fetch origin {ref.removeprefix('origin/')}"
    raise GitError(
        f"unknown baseline ref {ref!r}: no branch, tag or commit of that name here{hint}"
    )


def read_at(revision: Revision, path: str, cwd: Path) -> str | None:
    """Text of `path` (relative to `cwd`) as committed at `revision`; None when not committed."""
    spec = f"{revision.commit}:./{path.removeprefix('./')}"
    exists = _git(["cat-file", "-e", spec], cwd)
    if exists.returncode != 0:
        return None
    shown = _git(["cat-file", "blob", spec], cwd)
    if shown.returncode != 0:
        kind = _git(["cat-file", "-t", spec], cwd).stdout.decode().strip() or "unreadable"
        raise GitError(f"{path} at {revision.ref} is a {kind}, not a file")
    try:
        return shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise GitError(f"{path} at {revision.ref} is not UTF-8 text") from None
