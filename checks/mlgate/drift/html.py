"""A self-contained HTML drift report: inline CSS and SVG, no script, no CDN; opens offline.

Per column, the reference and the window drawn on the same axes (numeric: density on the
reference's quantile bins; categories: shares side by side), under the table of method,
score, threshold and verdict, drifted columns first.
"""

from __future__ import annotations

import html
import itertools
from typing import Any

from .judge import ColumnResult, DriftResult
from .report import HEADLINE, ordered, rule_text, summary_line
from .report import number as fmt

WIDTH, HEIGHT, PAD = 420, 140, 4
MAX_CATEGORIES_SHOWN = 20
STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}
th{background:#f4f4f4;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.DRIFT,.MISSING{color:#b00020;font-weight:600}.OK{color:#1b7f3b}.UNMEASURED{color:#8a6d00}
.col{display:inline-block;vertical-align:top;margin:0 1.5em 1.5em 0}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
svg{background:#fafafa;border:1px solid #ddd}
"""


def _shares(counts: list[float]) -> list[float]:
    total = float(sum(counts))
    return [c / total if total else 0.0 for c in counts]


def _bins_svg(hist: dict[str, Any]) -> str:
    edges = hist["edges"]
    low, high = edges[0], edges[-1]
    span = (high - low) or 1.0
    ref = _shares(hist["reference"])
    cur = _shares([*hist["current"]])
    widths = [max(b - a, span * 1e-9) for a, b in itertools.pairwise(edges)]
    ref_density = [s / w for s, w in zip(ref, widths, strict=True)]
    cur_density = [s / w for s, w in zip(cur, widths, strict=True)]
    top = max([*ref_density, *cur_density, 1e-12])

    def x(value: float) -> float:
        return PAD + (value - low) / span * (WIDTH - 2 * PAD)

    def y(value: float) -> float:
        return HEIGHT - PAD - value / top * (HEIGHT - 2 * PAD)

    bars = "".join(
        f'<rect x="{x(a):.1f}" y="{y(d):.1f}" width="{max(x(b) - x(a), 0.5):.1f}" '
        f'height="{HEIGHT - PAD - y(d):.1f}" fill="#9aa5b1"/>'
        for a, b, d in zip(edges[:-1], edges[1:], ref_density, strict=True)
    )
    points = []
    for a, b, d in zip(edges[:-1], edges[1:], cur_density, strict=True):
        points += [f"{x(a):.1f},{y(d):.1f}", f"{x(b):.1f},{y(d):.1f}"]
    line = f'<polyline fill="none" stroke="#d1495b" stroke-width="2" points="{" ".join(points)}"/>'
    outside = hist.get("below", 0) + hist.get("above", 0)
    caption = f"{fmt(low)} … {fmt(high)}"
    if outside:
        caption += f"; {outside} window values outside the reference's range"
    return _svg(bars + line, caption)


def _categories_svg(hist: dict[str, Any]) -> str:
    labels = hist["labels"][:MAX_CATEGORIES_SHOWN]
    ref = _shares(hist["reference"])[: len(labels)]
    cur = _shares(hist["current"])[: len(labels)]
    if not labels:
        return _svg("", "no categories")
    top = max([*ref, *cur, 1e-12])
    slot = (WIDTH - 2 * PAD) / len(labels)
    parts = []
    for index, (label, r, c) in enumerate(zip(labels, ref, cur, strict=True)):
        left = PAD + index * slot
        for offset, share, color in ((0.1, r, "#9aa5b1"), (0.5, c, "#d1495b")):
            height = share / top * (HEIGHT - 2 * PAD - 12)
            parts.append(
                f'<rect x="{left + offset * slot:.1f}" y="{HEIGHT - PAD - 12 - height:.1f}" '
                f'width="{slot * 0.4:.1f}" height="{height:.1f}" fill="{color}">'
                f"<title>{html.escape(label)}: reference {r:.1%}, window {c:.1%}</title></rect>"
            )
        parts.append(
            f'<text x="{left + slot / 2:.1f}" y="{HEIGHT - 2}" font-size="9" '
            f'text-anchor="middle">{html.escape(label[:10])}</text>'
        )
    hidden = len(hist["labels"]) - len(labels)
    noun = "category" if hidden == 1 else "categories"
    caption = f"{hidden} more {noun} not drawn" if hidden > 0 else "shares per category"
    return _svg("".join(parts), caption)


def _svg(body: str, caption: str) -> str:
    return (
        f'<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">'
        f"{body}</svg><div><small>{html.escape(caption)}</small></div>"
    )


def _column_block(column: ColumnResult) -> str:
    title = (
        f"<b>{html.escape(column.name)}</b> — {column.method or '—'} {fmt(column.score)} "
        f'<span class="{column.verdict.value}">{column.verdict.value}</span>'
    )
    if column.histogram is None:
        figure = f"<p>{html.escape('; '.join(column.reasons) or 'not drawn')}</p>"
    elif column.histogram["type"] == "bins":
        figure = _bins_svg(column.histogram)
    else:
        figure = _categories_svg(column.histogram)
    return f'<div class="col"><div>{title}</div>{figure}</div>'


def render(result: DriftResult) -> str:
    columns = ordered(result)
    rows = "".join(
        "<tr>"
        f"<td>{html.escape(c.name)}</td><td>{c.kind}</td><td>{c.method or '—'}</td>"
        f'<td class="num">{fmt(c.score)}</td><td>{html.escape(rule_text(c))}</td>'
        f'<td class="{c.verdict.value}">{c.verdict.value}</td>'
        f"<td>{html.escape('; '.join(c.reasons))}</td></tr>"
        for c in columns
    )
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in result.notes)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>mlgate drift report</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>Drift: {html.escape(HEADLINE[result.exit_code])}</h1>"
        f"<p>{html.escape(summary_line(result))}. Reference {result.reference_rows} rows, "
        f"window {result.current_rows} rows.</p>"
        "<table><tr><th>column</th><th>kind</th><th>method</th><th>score</th>"
        f"<th>drift when</th><th>verdict</th><th>notes</th></tr>{rows}</table>"
        f"{f'<ul>{notes}</ul>' if notes else ''}"
        '<p class="legend"><span style="background:#9aa5b1"></span>reference'
        '<span style="background:#d1495b"></span>window</p>'
        + "".join(_column_block(c) for c in columns)
        + "</body></html>\n"
    )
