"""The drift verdict as a terminal table, Markdown (job summary, drift issue) and JSON.

Drifted and missing columns come first, so the reader sees what moved before what did not.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..errors import COULD_NOT_CHECK, FAIL
from ..policy import METHODS
from .judge import ColumnResult, ColumnVerdict, DriftResult

SCHEMA = "mlgate.drift/1"
ORDER = {
    ColumnVerdict.MISSING: 0,
    ColumnVerdict.DRIFT: 1,
    ColumnVerdict.UNMEASURED: 2,
    ColumnVerdict.OK: 3,
    ColumnVerdict.IGNORED: 4,
}
HEADLINE = {0: "no drift", FAIL: "DRIFT", COULD_NOT_CHECK: "could not check"}
VERDICT_CODES = {0: "no_drift", FAIL: "drift", COULD_NOT_CHECK: "could_not_check"}
MARKS = {0: "✅", FAIL: "❌", COULD_NOT_CHECK: "⚠️"}
COLUMNS = ("column", "kind", "method", "score", "threshold", "verdict", "notes")


def ordered(columns: list[ColumnResult]) -> list[ColumnResult]:
    return sorted(columns, key=lambda c: (ORDER[c.verdict], c.name))


def number(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0"
    if abs(value) < 1e-4:
        return f"{value:.2e}"
    return f"{value:.4f}"


def rule_text(column: ColumnResult) -> str:
    if column.method is None or column.threshold is None:
        return "—"
    below = METHODS[column.method][1]
    return f"{'<' if below else '>='} {number(column.threshold)}"


def summary_line(result: DriftResult) -> str:
    share = result.share
    drifted = sum(c.drifted for c in result.judged)
    if share is None:
        return "no column could be judged"
    return (
        f"{drifted} of {len(result.judged)} columns drifted ({share:.0%}); the data set "
        f"drifts at {result.drift_share:.0%}"
    )


def outputs_line(result: DriftResult) -> str:
    """The prediction-drift section's headline."""
    if result.outputs_note:
        return f"predictions: not compared ({result.outputs_note})"
    drifted = [c.name for c in result.outputs if c.drifted]
    judged = [c for c in result.outputs if c.verdict in (ColumnVerdict.OK, ColumnVerdict.DRIFT)]
    verdict = (f"DRIFT in {', '.join(drifted)}" if drifted else "no drift" if judged
               else "could not be judged")  # fmt: skip
    return f"predictions: {verdict} (against {result.reference_outputs} held-out predictions)"


def _rows(columns: list[ColumnResult]) -> list[tuple[str, ...]]:
    return [
        (c.name, c.kind, c.method or "—", number(c.score), rule_text(c), c.verdict.value,
         "; ".join(c.reasons))
        for c in ordered(columns)
    ]  # fmt: skip


def _text_table(columns: list[ColumnResult]) -> list[str]:
    lines = []
    rows = [COLUMNS, *_rows(columns)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS) - 1)]
    for index, row in enumerate(rows):
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append(("  ".join(cells) + "  " + row[-1]).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  -----")
    return lines


def to_text(result: DriftResult) -> str:
    code = result.exit_code
    lines = [
        f"mlgate drift: {HEADLINE[code].upper()}",
        f"reference: {result.reference_rows} rows; window: {result.current_rows} rows",
        summary_line(result),
        "",
        *_text_table(result.columns),
    ]
    lines.extend(f"note: {note}" for note in result.notes)
    lines.extend(["", outputs_line(result)])
    if result.outputs:
        lines.extend(_text_table(result.outputs))
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(result: DriftResult) -> str:
    code = result.exit_code
    lines = [
        f"### {MARKS[code]} mlgate drift: {HEADLINE[code]}",
        "",
        f"{summary_line(result)} · reference {result.reference_rows} rows · window "
        f"{result.current_rows} rows",
        "",
        *_markdown_table(result.columns),
    ]
    if result.notes:
        lines.append("")
        lines.extend(f"- {_cell(note)}" for note in result.notes)
    lines.extend(["", f"#### {_cell(outputs_line(result))}"])
    if result.outputs:
        lines.extend(["", *_markdown_table(result.outputs)])
    return "\n".join(lines) + "\n"


def _markdown_table(columns: list[ColumnResult]) -> list[str]:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|---|---|---|---:|---|---|---|"]
    for row in _rows(columns):
        cells = [f"`{_cell(row[0])}`", *(_cell(cell) for cell in row[1:])]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def to_dict(result: DriftResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "verdict": VERDICT_CODES[result.exit_code],
        "exit_code": result.exit_code,
        "dataset": {
            "drift_share": result.drift_share,
            "share_drifted": result.share,
            "reference_rows": result.reference_rows,
            "current_rows": result.current_rows,
        },
        "columns": [_column_dict(c) for c in ordered(result.columns)],
        "new_columns": result.new_columns,
        "notes": result.notes,
        "outputs": {
            "compared": result.outputs_note is None,
            "drifted": result.outputs_drifted,
            "reference_rows": result.reference_outputs,
            "note": result.outputs_note,
            "columns": [_column_dict(c) for c in ordered(result.outputs)],
        },
    }


def _column_dict(c: ColumnResult) -> dict[str, Any]:
    return {
        "column": c.name,
        "kind": c.kind,
        "method": c.method,
        "score": _finite(c.score),
        "threshold": c.threshold,
        "verdict": c.verdict.value,
        "drifted": c.drifted,
        "reasons": c.reasons,
        "reference_count": c.reference_count,
        "current_count": c.current_count,
        "null_share_reference": c.null_share_reference,
        "null_share_current": c.null_share_current,
    }


def to_json(result: DriftResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


RENDERERS = {"text": to_text, "md": to_markdown, "json": to_json}
