"""Run the rules on a repository: adoption, requires, selection, ignores, a verdict per rule.

One finding per defect: where one of mlgate's rules audits what a zizmor audit audits
(`OWNED_AUDITS`), zizmor's findings of that audit are dropped while the rule is selected, so
the defect is reported once, by the rule, with its severity by where the value comes from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import COULD_NOT_CHECK, FAIL, PASS, CouldNotCheck
from .adoption import PARTS, Adoption, adoption
from .ignores import Ignore, matches, read_ignores
from .model import Finding, NotApplicable, NotRun, RuleResult, Severity, Status
from .repo import Repo
from .rules import ALL_RULES
from .rules.base import Rule

# zizmor audit -> the rule of ours that reports the same defect (docs/rules.md says so)
OWNED_AUDITS = {
    "ZIZMOR-excessive-permissions": "GHA102",
    "ZIZMOR-unpinned-uses": "GHA104",
    "ZIZMOR-dangerous-triggers": "GHA105",
    "ZIZMOR-artipacked": "GHA106",
    "ZIZMOR-template-injection": "GHA107",
}


@dataclass
class CheckReport:
    root: Path
    results: list[RuleResult]
    ignored_findings: list[tuple[RuleResult, Finding, Ignore]] = field(default_factory=list)
    adoption: dict[str, Adoption] = field(default_factory=dict)
    covered: dict[str, int] = field(default_factory=dict)  # tool code -> findings left to ours

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
    root: Path,
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    require: Iterable[str] = (),
) -> CheckReport:
    if not root.exists():
        raise CouldNotCheck(f"{root}: no such directory")
    if not root.is_dir():
        raise CouldNotCheck(f"{root} is not a directory")
    require = tuple(require)
    unknown = [name for name in require if name not in PARTS and name != "all"]
    if unknown:
        raise CouldNotCheck(
            f"--require {', '.join(unknown)}: not a part; parts: {', '.join(PARTS)}, all"
        )
    repo = Repo(root, require)
    ignores, _ = read_ignores(repo)
    select, ignore = list(select), list(ignore)
    by_code = {rule.code(): rule for rule in ALL_RULES}
    report = CheckReport(root, [], adoption=adoption(repo))
    done: dict[str, RuleResult] = {}
    needed: set[Ignore] = set()  # the ignores that waived a failing rule or a finding

    def result_of(rule: type[Rule]) -> RuleResult:
        """A rule's final result (its findings filtered), before any rule reads its status."""
        code = rule.code()
        if code not in done:
            required = [result_of(by_code[r]) for r in sorted(rule.requires)]
            result = _evaluate(rule, repo, ignores, required)
            # would an ignored rule fail without its ignore? (one that waives nothing is stale)
            if (
                result.status is Status.IGNORED
                and selected(code, select, ignore)
                and _status_without_ignores(rule, repo, required) is not Status.PASS
            ):
                needed.update(i for i in ignores if matches(i.rule, code))
            done[code] = _filtered(result)
        return done[code]

    def owned(code: str) -> bool:
        """A zizmor finding our rule reports: the rule is selected and has run (or is ignored,
        which ignores its twin too)."""
        owner = OWNED_AUDITS.get(code)
        if owner is None or not selected(owner, select, ignore):
            return False
        return result_of(by_code[owner]).status in (Status.PASS, Status.FAIL, Status.IGNORED)

    def _filtered(result: RuleResult) -> RuleResult:
        kept = []
        for finding in result.findings:
            code = result.finding_code(finding)
            if finding.code and not selected(code, select, ignore):
                continue
            if finding.code and owned(code):
                report.covered[code] = report.covered.get(code, 0) + 1
                continue
            waiver = next((i for i in ignores if finding.code and matches(i.rule, code)), None)
            if waiver:
                report.ignored_findings.append((result, finding, waiver))
                needed.add(waiver)
            else:
                kept.append(finding)
        if result.status is Status.FAIL and not kept:
            result.status = Status.PASS
        result.findings = kept
        return result

    report.results = [
        result_of(rule) for rule in ALL_RULES if selected(rule.code(), select, ignore)
    ]
    if not select and not ignore:  # a partial run cannot tell what an ignore is for
        _report_stale_ignores(report, [i for i in ignores if i not in needed])
    return report


def _status_without_ignores(rule: type[Rule], repo: Repo, required: list[RuleResult]) -> Status:
    try:
        return _evaluate(rule, repo, [], required).status
    except CouldNotCheck:
        return Status.NOT_RUN


def _concerns(selector: str, code: str) -> bool:
    """The rule's own findings, or the tool's (`ZIZMOR-artipacked` concerns ZIZMOR100)."""
    return matches(selector, code) or code.rstrip("0123456789") == selector.split("-")[0]


def _report_stale_ignores(report: CheckReport, stale: list[Ignore]) -> None:
    """SEC102 names each ignore that waived nothing this run: it would hide the rule's next
    failure, which nobody has justified. (Only SEC102 can say it, once every rule has run.)
    Only where every rule the ignore concerns ran: a tool that did not run found nothing."""
    owner = next((r for r in report.results if r.code == "SEC102"), None)
    if owner is None or owner.status not in (Status.PASS, Status.FAIL):
        return
    found = []
    for waiver in stale:
        concerned = [r for r in report.results if _concerns(waiver.rule, r.code)]
        if any(r.status not in (Status.PASS, Status.FAIL, Status.IGNORED) for r in concerned):
            continue
        if waiver.rule in OWNED_AUDITS:
            why = f"{OWNED_AUDITS[waiver.rule]} reports this defect; ignore that rule instead"
        elif not concerned:
            why = "no rule or tool finding has that code"
        else:
            why = "nothing it names fails without it; delete the entry"
        found.append(Finding(f"check.ignore of {waiver.rule} waives nothing: {why}",
                             "mlgate.yaml", waiver.line))  # fmt: skip
    if found:
        owner.findings += found
        owner.status = Status.FAIL


def _evaluate(
    rule: type[Rule], repo: Repo, ignores: list[Ignore], required: list[RuleResult]
) -> RuleResult:
    result = RuleResult(
        rule.code(), rule.family, rule.title(), rule.link(), rule.severity, Status.PASS,
        part=rule.part,
    )  # fmt: skip
    if rule.part is not None:
        used = adoption(repo)[rule.part]
        if not used.adopted:
            result.status, result.reason = Status.NOT_ADOPTED, f"not adopted: {used.part.next_step}"
            return result
    waiver = next((i for i in ignores if matches(i.rule, rule.code())), None)
    if waiver:
        result.status, result.reason = Status.IGNORED, waiver.reason
        return result
    blocked = [r.code for r in required if r.status not in (Status.PASS, Status.NOT_ADOPTED)]
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
    except CouldNotCheck:
        raise  # a missing dependency of the check extra: the whole check cannot run
    except Exception as exc:
        result.status = Status.NOT_RUN
        result.reason = f"internal error in {rule.code()}: {type(exc).__name__}: {exc}"
        return result
    result.findings = list(findings)
    result.status = Status.FAIL if result.findings else Status.PASS
    return result
