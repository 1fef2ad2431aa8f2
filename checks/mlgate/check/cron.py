"""Validate the 5-field cron expressions GitHub's `schedule:` accepts (POSIX cron, UTC).

The standard library only: the template's pre-generation hook runs this same file (through
the symlink hooks/cron.py) to check the drift_schedule answer, and a hook can import nothing
from mlgate, which plain `cookiecutter` users need not have installed.
"""

from __future__ import annotations

import re

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {name: number for number, name in enumerate(MONTHS, start=1)}),
    ("day of week", 0, 6, {name: number for number, name in enumerate(DAYS)}),
)


def cron_problem(expression: object) -> str:
    """Why a schedule is not a valid cron expression; empty when it is."""
    if not isinstance(expression, str):
        return f"a cron must be a string, not {type(expression).__name__}"
    parts = expression.split()
    if len(parts) != 5:
        return f"{expression!r} has {len(parts)} fields; cron needs 5"
    for text, (name, low, high, names) in zip(parts, FIELDS, strict=True):
        for item in text.split(","):
            problem = _item_problem(item, low, high, names)
            if problem:
                return f"{expression!r}: {name} {problem}"
    return ""


def _item_problem(item: str, low: int, high: int, names: dict[str, int]) -> str:
    base, _, step = item.partition("/")
    if step and (not step.isdigit() or int(step) == 0):
        return f"step {step!r} is not a positive number"
    if base == "*":
        return ""
    bounds = base.split("-")
    if len(bounds) > 2 or not all(bounds):
        return f"{item!r} is not a value or range"
    values = []
    for bound in bounds:
        value = names.get(bound.upper()) if not re.fullmatch(r"\d+", bound) else int(bound)
        if value is None:
            example = f" or a name such as {next(iter(names))}" if names else ""
            return f"{bound!r} is not a number{example}"
        if not low <= value <= high:
            return f"{bound!r} is outside {low}-{high}"
        values.append(value)
    if len(values) == 2 and values[0] > values[1]:
        return f"range {item!r} runs backwards"
    return ""
