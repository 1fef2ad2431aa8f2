"""Sample drift windows: a clean and a drifted request log, so both outcomes can be seen.

`python -m <module>.windows` writes logs/clean.jsonl (held-out test rows, as the service
would log them) and logs/drifted.jsonl (the same rows with numeric features shifted by two
standard deviations and the category mix turned around). Then:
`make drift WINDOW=logs/clean.jsonl` passes and `make drift WINDOW=logs/drifted.jsonl` fails.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .data import read_csv
from .params import load_params, run_stage

LOGS = Path("logs")
MODEL_VERSION = "sample"


def drifted(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Every numeric column moved by 2 std (whole numbers stay whole: a count or a year is not
    2008.34); every categorical column's rarest value first."""
    rng = np.random.default_rng(seed)
    result = frame.copy()
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column):
            result[name] = ~column.astype(bool)
        elif pd.api.types.is_numeric_dtype(column):
            spread = float(column.std()) or 1.0
            moved = column + 2 * spread + rng.normal(0, 0.1 * spread, len(column))
            if whole_numbers(column):
                moved = moved.round()
                if pd.api.types.is_integer_dtype(column):
                    moved = moved.astype(column.dtype)
            result[name] = moved
        else:
            rarest = column.value_counts().index[-1]
            result[name] = column.where(rng.random(len(column)) < 0.2, rarest)
    return result


def whole_numbers(column: pd.Series) -> bool:
    """Integers, or floats that are all whole (an integer column with gaps reads as float)."""
    if pd.api.types.is_integer_dtype(column):
        return True
    values = column.dropna()
    return len(values) > 0 and bool((values == values.round()).all())


def request_log(frame: pd.DataFrame, path: Path) -> Path:
    """One JSON object per request, shaped like the service's log: features under 'features'."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as log:
        for record in frame.to_dict(orient="records"):
            features = {k: (None if pd.isna(v) else v) for k, v in record.items()}
            line = {"model_version": MODEL_VERSION, "features": features}
            log.write(json.dumps(line, default=_plain) + "\n")
    return path


def _plain(value: object) -> object:
    """numpy scalars as Python numbers."""
    return value.item() if hasattr(value, "item") else str(value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=LOGS, help="folder for the two logs")
    args = parser.parse_args(argv)
    params = load_params()
    features = read_csv(params["split"]["test"]).drop(columns=[params["data"]["target"]])
    clean = request_log(features, args.out / "clean.jsonl")
    moved = request_log(drifted(features, params.get("seed", 0)), args.out / "drifted.jsonl")
    print(f"wrote {clean} and {moved} ({len(features)} requests each)")


if __name__ == "__main__":
    run_stage(main)
