"""The verdict of `mlgate verify` as a terminal table, Markdown (job summary) and JSON.

All three are rendered from one `VerifyReport`, so they cannot disagree. Each check is pass,
fail or not checked (and why): a check that did not run is never shown as a pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import COULD_NOT_CHECK, FAIL, PASS

SCHEMA = "mlgate.verify/1"
PASSED, FAILED, NOT_CHECKED = "pass", "fail", "not checked"
MARKS = {PASSED: "✅", FAILED: "❌", NOT_CHECKED: "⚪"}
VERDICTS = {PASS: "pass", FAIL: "fail", COULD_NOT_CHECK: "could not check"}
VERDICT_CODES = {PASS: "pass", FAIL: "fail", COULD_NOT_CHECK: "could_not_check"}
COLUMNS = ("check", "result", "detail")
MAX_DETAIL = 400


@dataclass(frozen=True)
class Check:
    name: str
    result: str  # PASSED, FAILED or NOT_CHECKED
    detail: str


@dataclass(frozen=True)
class Latency:
    """Milliseconds over `count` sequential requests; percentiles by nearest rank."""

    request: str  # "POST /predict" or "GET /health"
    count: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    budget_ms: float


@dataclass
class VerifyReport:
    url: str  # as shown: no credentials, no query
    expect_version: str | None
    policy_source: str
    checks: list[Check] = field(default_factory=list)
    latency: Latency | None = None
    service_version: dict[str, Any] | None = None  # what /version said last

    @property
    def exit_code(self) -> int:
        return FAIL if any(check.result == FAILED for check in self.checks) else PASS


def to_text(report: VerifyReport) -> str:
    rows = [COLUMNS, *((c.name, c.result, _one_line(c.detail)) for c in report.checks)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [f"mlgate verify: {VERDICTS[report.exit_code].upper()}", _context(report, "   "), ""]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def to_markdown(report: VerifyReport) -> str:
    mark = "✅" if report.exit_code == PASS else "❌"
    lines = [f"### {mark} mlgate verify: {VERDICTS[report.exit_code]}", ""]
    lines.extend([_cell(_context(report, " · ")), "", "| check | result | detail |"])
    lines.append("|---|---|---|")
    lines.extend(
        f"| {c.name} | {MARKS[c.result]} {c.result} | {_cell(c.detail)} |" for c in report.checks
    )
    return "\n".join(lines) + "\n"


def to_dict(report: VerifyReport) -> dict[str, Any]:
    latency = report.latency
    return {
        "schema": SCHEMA,
        "verdict": VERDICT_CODES[report.exit_code],
        "exit_code": report.exit_code,
        "url": report.url,
        "expect_version": report.expect_version,
        "policy": report.policy_source,
        "service_version": report.service_version,
        "checks": [
            {"check": c.name, "result": c.result, "detail": c.detail} for c in report.checks
        ],
        "latency": None
        if latency is None
        else {
            "request": latency.request,
            "requests": latency.count,
            "p50_ms": round(latency.p50_ms, 3),
            "p95_ms": round(latency.p95_ms, 3),
            "max_ms": round(latency.max_ms, 3),
            "budget_p95_ms": latency.budget_ms,
            "percentiles": "nearest-rank",
        },
    }


def to_json(report: VerifyReport) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def error_json(message: str, url: str | None) -> str:
    """What a machine finds in place of the report when verify could not check."""
    document = {
        "schema": SCHEMA,
        "verdict": VERDICT_CODES[COULD_NOT_CHECK],
        "exit_code": COULD_NOT_CHECK,
        "url": url,
        "error": message,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _context(report: VerifyReport, separator: str) -> str:
    parts = [f"service: {report.url}"]
    if report.expect_version is not None:
        parts.append(f"expected version: {report.expect_version}")
    parts.append(f"policy: {report.policy_source}")
    return separator.join(parts)


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def _cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|")
