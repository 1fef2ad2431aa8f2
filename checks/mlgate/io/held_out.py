"""A model's answers on its held-out split, and class probabilities as the service logs them.

A generated project's evaluate stage writes models/held_out.jsonl: one line per test row with
its `prediction`, the classifier's `probabilities` ({"0": 0.2, "1": 0.8}, keyed by the class
as text, as the service logs them) and the real `outcome`. Prediction drift profiles the
predictions; the label-free estimate calibrates on all three. One reader, and one rule for a
usable row of probabilities, so the profile, the estimate and the drift window agree on
which rows count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CouldNotCheck
from .textfile import json_lines


def probability_row(row: Any) -> dict[str, float] | None:
    """The row when it gives a finite number (not a bool, not text) for each class; else None."""
    if not isinstance(row, dict) or not row:
        return None
    for value in row.values():
        if type(value) not in (int, float) or not math.isfinite(value):
            return None
    return row


@dataclass
class HeldOut:
    predictions: list[Any] = field(default_factory=list)
    probabilities: list[dict[str, float] | None] = field(default_factory=list)  # None: not given
    outcomes: list[Any] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.predictions)


def read_held_out(path: Path, *, with_outcomes: bool) -> HeldOut:
    """Every line of the file; a line without what it needs (or with probabilities that are
    not numbers) is an error naming it."""
    if not path.is_file():
        raise CouldNotCheck(f"{path}: no held-out outputs (the evaluate stage writes them)")
    found = HeldOut()
    needs = "a prediction and an outcome" if with_outcomes else "a prediction"
    for number, _, line in json_lines(path):
        where = f"{path}:{number}"
        if not isinstance(line, dict) or "prediction" not in line:
            raise CouldNotCheck(f"{where}: each held-out line needs {needs}")
        if with_outcomes and "outcome" not in line:
            raise CouldNotCheck(f"{where}: each held-out line needs {needs}")
        given = line.get("probabilities")
        row = probability_row(given)
        if given is not None and row is None:
            raise CouldNotCheck(f"{where}: probabilities must be a finite number per class, "
                                f"not {given!r:.80}")  # fmt: skip
        found.predictions.append(line["prediction"])
        found.probabilities.append(row)
        found.outcomes.append(line.get("outcome"))
    return found
