"""Small wording helpers shared by error messages: a person should see what to type instead."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, options: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when one option is close to `name`, else ''."""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def listing(options: Iterable[str], limit: int = 12) -> str:
    """A short, sorted, comma-separated list; long lists end with how many were left out."""
    items = sorted(options)
    if not items:
        return "none"
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown}, … ({len(items) - limit} more)"
