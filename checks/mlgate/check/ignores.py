"""`check.ignore` in mlgate.yaml: exceptions a person wrote down with a reason.

An entry without a reason is not applied (it would hide a finding nobody justified) and is
itself a finding of SEC102. Selectors match like repo-review's: a code (`DOCKER104`), a family
prefix (`DEPLOY`), or a tool finding (`ZIZMOR-artipacked`, or `ZIZMOR` for all of them).
"""

from __future__ import annotations

from dataclasses import dataclass

from .repo import Repo
from .yaml_lines import line_of


@dataclass(frozen=True)
class Ignore:
    rule: str
    reason: str
    line: int | None = None  # in mlgate.yaml


def read_ignores(repo: Repo) -> tuple[list[Ignore], list[tuple[str, int | None]]]:
    """(usable ignores, problems with their lines)."""
    section = repo.policy_section("check")
    unknown = [
        (f"check: unknown key {key!r} (known: ignore, require, template)", line_of(section, key))
        for key in section
        if key not in ("ignore", "require", "template")
    ]
    entries = section.get("ignore")
    if entries is None:
        return [], unknown
    if not isinstance(entries, list):
        return [], [("check.ignore must be a list of {rule, reason}", line_of(section, "ignore"))]
    ignores, problems = [], []
    for index, entry in enumerate(entries):
        line = line_of(entries, index)
        if not isinstance(entry, dict) or not isinstance(entry.get("rule"), str):
            problems.append((f"check.ignore[{index}] needs `rule: CODE`", line))
            continue
        extra = sorted(str(k) for k in entry if k not in ("rule", "reason"))
        if extra:
            problems.append((f"check.ignore[{index}]: unknown key(s) {', '.join(extra)}", line))
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            problems.append((f"check.ignore of {entry['rule']} has no reason: not applied", line))
            continue
        ignores.append(Ignore(entry["rule"].strip(), reason.strip(), line))
    return ignores, unknown + problems


def matches(selector: str, code: str) -> bool:
    """repo-review's matching (code, or code without its number) plus tool prefixes."""
    if selector in ("*", code) or code.rstrip("0123456789") == selector:
        return True
    return code.startswith(selector + "-") or ("-" in code and code.split("-")[0] == selector)
