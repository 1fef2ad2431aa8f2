"""`mlgate drift`: read the policy and the profile, stream the window, report everywhere asked."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import step_summary
from .columnar import check_inputs
from .drift_policy import load_drift_policy
from .errors import CouldNotCheck
from .profile import load_profile
from .textfile import write_text


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
) -> int:
    from .drift import check_window
    from .drift_report import RENDERERS, to_json, to_markdown

    policy = load_drift_policy(config)
    profile = load_profile(reference or policy.reference)
    sources = list(current) or ([policy.current["path"]] if "path" in policy.current else [])
    if not sources:
        raise CouldNotCheck("no current window: pass --current DATA or set drift.current.path")
    paths = check_inputs(sources)
    progress = progress_printer(paths)
    try:
        result = check_window(paths, profile, policy, progress=progress)
    finally:
        if progress is not None:
            sys.stderr.write("\r\033[K")  # clear the bar's line
    sys.stdout.write(RENDERERS[fmt](result))
    if json_path:
        write_text(json_path, to_json(result))
    if report_path:
        from .drift_html import render

        write_text(report_path, render(result))
    step_summary.append(to_markdown(result))
    return result.exit_code
