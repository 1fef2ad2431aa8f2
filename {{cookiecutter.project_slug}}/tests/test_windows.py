"""The sample drift windows: shaped like the service's request log, and really drifted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from project.windows import drifted, model_answers, request_log


def features(rows: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "size cm": rng.normal(10, 2, rows),
            "colour": rng.choice(["red", "green", "blue"], rows, p=[0.6, 0.3, 0.1]),
            "flag": rng.random(rows) < 0.3,
        }
    )


def test_drifted_moves_every_column() -> None:
    frame = features()
    moved = drifted(frame)
    assert moved["size cm"].mean() > frame["size cm"].mean() + 1.5 * frame["size cm"].std()
    assert (moved["colour"] == "blue").mean() > 0.5
    assert moved["flag"].mean() > 0.5
    assert list(moved.columns) == list(frame.columns)


def test_whole_numbers_stay_whole(tmp_path: Path) -> None:
    """A count stays an integer, a year with gaps stays whole: no 2008.34 in the window."""
    frame = features()
    frame["rooms"] = np.random.default_rng(2).integers(1, 6, len(frame))
    frame["built"] = np.random.default_rng(3).integers(1950, 2020, len(frame)).astype(float)
    frame.loc[::7, "built"] = np.nan
    moved = drifted(frame)
    assert pd.api.types.is_integer_dtype(moved["rooms"])
    assert moved["rooms"].mean() > frame["rooms"].mean() + 1.5 * frame["rooms"].std()
    built = moved["built"].dropna()
    assert (built == built.round()).all() and moved["built"].isna().sum() == frame.loc[::7].shape[0]
    assert not (moved["size cm"] == moved["size cm"].round()).all(), "floats keep their decimals"
    lines = request_log(moved, tmp_path / "drifted.jsonl").read_text().splitlines()
    assert isinstance(json.loads(lines[0])["features"]["rooms"], int)


def test_request_log_lines_carry_the_features(tmp_path: Path) -> None:
    frame = features(3)
    frame.loc[1, "size cm"] = np.nan
    path = request_log(frame, tmp_path / "logs" / "clean.jsonl")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 3
    assert set(lines[0]["features"]) == {"size cm", "colour", "flag"}
    assert lines[1]["features"]["size cm"] is None
    assert isinstance(lines[0]["features"]["flag"], bool)


def test_windows_carry_the_models_answers(tmp_path: Path) -> None:
    """With a trained model, each line has its prediction (and probabilities), as the service
    logs them: prediction drift compares those with the held-out answers."""
    import joblib
    from sklearn.linear_model import LogisticRegression

    frame = features()
    model = LogisticRegression().fit(frame[["size cm"]], frame["flag"])
    joblib.dump(model, tmp_path / "model.joblib")
    answers = model_answers(tmp_path, frame[["size cm"]])
    assert answers is not None
    path = request_log(frame[["size cm"]], tmp_path / "w.jsonl", answers)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["predictions"][0] for line in lines] == model.predict(frame[["size cm"]]).tolist()
    assert set(lines[0]["probabilities"][0]) == {"False", "True"}
    assert model_answers(tmp_path / "untrained", frame) is None
