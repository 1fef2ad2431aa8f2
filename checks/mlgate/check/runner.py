"""Run the rules on a repository: requires, selection, ignores, and a verdict per rule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import COULD_NOT_CHECK, FAIL, PASS, CouldNotCheck
from .ignores import Ignore, matches, read_ignores
from .model import Finding, NotApplicable, NotRun, RuleResult, Severity, Status
from .repo import Repo
from .rules import ALL_RULES
from .rules.base import Rule


@dataclass
class CheckReport:
    root: Path
    results: list[RuleResult]
    ignored_findings: list[tuple[RuleResult, Finding, Ignore]] = field(default_factory=list)

    def failing(self, fail_on: Severity) -> list[tuple[RuleResult, Finding]]:
        return [
            (r, f)
            for r in self.results
            if r.status is Status.FAIL
            for f in r.findings
            if r.finding_severity(f) >= fail_on
        ]

    def exit_code(self, fail_on: Severity) -> int:
        if self.failing(fail_on):
            return FAIL
        if any(r.status is Status.NOT_RUN for r in self.results):
            return COULD_NOT_CHECK
        return PASS


def selected(code: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    select, ignore = list(select), list(ignore)
    if select and not any(matches(s, code) for s in select):
        return False
    return not any(matches(s, code) for s in ignore)


def run_checks(
    root: Path, *, select: Iterable[str] = (), ignore: Iterable[str] = ()
) -> CheckReport:
    if not root.exists():
        raise CouldNotCheck(f"{root}: no such directory")
    if not root.is_dir():
        raise CouldNotCheck(f"{root} is not a directory")
    repo = Repo(root)
    ignores, _ = read_ignores(repo)
    select, ignore = list(select), list(ignore)
    by_code = {rule.code(): rule for rule in ALL_RULES}
    done: dict[str, RuleResult] = {}

    def result_of(rule: type[Rule]) -> RuleResult:
        code = rule.code()
        if code not in done:
            done[code] = _evaluate(
                rule, repo, ignores, [result_of(by_code[r]) for r in sorted(rule.requires)]
            )
        return done[code]

    report = CheckReport(root, [])
    for rule in ALL_RULES:
        if not selected(rule.code(), select, ignore):
            continue
        result = result_of(rule)
        kept = []
        for finding in result.findings:
            code = result.finding_code(finding)
            if finding.code and not selected(code, select, ignore):
                continue
            waiver = next((i for i in ignores if finding.code and matches(i.rule, code)), None)
            if waiver:
                report.ignored_findings.append((result, finding, waiver))
            else:
                kept.append(finding)
        if result.status is Status.FAIL and not kept:
            result.status = Status.PASS
        result.findings = kept
        report.results.append(result)
    return report


def _evaluate(
    rule: type[Rule], repo: Repo, ignores: list[Ignore], required: list[RuleResult]
) -> RuleResult:
    result = RuleResult(
        rule.code(), rule.family, rule.title(), rule.link(), rule.severity, Status.PASS
    )
    waiver = next((i for i in ignores if matches(i.rule, rule.code())), None)
    if waiver:
        result.status, result.reason = Status.IGNORED, waiver.reason
        return result
    blocked = [r.code for r in required if r.status is not Status.PASS]
    if blocked:
        result.status, result.reason = Status.SKIPPED, f"needs {', '.join(blocked)} to pass"
        return result
    try:
        findings = rule.evaluate(repo)
    except NotApplicable as exc:
        result.status, result.reason = Status.SKIPPED, str(exc)
        return result
    except NotRun as exc:
        result.status, result.reason = Status.NOT_RUN, str(exc)
        return result
    except Exception as exc:
        result.status = Status.NOT_RUN
        result.reason = f"internal error in {rule.code()}: {type(exc).__name__}: {exc}"
        return result
    result.findings = list(findings)
    result.status = Status.FAIL if result.findings else Status.PASS
    return result
