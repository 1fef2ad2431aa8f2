"""Sample drift windows: a clean and a drifted request log, so both outcomes can be seen.

`python -m <module>.windows` writes logs/clean.jsonl (held-out test rows, as the service
would log them, with the trained model's predictions) and logs/drifted.jsonl (the same rows
with numeric features shifted by two standard deviations, the category mix turned around,
dates three years later and text in words the training data never had, and what the model
predicts for them). Then:
`make drift WINDOW=logs/clean.jsonl` passes and `make drift WINDOW=logs/drifted.jsonl` fails.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from .data import read_csv
from .features import parse_dates
from .params import load_params, run_stage

LOGS = Path("logs")
MODEL_VERSION = "sample"


def drifted(
    frame: pd.DataFrame, seed: int = 0, kinds: dict[str, dict[str, Any]] | None = None
) -> pd.DataFrame:
    """Every numeric column moved by 2 std (whole numbers stay whole: a count or a year is not
    2008.34); every categorical column's rarest value first; by the model's schema (`kinds`),
    dates three years later in their own format, and text spelled backwards (new words)."""
    rng = np.random.default_rng(seed)
    result = frame.copy()
    kinds = kinds or {}
    for name in frame.columns:
        column = frame[name]
        kind = kinds.get(str(name), {}).get("kind")
        if kind == "datetime":
            date_format = kinds[str(name)].get("format")
            later = parse_dates(column, date_format) + pd.DateOffset(years=3)
            text = later.dt.strftime(date_format) if date_format else later.dt.date.astype(str)
            result[name] = text.where(later.notna(), None)
        elif kind == "text":
            result[name] = column.map(lambda v: v[::-1] if isinstance(v, str) else v)
        elif pd.api.types.is_bool_dtype(column):
            result[name] = ~column.astype(bool)
        elif pd.api.types.is_numeric_dtype(column) and kind != "categorical":  # not codes
            spread = float(column.std()) or 1.0
            moved = column + 2 * spread + rng.normal(0, 0.1 * spread, len(column))
            if whole_numbers(column):
                moved = moved.round()
                if pd.api.types.is_integer_dtype(column):
                    moved = moved.astype(column.dtype)
            result[name] = moved
        elif column.notna().any():
            rarest = column.value_counts().index[-1]
            result[name] = column.where(rng.random(len(column)) < 0.2, rarest)
    return result


def whole_numbers(column: pd.Series) -> bool:
    """Integers, or floats that are all whole (an integer column with gaps reads as float)."""
    if pd.api.types.is_integer_dtype(column):
        return True
    values = column.dropna()
    return len(values) > 0 and bool((values == values.round()).all())


Answers = tuple[list[Any], list[dict[str, float]] | None]


def request_log(frame: pd.DataFrame, path: Path, answers: Answers | None = None) -> Path:
    """One JSON object per request, shaped like the service's log: features under 'features',
    and the model's predictions (and class probabilities) when there is a model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as log:
        for index, record in enumerate(frame.to_dict(orient="records")):
            features = {k: (None if pd.isna(v) else v) for k, v in record.items()}
            line: dict[str, Any] = {"model_version": MODEL_VERSION, "features": features}
            if answers is not None:
                predictions, probabilities = answers
                line["predictions"] = [predictions[index]]
                if probabilities is not None:
                    line["probabilities"] = [probabilities[index]]
            log.write(json.dumps(line, default=_plain) + "\n")
    return path


def model_answers(models: Path, frame: pd.DataFrame) -> Answers | None:
    """What the trained model predicts for these rows, as the service logs it (None before
    training): prediction drift needs the answers, not only the inputs."""
    path = models / "model.joblib"
    if not path.exists():
        return None
    model = joblib.load(path)
    predictions = [_plain(value) for value in model.predict(frame)]
    if not hasattr(model, "predict_proba"):
        return predictions, None
    keys = [str(_plain(cls)) for cls in model.classes_]
    rows = model.predict_proba(frame).tolist()
    return predictions, [dict(zip(keys, row, strict=True)) for row in rows]


def _plain(value: object) -> object:
    """numpy scalars as Python numbers."""
    return value.item() if hasattr(value, "item") else str(value)


def model_kinds(models: Path) -> dict[str, dict[str, Any]]:
    """The trained model's features by name (kind, date format), from models/schema.json."""
    try:
        schema = json.loads((models / "schema.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}  # before training: numbers and categories are told apart by dtype
    return {str(f["name"]): f for f in schema.get("features", [])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=LOGS, help="folder for the two logs")
    parser.add_argument("--models", type=Path, default=Path("models"), help="the model's folder")
    args = parser.parse_args(argv)
    params = load_params()
    features = read_csv(params["split"]["test"]).drop(columns=[params["data"]["target"]])
    clean = request_log(features, args.out / "clean.jsonl", model_answers(args.models, features))
    moved_rows = drifted(features, params.get("seed", 0), model_kinds(args.models))
    moved = request_log(
        moved_rows, args.out / "drifted.jsonl", model_answers(args.models, moved_rows)
    )
    print(f"wrote {clean} and {moved} ({len(features)} requests each)")


if __name__ == "__main__":
    run_stage(main)
