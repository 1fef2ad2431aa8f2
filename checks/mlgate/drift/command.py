"""`mlgate drift`: read the policy and the profile, stream the window, report everywhere asked."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import CouldNotCheck
from ..io import step_summary
from ..io.columnar import check_inputs
from ..io.textfile import write_text
from ..policy import load_drift_policy
from .profile import load_profile


def progress_printer(paths: Sequence[Path]) -> Callable[[int], None] | None:
    """A one-line progress bar on a terminal; nothing in CI or when piped."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None
    total = sum(p.stat().st_size for p in paths) or 1

    def show(consumed: int) -> None:
        share = min(1.0, consumed / total)
        bar = "#" * int(share * 30)
        sys.stderr.write(f"\rreading the window [{bar:<30}] {share:4.0%}")
        sys.stderr.flush()

    return show


def run_drift(
    reference: str | None,
    current: Sequence[str],
    config: str | None,
    *,
    fmt: str = "text",
    json_path: str | None = None,
    report_path: str | None = None,
    engine: str | None = None,
) -> int:
    from ..policy import load_engine
    from .judge import check_window
    from .report import RENDERERS, to_json, to_markdown

    policy = load_drift_policy(config)
    settings = load_engine(config, engine)
    profile = load_profile(reference or policy.reference)
    sources = list(current) or ([policy.current["path"]] if "path" in policy.current else [])
    if not sources:
        raise CouldNotCheck("no current window: pass --current DATA or set drift.current.path")
    spark = settings.name == "spark"  # Spark reads folders and URIs the Arrow engine cannot
    paths: list[Path | str] = list(sources) if spark else list(check_inputs(sources))
    progress = None if spark else progress_printer([Path(p) for p in paths])
    try:
        result = check_window(paths, profile, policy, progress=progress, engine=settings)
    finally:
        if progress is not None:
            sys.stderr.write("\r\033[K")  # clear the bar's line
    sys.stdout.write(RENDERERS[fmt](result))
    if json_path:
        write_text(json_path, to_json(result))
    if report_path:
        from .html import render

        write_text(report_path, render(result))
    step_summary.append(to_markdown(result))
    return result.exit_code


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Per column a test or distance chosen as Evidently's DataDriftPreset does; the data set "
        "drifts when the share of drifted columns reaches drift_share."
    )
    parser.epilog = "Exit codes: 0 no drift, 1 drift, 2 could not check."
    parser.add_argument("--reference", help="profile JSON (default: drift.reference)")
    parser.add_argument(
        "--current",
        nargs="+",
        default=[],
        metavar="DATA",
        help="the window: CSV, Parquet, JSON lines or the service's request log",
    )
    parser.add_argument("--config", help="policy file (default: mlgate.yaml if present)")
    parser.add_argument("--format", choices=["text", "md", "json"], default="text")
    parser.add_argument("--json", metavar="FILE", help="also write the JSON report here")
    parser.add_argument("--report", metavar="FILE.html", help="write the HTML report here")
    from ..policy import add_engine_argument

    add_engine_argument(parser)


def run(args: argparse.Namespace) -> int:
    return run_drift(
        args.reference, args.current, args.config, fmt=args.format, json_path=args.json,
        report_path=args.report, engine=args.engine,
    )  # fmt: skip
