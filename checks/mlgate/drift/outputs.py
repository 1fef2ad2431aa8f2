"""Prediction drift: the model's answers, profiled on the held-out split and judged in production.

Inputs can move without the answers moving (a feature the model hardly uses), and the answers
can move while no single input drifts far enough to say so. So the profile stage also
summarises what the model answered on the held-out split (the evaluate stage's
models/held_out.jsonl: a line per test row with its prediction, its class probabilities and
the real outcome): the predicted class shares or predicted values, and a classifier's
confidence (its highest class probability). `mlgate drift` compares the outputs the service
logged with them as a section of its own, with the same methods as the inputs.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..errors import CouldNotCheck
from ..io.columnar import OUTPUT_COLUMNS, highest, json_text
from ..io.held_out import read_held_out
from .profile import ProfileSettings, column_problem, profile_categories, summarise_numbers

TASKS = ("classification", "regression")
MIN_ROWS = 30  # fewer held-out outputs than this describe nothing


def profile_outputs(
    path: str | Path, task: str, settings: ProfileSettings
) -> dict[str, Any] | None:
    """The outputs section of a profile: predictions (classes as categories, values as numbers)
    and, for a classifier that gave probabilities, its confidence. None, said why, for a
    held-out split too small to describe the answers (the inputs are profiled all the same)."""
    import numpy as np
    import pyarrow as pa

    if task not in TASKS:
        raise CouldNotCheck(f"the model's schema has task {task!r}; outputs need one of {TASKS}")
    predictions, confidences = _read(Path(path), task)
    if len(predictions) < MIN_ROWS:
        return None
    rng = np.random.default_rng([settings.seed, 1 << 20])  # apart from every input column's
    columns: dict[str, Any] = {}
    if task == "classification":
        texts = pa.chunked_array([pa.array(predictions, pa.string())])
        columns["prediction"] = profile_categories(texts, "categorical", settings)
    else:
        columns["prediction"] = summarise_numbers(
            np.asarray(predictions, float), "numeric", settings, rng
        )
    known = [c for c in confidences if c is not None]
    if known:
        values = np.asarray([np.nan if c is None else c for c in confidences], float)
        columns["confidence"] = summarise_numbers(values, "numeric", settings, rng)
    return {"task": task, "rows": len(predictions), "source": Path(path).name,
            "columns": columns}  # fmt: skip


def _read(path: Path, task: str) -> tuple[list[Any], list[float | None]]:
    held = read_held_out(path, with_outcomes=False)
    predictions: list[Any] = []
    for number, value in enumerate(held.predictions, start=1):
        if task == "classification":
            if value is None or isinstance(value, dict | list):
                raise CouldNotCheck(f"{path}:{number}: {value!r} is not a class")
            predictions.append(json_text(value))
        else:
            if type(value) not in (int, float) or not math.isfinite(value):
                raise CouldNotCheck(f"{path}:{number}: prediction {value!r} is not a finite number")
            predictions.append(float(value))
    return predictions, [highest(row) for row in held.probabilities]


def outputs_problem(section: Any) -> str | None:
    """What is wrong with a profile's outputs section, in words; None when it is usable."""
    if not isinstance(section, dict) or section.get("task") not in TASKS:
        return f"needs a 'task' ({' or '.join(TASKS)})"
    rows = section.get("rows")
    if type(rows) is not int or rows < 1:
        return "needs 'rows', a positive count"
    columns = section.get("columns")
    if not isinstance(columns, dict) or "prediction" not in columns:
        return "needs its 'prediction' column"
    unknown = sorted(set(columns) - set(OUTPUT_COLUMNS))
    if unknown:
        return f"has columns outputs do not have: {', '.join(unknown)}"
    for name, spec in columns.items():
        problem = column_problem(spec)
        if problem:
            return f"column {name!r} {problem}"
    return None
