"""repo-review entry points: the `mlgate_repo` fixture, the checks and the families.

With mlgate installed, `repo-review PATH` runs every rule; a rule that does not apply is a
skip, a tool that cannot run is a failure naming why (never a pass).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .repo import Repo
from .rules import ALL_RULES, FAMILIES
from .rules.base import Rule

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable


def mlgate_repo(root: Traversable) -> Repo:
    """Fixture: the repository; a remote root (gh:org/repo) is read through a temp copy."""
    if isinstance(root, Path):
        return Repo(root)
    return Repo(Path(str(root)))


def repo_review_checks() -> dict[str, Rule]:
    return {rule.code(): rule() for rule in ALL_RULES}


def repo_review_families() -> dict[str, dict[str, Any]]:
    return {family: dict(info) for family, info in FAMILIES.items()}
