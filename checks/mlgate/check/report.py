"""`mlgate check` output: a text table, JSON, SARIF 2.1.0 for code scanning, GitHub annotations.

Five formats of one report in one module (~320 lines): they share the rows and the adoption
summary, and a change to what a finding says must reach all five.
"""

from __future__ import annotations

import json
from typing import Any

from .. import version
from .model import Finding, RuleResult, Severity, Status
from .rules import FAMILIES
from .rules.tools import tool_finding_url
from .runner import OWNED_AUDITS, CheckReport

MARK = {
    Status.NOT_ADOPTED: "-",
    Status.PASS: "ok",
    Status.FAIL: "FAIL",
    Status.SKIPPED: "skip",
    Status.IGNORED: "ignored",
    Status.NOT_RUN: "NOT RUN",
}
SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
ANNOTATION = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
ANNOTATION_CAP = 10  # GitHub shows at most 10 annotations of a kind per step


def where(finding: Finding) -> str:
    if not finding.path:
        return ""
    return f"{finding.path}:{finding.line}" if finding.line else finding.path


def ordered(report: CheckReport) -> list[RuleResult]:
    return sorted(
        report.results, key=lambda r: (FAMILIES.get(r.family, {}).get("order", 99), r.code)
    )


def adoption_rows(report: CheckReport) -> list[tuple[str, str, str, str]]:
    """(state, part, title, evidence or next step) for every part of the standard."""
    rows = []
    for name, used in report.adoption.items():
        if used.adopted:
            state, detail = "adopted", used.evidence
        else:
            state = "REQUIRED" if used.required else "not adopted"
            detail = f"next: {used.part.next_step}"
        rows.append((state, name, used.part.title, detail))
    return rows


def adoption_line(report: CheckReport) -> str:
    adopted = [n for n, used in report.adoption.items() if used.adopted]
    missing = [n for n, used in report.adoption.items() if not used.adopted]
    return (
        f"adopted {len(adopted)} of {len(report.adoption)} parts"
        + (f" ({', '.join(adopted)})" if adopted else "")
        + (f"; not adopted: {', '.join(missing)}" if missing else "")
    )


def summary_line(report: CheckReport, fail_on: Severity) -> str:
    counts = {status: sum(r.status is status for r in report.results) for status in Status}
    failing = len(report.failing(fail_on))
    parts = [
        f"{len(report.results)} rules",
        f"{counts[Status.NOT_ADOPTED]} not adopted",
        f"{counts[Status.PASS]} passed",
        f"{counts[Status.FAIL]} failed ({failing} findings at or above {fail_on.label})",
        f"{counts[Status.SKIPPED]} skipped",
        f"{counts[Status.IGNORED]} ignored",
        f"{counts[Status.NOT_RUN]} not run",
    ]
    return ", ".join(parts)


def as_text(report: CheckReport, fail_on: Severity) -> str:
    lines = [f"mlgate check {report.root}", "", f"Adoption: {adoption_line(report)}"]
    lines += [f"  {state:<12} {name:<8} {title}: {detail}" for state, name, title, detail in
              adoption_rows(report)]  # fmt: skip
    family = None
    for result in ordered(report):
        if result.status is Status.NOT_ADOPTED:
            continue  # said once, in the adoption table
        if result.family != family:
            family = result.family
            lines.append(f"\n{FAMILIES.get(family, {}).get('name', family)}")
        lines.append(f"  {MARK[result.status]:<8} {result.code:<12} {result.title}")
        if result.reason:
            lines.append(f"           {result.reason}")
        for finding in result.findings:
            code = result.finding_code(finding)
            label = result.finding_severity(finding).label
            prefix = f"{code} " if code != result.code else ""
            place = f"{where(finding)}: " if finding.path else ""
            lines.append(f"           - {prefix}[{label}] {place}{finding.message}")
    for result, finding, waiver in report.ignored_findings:
        lines.append(
            f"  ignored  {result.finding_code(finding)} at {where(finding)}: {waiver.reason}"
        )
    for code, count in sorted(report.covered.items()):
        lines.append(f"  ({count} {code} findings are reported by {OWNED_AUDITS[code]})")
    lines.append("\n" + summary_line(report, fail_on))
    return "\n".join(lines) + "\n"


