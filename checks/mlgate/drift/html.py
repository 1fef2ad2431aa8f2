"""A self-contained HTML drift report: inline CSS and SVG, no script, no CDN; opens offline.

Per column, the reference and the window drawn on the same axes, under the table of method,
score, threshold and verdict, drifted columns first. Numbers: densities on 20 equal-width
bins spanning the reference (its 100 quantile bins, redistributed: drawn as they are they
are spikes on small data), the reference as bars, the window as a line, with the range on
the axis (dates as dates, text as words per value). Categories: the 20 categories whose
shares moved most, side by side, a category the reference never had marked as new. Each
chart has its own legend, and each score says what it is (a p-value or a distance).
"""

from __future__ import annotations

import html
import itertools
from typing import Any

from ..io.dates import date_of_day
from .judge import ColumnResult, DriftResult
from .report import HEADLINE, ordered, outputs_line, rule_text, summary_line
from .report import number as fmt

WIDTH, HEIGHT, PAD = 420, 160, 4
AXIS = 16  # room under a numeric chart for its axis labels
LABELS = 52  # room under a category chart for its slanted labels
DISPLAY_BINS = 20
MAX_CATEGORIES_SHOWN = 20
REFERENCE_COLOUR, WINDOW_COLOUR = "#9aa5b1", "#d1495b"
SCORE_NAMES = {
    "ks": "KS p-value",
    "chisquare": "chi-square p-value",
    "ztest": "z-test p-value",
    "wasserstein": "Wasserstein distance (in std)",
    "jensenshannon": "Jensen-Shannon distance",
    "psi": "PSI",
}
STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}
th{background:#f4f4f4;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.DRIFT,.MISSING{color:#b00020;font-weight:600}.OK{color:#1b7f3b}.UNMEASURED{color:#8a6d00}
.col{display:inline-block;vertical-align:top;margin:0 1.5em 1.5em 0}
svg{background:#fafafa;border:1px solid #ddd}
"""


def _shares(counts: list[float]) -> list[float]:
    total = float(sum(counts))
    return [c / total if total else 0.0 for c in counts]


def display_counts(edges: list[float], counts: list[float], bins: int) -> list[float]:
    """Counts on `edges` spread over `bins` equal-width bins of the same range, each by its
    overlap (a bin of zero width goes where its value is): the same mass, a smoother shape."""
    low, high = edges[0], edges[-1]
    span = (high - low) or 1.0
    width = span / bins
    result = [0.0] * bins
    for (left, right), count in zip(itertools.pairwise(edges), counts, strict=True):
        if not count:
            continue
        if right <= left:
            result[min(int((left - low) / width), bins - 1)] += count
            continue
        first, last = int((left - low) / width), min(int((right - low) / width), bins - 1)
        for index in range(first, last + 1):
            overlap = min(right, low + (index + 1) * width) - max(left, low + index * width)
            result[index] += count * max(overlap, 0.0) / (right - left)
    return result


def axis_label(value: float, kind: str) -> str:
    if kind == "datetime":
        return date_of_day(value)
    return f"{value:.6g}"


def _legend() -> str:
    """Reference as a bar, the window as a line: in every chart, top right."""
    right = WIDTH - PAD - 150
    return (
        f'<rect x="{right}" y="6" width="10" height="10" fill="{REFERENCE_COLOUR}"/>'
        f'<text x="{right + 14}" y="15" font-size="10">reference</text>'
        f'<line x1="{right + 72}" y1="11" x2="{right + 86}" y2="11" stroke="{WINDOW_COLOUR}" '
        f'stroke-width="3"/><text x="{right + 90}" y="15" font-size="10">window</text>'
    )


def _bins_svg(hist: dict[str, Any], kind: str) -> str:
    edges = hist["edges"]
    low, high = edges[0], edges[-1]
    bins = DISPLAY_BINS if high > low else 1
    ref = _shares(display_counts(edges, hist["reference"], bins))
    cur = _shares(display_counts(edges, [float(c) for c in hist["current"]], bins))
    top = max([*ref, *cur, 1e-12]) * 1.15  # room for the legend
    slot = (WIDTH - 2 * PAD) / bins
    bottom = HEIGHT - PAD - AXIS

    def y(value: float) -> float:
        return bottom - value / top * (bottom - PAD)

    bars = "".join(
        f'<rect x="{PAD + i * slot + 0.5:.1f}" y="{y(share):.1f}" width="{slot - 1:.1f}" '
        f'height="{bottom - y(share):.1f}" fill="{REFERENCE_COLOUR}"/>'
        for i, share in enumerate(ref)
    )
    points = []
    for i, share in enumerate(cur):
        points += [
            f"{PAD + i * slot:.1f},{y(share):.1f}",
            f"{PAD + (i + 1) * slot:.1f},{y(share):.1f}",
        ]
    line = (
        f'<polyline fill="none" stroke="{WINDOW_COLOUR}" stroke-width="2" '
        f'points="{" ".join(points)}"/>'
    )
    axis = (
        f'<text x="{PAD}" y="{HEIGHT - 4}" font-size="10">{html.escape(axis_label(low, kind))}'
        f'</text><text x="{WIDTH - PAD}" y="{HEIGHT - 4}" font-size="10" text-anchor="end">'
        f"{html.escape(axis_label(high, kind))}</text>"
    )
    unit = {"datetime": "dates", "text": "words per value"}.get(kind, "values")
    below, above = hist.get("below", 0), hist.get("above", 0)
    caption = f"share of {unit} per bin, over the reference's range"
    if below or above:
        caption += f"; window {unit} outside it: {below} below, {above} above"
    return _svg(bars + line + axis + _legend(), caption)


def _categories_svg(hist: dict[str, Any]) -> str:
    ref_all = _shares(hist["reference"])
    cur_all = _shares(hist["current"])
    labels_all = list(hist["labels"])[: len(ref_all)]
    if not labels_all:
        return _svg("", "no categories")
    moved = sorted(
        range(len(labels_all)), key=lambda i: (-abs(cur_all[i] - ref_all[i]), labels_all[i])
    )[:MAX_CATEGORIES_SHOWN]
    top = max([*(ref_all[i] for i in moved), *(cur_all[i] for i in moved), 1e-12]) * 1.15
    slot = (WIDTH - PAD - LABELS) / len(moved)  # room on the left for the first slanted label
    bottom = HEIGHT - PAD - LABELS
    parts = []
    for index, position in enumerate(moved):
        label, r, c = labels_all[position], ref_all[position], cur_all[position]
        shown = f"{label} (new)" if r == 0 and c > 0 else label
        left = LABELS + index * slot
        for offset, share, color in ((0.1, r, REFERENCE_COLOUR), (0.5, c, WINDOW_COLOUR)):
            height = share / top * (bottom - PAD)
            parts.append(
                f'<rect x="{left + offset * slot:.1f}" y="{bottom - height:.1f}" '
                f'width="{slot * 0.4:.1f}" height="{height:.1f}" fill="{color}">'
                f"<title>{html.escape(shown)}: reference {r:.1%}, window {c:.1%}</title></rect>"
            )
        x, y = left + slot / 2 + 3, bottom + 10
        parts.append(
            f'<text x="{x:.1f}" y="{y}" font-size="9" text-anchor="end" '
            f'transform="rotate(-40 {x:.1f} {y})">{html.escape(_short(shown))}</text>'
        )
    hidden = len(labels_all) - len(moved)
    noun = "category" if hidden == 1 else "categories"
    caption = "shares per category, the most moved first"
    if hidden > 0:
        caption += f"; {hidden} {noun} that moved less not drawn"
    return _svg("".join(parts) + _legend(), caption)


def _short(label: str, room: int = 16) -> str:
    return label if len(label) <= room else label[: room - 1] + "…"


def _svg(body: str, caption: str) -> str:
    return (
        f'<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">'
        f"{body}</svg><div><small>{html.escape(caption)}</small></div>"
    )


def score_text(column: ColumnResult) -> str:
    """'Jensen-Shannon distance 0.0824 (drift at >= 0.1000)': what the number is."""
    if column.method is None or column.score is None:
        return "not scored"
    name = SCORE_NAMES.get(column.method, column.method)
    return f"{name} {fmt(column.score)} (drift at {rule_text(column)})"


def _column_block(column: ColumnResult) -> str:
    title = (
        f"<b>{html.escape(column.name)}</b> ({column.kind}) — {html.escape(score_text(column))} "
        f'<span class="{column.verdict.value}">{column.verdict.value}</span>'
    )
    if column.histogram is None:
        figure = f"<p>{html.escape('; '.join(column.reasons) or 'not drawn')}</p>"
    elif column.histogram["type"] == "bins":
        figure = _bins_svg(column.histogram, column.kind)
    else:
        figure = _categories_svg(column.histogram)
    return f'<div class="col"><div>{title}</div>{figure}</div>'


def _table(columns: list[ColumnResult]) -> str:
    rows = "".join(
        "<tr>"
        f"<td>{html.escape(c.name)}</td><td>{c.kind}</td>"
        f"<td>{html.escape(SCORE_NAMES.get(c.method, '—') if c.method else '—')}</td>"
        f'<td class="num">{fmt(c.score)}</td><td class="num">{html.escape(rule_text(c))}</td>'
        f'<td class="{c.verdict.value}">{c.verdict.value}</td>'
        f"<td>{html.escape('; '.join(c.reasons))}</td></tr>"
        for c in columns
    )
    return (
        "<table><tr><th>column</th><th>kind</th><th>score is a</th><th>score</th>"
        f"<th>drift when</th><th>verdict</th><th>notes</th></tr>{rows}</table>"
    )


def render(result: DriftResult) -> str:
    columns, outputs = ordered(result.columns), ordered(result.outputs)
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in result.notes)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>mlgate drift report</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>Drift: {html.escape(HEADLINE[result.exit_code])}</h1>"
        f"<p>{html.escape(summary_line(result))}. Reference {result.reference_rows} rows, "
        f"window {result.current_rows} rows.</p>"
        f"{_table(columns)}"
        f"{f'<ul>{notes}</ul>' if notes else ''}"
        f"<h2>{html.escape(outputs_line(result))}</h2>"
        f"{_table(outputs) if outputs else ''}"
        "<p>p-values: lower is more different (drift below the threshold); distances and PSI:"
        " higher is more different (drift at or above it).</p>"
        + "".join(_column_block(c) for c in outputs + columns)
        + "</body></html>\n"
    )
