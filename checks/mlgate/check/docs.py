"""docs/rules.md, written from the rule classes, so the page and the checker cannot disagree.

`python -m mlgate.check.docs docs/rules.md` (or `make docs`) rewrites it; a test fails when the
committed page differs from what the classes say. Each rule has one anchor, `#<CODE>`, which is
where its `url` points.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from .rules import ALL_RULES, FAMILIES
from .rules.base import DOCS_URL, Rule
from .rules.tools import TOOL_FINDING_URLS

INTRO = """\
# `mlgate check` rules

<!-- Generated from checks/mlgate/check/rules/ by `make docs`: edit the rule classes. -->

`mlgate check [PATH]` says whether a repository follows the mlgate standard. Each rule below
has a stable code, a severity and, when it only makes sense after another rule passes, the
rule it requires (it is skipped otherwise). Exit codes: 0 nothing at or above `--fail-on`
(default `warning`), 1 findings, 2 could not check (a rule or tool could not run).

- Pick rules with `--select` / `--ignore` (a code such as `GHA104`, or a family such as
  `DEPLOY`).
- Keep an exception in the repository, with its reason, in `mlgate.yaml`:

  ```yaml
  check:
    ignore:
      - rule: DOCKER104
        reason: "base image pinned by Renovate"
  ```

  An entry without a reason is not applied and is itself a finding (SEC102).
- With mlgate installed, `repo-review PATH` runs the same rules.
"""


def anchor_heading(rule: type[Rule]) -> str:
    return f'### <a id="{rule.code()}"></a>{rule.code()}: {_escape(rule.title())}'


def _escape(text: str) -> str:
    """Angle brackets in titles (`ZIZMOR-<audit>`) would read as HTML tags."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def rule_section(rule: type[Rule]) -> str:
    lines = [anchor_heading(rule), ""]
    body = (rule.__doc__ or "").strip().splitlines()[1:]
    if any(line.strip() for line in body):
        lines += [" ".join(line.strip() for line in body if line.strip()), ""]
    lines.append(f"- Severity: {rule.severity.label}")
    if rule.requires:
        needed = ", ".join(f"[{code}](#{code})" for code in sorted(rule.requires))
        lines.append(f"- Requires: {needed}")
    if rule.fix:
        lines.append(f"- Fix: {rule.fix}")
    prefix = rule.code().rstrip("0123456789")
    if prefix in TOOL_FINDING_URLS:
        example = TOOL_FINDING_URLS[prefix].format(name="NAME")
        lines.append(f"- Findings: `{prefix}-NAME`, each linking to {example}")
    return "\n".join(lines)


def rules_markdown(rules: Sequence[type[Rule]] = ALL_RULES) -> str:
    families = sorted({rule.family for rule in rules}, key=lambda f: FAMILIES[f]["order"])
    parts = [INTRO, "## Index", "", "| code | rule | severity |", "|---|---|---|"]
    for family in families:
        for rule in (r for r in rules if r.family == family):
            title = _escape(rule.title()).replace("|", "\\|")
            parts.append(f"| [{rule.code()}](#{rule.code()}) | {title} | {rule.severity.label} |")
    for family in families:
        parts += ["", f"## {FAMILIES[family]['name']}"]
        for rule in (r for r in rules if r.family == family):
            parts += ["", rule_section(rule)]
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m mlgate.check.docs docs/rules.md", file=sys.stderr)
        return 2
    target = Path(args[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(rules_markdown(), encoding="utf-8")
    print(f"wrote {target} ({len(ALL_RULES)} rules; anchors under {DOCS_URL})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
