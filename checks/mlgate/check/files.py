"""Every file of a repository the checker may look at: the tree minus what git ignores.

Dockerfiles, kustomizations, manifests and composite actions are checked wherever they live, so
the rules need the tree, read the way git sees it: each `.gitignore` (nested ones too) applies
to its own directory, with git's pattern rules from pathspec (the library DVC uses for the
same job). Virtual environments and dependency folders are never entered, symlinks are not
followed, and the walk stops at MAX_FILES paths (the result says so).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

NEVER_ENTERED = {
    ".git",
    ".hg",
    ".svn",
    ".dvc",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "site-packages",
}
MAX_FILES = 100_000


@dataclass(frozen=True)
class Tree:
    files: tuple[str, ...]  # relative POSIX paths, sorted
    complete: bool  # False when the walk stopped at MAX_FILES


def walk(root: Path) -> Tree:
    try:
        from pathspec import GitIgnoreSpec  # lazy: only `mlgate check` walks the tree
    except ImportError:
        from ..errors import CouldNotCheck

        raise CouldNotCheck(
            "mlgate check reads .gitignore with pathspec, which is not installed: "
            "reinstall mlgate (it depends on it)"
        ) from None

    found: list[str] = []
    ignores: list[tuple[str, GitIgnoreSpec]] = []  # (directory prefix, its .gitignore)

    def ignored(relative: str, is_dir: bool) -> bool:
        candidate = relative + "/" if is_dir else relative
        verdict = False
        for prefix, spec in ignores:
            if prefix and not candidate.startswith(prefix):
                continue
            result = spec.check_file(candidate[len(prefix) :])
            if result.include is not None:
                verdict = result.include
        return verdict

    for folder, dirs, files in os.walk(root, followlinks=False):
        base = os.path.relpath(folder, root).replace(os.sep, "/")
        base = "" if base == "." else base + "/"
        if ".gitignore" in files:
            spec = _read_ignore(Path(folder) / ".gitignore", GitIgnoreSpec)
            if spec is not None:
                ignores.append((base, spec))
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in NEVER_ENTERED
            and not os.path.islink(os.path.join(folder, d))
            and not ignored(base + d, is_dir=True)
        )
        for name in sorted(files):
            relative = base + name
            if not ignored(relative, is_dir=False):
                found.append(relative)
                if len(found) >= MAX_FILES:
                    return Tree(tuple(sorted(found)), complete=False)
    return Tree(tuple(sorted(found)), complete=True)


def _read_ignore(path: Path, spec_type: type) -> object | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    try:
        return spec_type.from_lines(lines)
    except Exception:  # a malformed pattern: git would skip it; so does the checker
        return None
