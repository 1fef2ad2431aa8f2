"""Small wording helpers shared by messages: a person should see what was found and what to type.

Every command names a wrong value the same way ("the text 'high'", "the boolean true", "a
list"), whether it came from mlgate.yaml, a command line option or a service's JSON answer.
"""

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


def describe(value: object, *, mapping: str = "a mapping") -> str:
    """How a wrong value is named: "the text 'high'", "the number 3", "a list", "null".

    `mapping` names a dict: "a mapping" in YAML, "an object" in a JSON answer.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {value[:60]!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return mapping
    return f"a {type(value).__name__}"


def shown(value: object) -> str:
    """A value as written: text quoted, a number bare ('nan' the text, nan the number)."""
    return repr(value) if isinstance(value, str) else str(value)
