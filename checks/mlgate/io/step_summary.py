"""Append Markdown to the GitHub Actions job summary, and write step outputs, when running there.

The summary is where a reader of a workflow run sees the verdict, so every command that judges
something writes its Markdown there, including the reason when it could not judge at all.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping


def append(markdown: str) -> None:
    """Append to `$GITHUB_STEP_SUMMARY`; a failure to write is a warning, not a new verdict."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(markdown if markdown.endswith("\n") else markdown + "\n")
    except OSError as exc:
        print(f"warning: could not write the job summary {path}: {exc.strerror}", file=sys.stderr)


def could_not_check(command: str, message: str) -> None:
    """The summary entry for a command that could not reach a verdict."""
    append(f"### ⚠️ mlgate {command}: could not check\n\n{message}\n")


def write_step_outputs(values: Mapping[str, object]) -> None:
    """Step outputs for the workflow (`steps.<id>.outputs.<key>`); a warning if unwritable."""
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as output:
            output.write("".join(f"{key}={value}\n" for key, value in values.items()))
    except OSError as exc:
        print(f"warning: could not write step outputs to {path}: {exc.strerror}", file=sys.stderr)
