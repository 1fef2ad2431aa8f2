"""KEY=VALUE pairs from a command line (template answers for `mlgate new` and `mlgate update`)."""

from __future__ import annotations

from collections.abc import Iterable


def key_values(pairs: Iterable[str]) -> dict[str, str]:
    """{key: value}; the value may hold '=' and be empty. ValueError names a pair without a key."""
    found: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{pair!r} is not of the form key=value")
        found[key.strip()] = value
    return found
