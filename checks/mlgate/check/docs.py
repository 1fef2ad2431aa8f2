"""docs/rules.md, written from the rule classes, so the page and the checker cannot disagree.

`python -m mlgate.check.docs docs/rules.md` (or `make docs`) rewrites it; a test fails when the
committed page differs from what the classes say. Each rule has one anchor, `#<CODE>`, which is
where its `url` points.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from .adoption import PARTS
from .rules import ALL_RULES, FAMILIES
from .rules.base import DOCS_URL, Rule
from .rules.tools import TOOL_FINDING_URLS, tool_finding_url
from .runner import OWNED_AUDITS

INTRO = """\
# `mlgate check` rules

<!-- Generated from checks/mlgate/check/rules/ by `make docs`: edit the rule classes. -->

`mlgate check [PATH]` says which parts of the mlgate standard a repository has adopted, then
whether what it has adopted is right. Exit codes: 0 nothing at or above `--fail-on` (default
`warning`), 1 findings, 2 could not check (a rule or tool could not run, a dependency is
missing).

## Adoption first

Each rule belongs to a *part* of the standard. A part the repository does not use is reported
as **not adopted**, with the next step to adopt it, and fails nothing: a notebook repository
with no workflows passes, and is told what it could add. What is there is always checked,
wherever it lives (Dockerfiles, kustomizations and manifests anywhere in the tree, workflows,
composite actions and reusable workflows; `.gitignore`d files and test fixtures aside).

| part | adopted when the repository has |
|---|---|
{parts}

A part can be required: `--require dvc,gate` (or `all`) on the command line, or in
`mlgate.yaml` (the generated projects require every part they ship):

```yaml
check:
  require: [dvc, gx, gate, gha, docker, deploy, drift, owners, updates]
```

A required part that is not adopted is [ADOPT101](#ADOPT101)'s finding.

## Exceptions

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
- With mlgate installed, `repo-review PATH` runs the same rules (a part not adopted is a skip).

## One finding per defect

zizmor and hadolint run as real tools (ZIZMOR100, HADOLINT100), each of their findings with its
own code. Where a zizmor audit checks what one of mlgate's rules checks, the rule reports it
and zizmor's finding of that audit is dropped, so a defect is reported once: the rule works
without the tool, carries the standard's stricter bar (`permissions: {{}}` at the top, every
action SHA-pinned) and rates an injection by where the value comes from. Ignoring the rule
ignores its zizmor twin too.

| zizmor audit | reported by |
|---|---|
{owned}

## The gate must provably gate

[GATE105](#GATE105) and [GATE107](#GATE107) read what a job executes, not the text of its
workflow: every `run:` script is parsed with a shell parser (bashlex) and interpreted with
GitHub's shell options (`bash -e`, `shell: bash` adds pipefail, `shell: sh`, custom shells),
following `make` targets into the Makefile's recipes, scripts of the repository, `bash -c`,
local composite actions and local reusable workflows. `if:` and `continue-on-error` are
evaluated for the event (a pull request, a tag push) with values only the run knows left
unknown. The gate is proven when its failure fails the step, the step and its job run on the
event, and every job it `needs` does too.

Proven: the command on its own line; `cmd || exit 1`; `if ! cmd; then exit 1; fi`;
`set +e; cmd` as the last command; `cmd; rc=$?; ...; exit $rc`; `x=$(cmd)`; `cd dir && cmd`;
`exec cmd`; wrappers that pass the status on (`env`, `timeout`, `time`, `uv run`, `poetry run`,
`python -m mlgate`, a venv's `bin/mlgate`); `make TARGET` whose recipe runs it (prerequisites
first); a shell function that runs it.

Refused (an error: the gate cannot fail the check): `cmd || true` and any `||` handler that
succeeds; `cmd | tee` without pipefail; `set +e` followed by other commands; `cmd && other`
followed by more commands; `!`; `$(cmd)` inside another command's arguments; `cmd &`; an
`if cmd` without a failing else; a `-` before the Makefile recipe line or `make -i`;
`continue-on-error: true`; an `if:` that is false on the event; a pull_request `types:` that
leaves out opened, synchronize or reopened.

Not proven (a warning that says why): loops, `eval`, `xargs` and other commands that run it
indirectly, a sourced script, a `trap`, a `case` branch, a process substitution, `make`
with a target only the run knows when a rule it may name runs it (`make gate-$MODE`; an
unknown variable value, `make gate VERSION=$TAG`, is proven as usual), an `if:` or
`continue-on-error` that depends on values only the run knows, a script the parser cannot
read, a shell other than bash or sh.
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
    lines.append(f"- Part: `{rule.part}`" if rule.part else "- Part: every repository")
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


def intro() -> str:
    parts = "\n".join(
        f"| `{name}` ({part.title}) | {part.adopted_when} |" for name, part in PARTS.items()
    )
    owned = "\n".join(
        f"| [{audit.split('-', 1)[1]}]({tool_finding_url(audit)}) | [{code}](#{code}) |"
        for audit, code in OWNED_AUDITS.items()
    )
    return INTRO.format(parts=parts, owned=owned)


def rules_markdown(rules: Sequence[type[Rule]] = ALL_RULES) -> str:
    families = sorted({rule.family for rule in rules}, key=lambda f: FAMILIES[f]["order"])
    parts = [intro(), "## Index", "", "| code | rule | part | severity |", "|---|---|---|---|"]
    for family in families:
        for rule in (r for r in rules if r.family == family):
            title = _escape(rule.title()).replace("|", "\\|")
            part = f"`{rule.part}`" if rule.part else "every repository"
            parts.append(
                f"| [{rule.code()}](#{rule.code()}) | {title} | {part} | {rule.severity.label} |"
            )
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
