"""`mlgate check [PATH]`: run the rules, print the chosen format, exit 0 / 1 / 2."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from ..io import step_summary
from ..io.textfile import write_text
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "First says which parts of the standard the repository has adopted (dvc, gx, gate, gha, "
        "docker, deploy, drift, monitor, template, owners, updates), then runs mlgate's rules on "
        "those parts, with zizmor and hadolint. A part not adopted fails nothing unless it is "
        "required (--require, or check.require in mlgate.yaml). Ignores live in mlgate.yaml "
        "check.ignore, each with a reason. Rules: https://github.com/mlgate/mlgate/blob/main/docs/rules.md"
    )
    parser.epilog = (
        "Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 could not check (a tool "
        "missing or crashed)."
    )
    parser.add_argument("path", nargs="?", default=".", help="repository root (default: .)")
    parser.add_argument(
        "--format", choices=["text", "json", "sarif", "github", "md"], default="text"
    )
    parser.add_argument(
        "--fail-on",
        choices=["error", "warning", "info"],
        default="warning",
        help="lowest severity that fails the check (default: warning)",
    )
    parser.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="only these rules or families (comma-separated; repeatable)",
    )
    parser.add_argument(
        "--ignore", action="append", metavar="CODES",
        help="skip these rules, families or tool findings",
    )  # fmt: skip
    parser.add_argument(
        "--require",
        action="append",
        metavar="PARTS",
        help="parts that must be adopted, e.g. dvc,gate,docker (or all; repeatable)",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report here")
    parser.add_argument(
        "--sarif", metavar="FILE", help="also write SARIF here (for code scanning upload)"
    )


def run(args: argparse.Namespace) -> int:
    return run_check(
        args.path, fmt=args.format, fail_on=args.fail_on, select=args.select,
        ignore=args.ignore, require=args.require, output=args.output, sarif=args.sarif,
    )  # fmt: skip