def as_markdown(report: CheckReport, fail_on: Severity) -> str:
    rows = ["| | rule | says | where |", "|---|---|---|---|"]
    icon = {
        Status.PASS: "✅",
        Status.FAIL: "❌",
        Status.SKIPPED: "⏭️",
        Status.IGNORED: "🙈",
        Status.NOT_RUN: "⚠️",
    }
    for result in ordered(report):
        if result.status in (Status.PASS, Status.NOT_ADOPTED):
            continue
        details = [_cell(f"{result.finding_code(f)}: {f.message}") for f in result.findings] or [
            _cell(result.reason)
        ]
        places = ", ".join(f"`{where(f)}`" for f in result.findings if f.path)
        rows.append(
            f"| {icon[result.status]} | [{result.code}]({result.url}) | "
            f"{'<br>'.join(details)} | {places} |"
        )
    adoption = ["| part | | what there is / next step |", "|---|---|---|"] + [
        f"| {name} ({title}) | {state} | {_cell(detail)} |"
        for state, name, title, detail in adoption_rows(report)
    ]
    head = f"### mlgate check\n\n{summary_line(report, fail_on)}\n\n" + "\n".join(adoption)
    body = "\n".join(rows) if len(rows) > 2 else "Every rule of the adopted parts passed."
    return f"{head}\n\n{body}\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def as_json(report: CheckReport, fail_on: Severity) -> str:
    data = {
        "schema": "mlgate.check/1",
        "root": str(report.root),
        "fail_on": fail_on.label,
        "exit_code": report.exit_code(fail_on),
        "adoption": [
            {
                "part": name,
                "title": used.part.title,
                "adopted": used.adopted,
                "required": used.required,
                "evidence": used.evidence,
                "next_step": "" if used.adopted else used.part.next_step,
            }
            for name, used in report.adoption.items()
        ],
        "covered_tool_findings": dict(sorted(report.covered.items())),
        "rules": [
            {
                "code": r.code,
                "family": r.family,
                "title": r.title,
                "url": r.url,
                "severity": r.severity.label,
                "status": r.status.value,
                "part": r.part,
                "reason": r.reason,
                "findings": [_finding_json(r, f) for f in r.findings],
            }
            for r in ordered(report)
        ],
        "ignored": [
            {**_finding_json(r, f), "reason": w.reason} for r, f, w in report.ignored_findings
        ],
    }
    return json.dumps(data, indent=2) + "\n"


def _finding_json(result: RuleResult, finding: Finding) -> dict[str, Any]:
    return {
        "code": result.finding_code(finding),
        "message": finding.message,
        "path": finding.path,
        "line": finding.line,
        "severity": result.finding_severity(finding).label,
    }


def as_sarif(report: CheckReport, fail_on: Severity) -> str:
    """SARIF 2.1.0 as GitHub code scanning accepts it: rules with help URIs, located results."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for result in ordered(report):
        rules[result.code] = _sarif_rule(result.code, result.title, result.url, result.severity)
        for finding in result.findings:
            code = result.finding_code(finding)
            severity = result.finding_severity(finding)
            if code not in rules:
                url = tool_finding_url(code) or result.url
                rules[code] = _sarif_rule(code, finding.message.split(":")[0], url, severity)
            location = {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": finding.path or "mlgate.yaml",
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": {"startLine": max(int(finding.line or 1), 1)},
                }
            }
            results.append(
                {
                    "ruleId": code,
                    "level": SARIF_LEVEL[severity],
                    "message": {"text": finding.message},
                    "locations": [location],
                }
            )
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{r.code} not run: {r.reason}"},
            "descriptor": {"id": r.code},
        }
        for r in report.results
        if r.status is Status.NOT_RUN
    ]
    adoption_notes = [
        {
            "level": "note",
            "message": {"text": f"{name} ({used.part.title}) not adopted: {used.part.next_step}"},
            "descriptor": {"id": f"adoption/{name}"},
        }
        for name, used in report.adoption.items()
        if not used.adopted
    ]
    index = list(rules)
    for item in results:
        item["ruleIndex"] = index.index(item["ruleId"])
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlgate",
                        "version": version(),
                        "informationUri": "https://github.com/mlgate/mlgate",
                        "rules": list(rules.values()),
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not notifications,
                        "toolExecutionNotifications": notifications + adoption_notes,
                    }
                ],
                "results": results,
                "properties": {
                    "adoption": {name: used.adopted for name, used in report.adoption.items()}
                },
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _sarif_rule(code: str, title: str, url: str, severity: Severity) -> dict[str, Any]:
    return {
        "id": code,
        "name": code,
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "helpUri": url,
        "help": {"text": f"{title} See {url}", "markdown": f"{title} [{code}]({url})"},
        "defaultConfiguration": {"level": SARIF_LEVEL[severity]},
    }


def as_github(report: CheckReport, fail_on: Severity) -> str:
    """Workflow commands, at most ANNOTATION_CAP per kind; the rest say where to look."""
    lines, shown = [], dict.fromkeys(ANNOTATION.values(), 0)
    for result in ordered(report):
        for finding in result.findings:
            kind = ANNOTATION[result.finding_severity(finding)]
            if shown[kind] >= ANNOTATION_CAP:
                continue
            shown[kind] += 1
            props = []
            if finding.path:
                props.append(f"file={_escape_property(finding.path)}")
                if finding.line:
                    props.append(f"line={finding.line}")
            props.append(f"title={_escape_property(result.finding_code(finding))}")
            lines.append(f"::{kind} {','.join(props)}::{_escape_data(finding.message)}")
        if result.status is Status.NOT_RUN:
            lines.append(
                f"::error title={result.code}::{_escape_data('not run: ' + result.reason)}"
            )
    total = sum(len(r.findings) for r in report.results)
    if total > sum(shown.values()):
        lines.append(f"::notice::{total - sum(shown.values())} more findings: see the job summary")
    lines.append(adoption_line(report))
    lines.append(summary_line(report, fail_on))
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


FORMATS = {
    "text": as_text,
    "json": as_json,
    "sarif": as_sarif,
    "github": as_github,
    "md": as_markdown,
}
