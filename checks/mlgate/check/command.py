"""`mlgate check [PATH]`: run the rules, print the chosen format, exit 0 / 1 / 2."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .. import step_summary
from ..textfile import write_text
from .model import Severity
from .report import FORMATS, as_markdown
from .runner import run_checks


def split_codes(values: Sequence[str] | None) -> list[str]:
    """`--select A,B --select C` -> [A, B, C] (also for --ignore and --require)."""
    return [code.strip() for value in values or [] for code in value.split(",") if code.strip()]


def run_check(
    path: str,
    *,
    fmt: str,
    fail_on: str,
    select: Sequence[str] | None,
    ignore: Sequence[str] | None,
    output: str | None,
    require: Sequence[str] | None = None,
    sarif: str | None = None,
) -> int:
    threshold = Severity.parse(fail_on)
    report = run_checks(
        Path(path),
        select=split_codes(select),
        ignore=split_codes(ignore),
        require=[part.lower() for part in split_codes(require)],
    )
    if sarif:
        write_text(sarif, FORMATS["sarif"](report, threshold))
    text = FORMATS[fmt](report, threshold)
    if output:
        write_text(output, text)
    else:
        print(text, end="")
    step_summary.append(as_markdown(report, threshold))
    return report.exit_code(threshold)
