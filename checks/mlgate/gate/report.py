"""The gate's verdict as a terminal table, Markdown (job summary, PR comment) and JSON.

All three are rendered from one `GateReport`, so they cannot disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import COULD_NOT_CHECK, FAIL
from ..io.git import Revision
from .judge import MetricResult, Verdict, fmt, percent

SCHEMA = "mlgate.gate/1"
VERDICT_WORDS = {0: "pass", FAIL: "fail", COULD_NOT_CHECK: "could not check"}
VERDICT_CODES = {0: "pass", FAIL: "fail", COULD_NOT_CHECK: "could_not_check"}
MARKS = {Verdict.PASS: "✅", Verdict.FAIL: "❌", Verdict.UNMEASURED: "⚠️"}
COLUMNS = ("metric", "baseline", "current", "delta", "rule", "verdict")


@dataclass(frozen=True)
class PolicyChange:
    """One line of difference between the policy in force and the one this change brings."""

    item: str
    now: str
    after_merge: str


@dataclass
class GateReport:
    exit_code: int
    metrics_path: str
    policy_source: str
    results: list[MetricResult]
    baseline: Revision | None = None
    baseline_note: str = ""
    policy_changes: list[PolicyChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    title: str = "mlgate gate"  # or "mlgate monitor": production judged by the same rules
    estimated: list[MetricResult] | None = None  # monitor: label-free estimates, same rules
    estimate_note: str = ""  # what the estimate rests on, or why there is none

    @property
    def verdict(self) -> str:
        return VERDICT_WORDS[self.exit_code]


def _delta(result: MetricResult) -> str:
    if result.delta is None or result.delta_rel is None:
        return "—"
    sign = "+" if result.delta > 0 else ""
    rel_sign = "+" if result.delta_rel > 0 else ""
    return f"{sign}{fmt(result.delta)} ({rel_sign}{percent(result.delta_rel)})"


def _verdict_cell(result: MetricResult) -> str:
    if result.verdict is Verdict.UNMEASURED and not result.blocking:
        return "UNMEASURED (allowed)"
    return result.verdict.value


def _columns(report: GateReport) -> tuple[str, ...]:
    return COLUMNS + (("estimated", "estimate") if report.estimated is not None else ())


def _rows(report: GateReport) -> list[tuple[str, ...]]:
    rows = [
        (r.metric, fmt(r.baseline), fmt(r.current), _delta(r), r.rule, _verdict_cell(r))
        for r in report.results
    ]
    if report.estimated is None:
        return rows
    return [(*row, fmt(e.current), e.verdict.value if e.current is not None else "—")
            for row, e in zip(rows, report.estimated, strict=True)]  # fmt: skip


def _baseline_line(report: GateReport) -> str:
    if report.baseline is None:
        return f"baseline: none ({report.baseline_note})" if report.baseline_note else ""
    line = f"baseline: {report.baseline.ref} ({report.baseline.short})"
    return f"{line}: {report.baseline_note}" if report.baseline_note else line


def to_text(report: GateReport) -> str:
    columns = _columns(report)
    rows = [columns, *_rows(report)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    lines = [f"{report.title}: {report.verdict.upper()}"]
    lines.append(f"metrics: {report.metrics_path}   policy: {report.policy_source}")
    if baseline := _baseline_line(report):
        lines.append(baseline)
    lines.append("")
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    reasons = [(r.metric, reason) for r in report.results for reason in r.reasons]
    if reasons:
        lines.append("")
        lines.extend(f"{metric}: {reason}" for metric, reason in reasons)
    if report.policy_changes:
        lines.append("")
        lines.append(
            "This change edits the gate policy. The rules in force now apply to this change; "
            "the new rules apply after merge:"
        )
        lines.extend(
            f"  {c.item}: now {c.now}; after merge {c.after_merge}" for c in report.policy_changes
        )
    lines.extend(f"note: {note}" for note in report.notes)
    if report.estimate_note:
        lines.append(f"note: {report.estimate_note}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: GateReport) -> str:
    mark = {0: "✅", FAIL: "❌", COULD_NOT_CHECK: "⚠️"}[report.exit_code]
    lines = [f"### {mark} {report.title}: {report.verdict}", ""]
    context = [f"metrics `{report.metrics_path}`", f"policy: {_cell(report.policy_source)}"]
    if report.baseline is not None:
        context.insert(0, f"baseline `{report.baseline.ref}` (`{report.baseline.short}`)")
    lines.extend([" · ".join(context), ""])
    columns = _columns(report)
    lines.append("| " + " | ".join(columns) + " |")
    lines.append("|---|---:|---:|---:|---|---|" + ("---:|---|" if len(columns) > 6 else ""))
    for result, row in zip(report.results, _rows(report), strict=True):
        cells = [f"`{_cell(row[0])}`", *(_cell(c) for c in row[1:5])]
        cells.append(f"{MARKS[result.verdict]} {_cell(row[5])}")
        cells.extend(_cell(c) for c in row[6:])
        lines.append("| " + " | ".join(cells) + " |")
    reasons = [(r.metric, reason) for r in report.results for reason in r.reasons]
    if reasons or report.baseline_note:
        lines.append("")
    if report.baseline_note:
        lines.append(f"- baseline: {_cell(report.baseline_note)}")
    lines.extend(f"- `{_cell(metric)}`: {_cell(reason)}" for metric, reason in reasons)
    if report.policy_changes:
        lines.extend(
            [
                "",
                "**This pull request changes the gate policy.** The rules in force now judge it; "
                "the new rules apply after merge.",
                "",
                "| rule | now | after merge |",
                "|---|---|---|",
            ]
        )
        lines.extend(
            f"| `{_cell(c.item)}` | {_cell(c.now)} | {_cell(c.after_merge)} |"
            for c in report.policy_changes
        )
    notes = report.notes + ([report.estimate_note] if report.estimate_note else [])
    if notes:
        lines.append("")
        lines.extend(f"> {_cell(note)}" for note in notes)
    return "\n".join(lines) + "\n"


def to_dict(report: GateReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "verdict": VERDICT_CODES[report.exit_code],
        "exit_code": report.exit_code,
        "metrics_path": report.metrics_path,
        "policy": {
            "source": report.policy_source,
            "changes": [
                {"item": c.item, "now": c.now, "after_merge": c.after_merge}
                for c in report.policy_changes
            ],
        },
        "baseline": {
            "ref": report.baseline.ref if report.baseline else None,
            "commit": report.baseline.commit if report.baseline else None,
            "note": report.baseline_note or None,
        },
        "metrics": [
            {
                "metric": r.metric,
                "rule": r.rule,
                "baseline": r.baseline,
                "current": r.current,
                "delta": _finite_or_none(r.delta),
                "delta_rel": _finite_or_none(r.delta_rel),
                "verdict": r.verdict.value,
                "blocking": r.verdict is not Verdict.PASS and r.blocking,
                "reasons": r.reasons,
            }
            for r in report.results
        ],
        "notes": report.notes,
        **({"estimate": _estimate_dict(report)} if report.title == "mlgate monitor" else {}),
    }


def _estimate_dict(report: GateReport) -> dict[str, Any]:
    return {
        "note": report.estimate_note or None,
        "metrics": [
            {"metric": e.metric, "estimated": e.current, "verdict": e.verdict.value}
            for e in report.estimated or []
        ],
    }


def to_json(report: GateReport) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def error_report(fmt: str, message: str) -> str:
    """What a reader or a machine finds in place of the report when the gate could not run."""
    if fmt == "json":
        document = {
            "schema": SCHEMA,
            "verdict": VERDICT_CODES[COULD_NOT_CHECK],
            "exit_code": COULD_NOT_CHECK,
            "error": message,
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        return f"### ⚠️ mlgate gate: could not check\n\n{message}\n"
    return f"mlgate gate: COULD NOT CHECK\n{message}\n"


def _finite_or_none(value: float | None) -> float | None:
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return value


RENDERERS = {"text": to_text, "md": to_markdown, "json": to_json}
