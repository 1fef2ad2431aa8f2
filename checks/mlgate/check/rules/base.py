"""The rule protocol: repo-review's check, plus what mlgate's own runner needs.

A rule class is named by its code (`DVC101`), states the rule in its one-line docstring and
implements `evaluate(repo)`: a list of findings (empty = pass), or it raises NotApplicable /
NotRun. `check` adapts that to repo-review: "" pass, a Markdown message fail, None skip.
"""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import ClassVar

from ..model import Finding, NotApplicable, NotRun, Severity
from ..repo import Repo

DOCS_URL = "https://github.com/mlgate/mlgate/blob/main/docs/rules.md"


class Rule:
    family: ClassVar[str] = ""
    part: ClassVar[str | None] = None  # adoption part (check/adoption.py); None: always applies
    severity: ClassVar[Severity] = Severity.ERROR
    requires: ClassVar[frozenset[str]] = frozenset()
    url: ClassVar[str] = DOCS_URL + "#{name}"  # repo-review formats {name}
    fix: ClassVar[str] = ""  # how to comply, added to every finding's message in reports

    @classmethod
    def code(cls) -> str:
        return cls.__name__

    @classmethod
    def title(cls) -> str:
        """The docstring's first line; braces are doubled there because repo-review formats it."""
        line = (cls.__doc__ or "").strip().splitlines()[0]
        return line.replace("{{", "{").replace("}}", "}")

    @classmethod
    def link(cls) -> str:
        return cls.url.format(name=cls.code(), self=cls)

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        raise NotImplementedError

    @classmethod
    def check(cls, mlgate_repo: Repo) -> bool | str | None:
        """repo-review's entry: pass (""), fail (Markdown), skip (None)."""
        from ..adoption import adoption

        if cls.part is not None and not adoption(mlgate_repo)[cls.part].adopted:
            return None
        try:
            findings = cls.evaluate(mlgate_repo)
        except NotApplicable:
            return None
        except NotRun as exc:
            return f"not run: {exc}"
        lines = [_markdown(f) for f in findings]
        if lines and cls.fix:
            lines.append(f"\n{cls.fix}")
        return "\n".join(lines)


def _markdown(finding: Finding) -> str:
    where = (
        f"`{finding.path}{f':{finding.line}' if finding.line else ''}`: " if finding.path else ""
    )
    code = f"{finding.code}: " if finding.code else ""
    return f"- {code}{where}{finding.message}"


def rules_in(module: ModuleType) -> list[type[Rule]]:
    """Rule classes defined in a module (those with a code: letters then digits), in order."""
    found = [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Rule)
        and obj.__module__ == module.__name__
        and obj.family
        and obj.__name__.rstrip("0123456789") != obj.__name__
    ]
    return sorted(found, key=lambda rule: rule.__name__)
