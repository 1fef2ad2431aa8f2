"""The sample drift windows: shaped like the service's request log, and really drifted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from project.windows import drifted, request_log


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


def test_request_log_lines_carry_the_features(tmp_path: Path) -> None:
    frame = features(3)
    frame.loc[1, "size cm"] = np.nan
    path = request_log(frame, tmp_path / "logs" / "clean.jsonl")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 3
    assert set(lines[0]["features"]) == {"size cm", "colour", "flag"}
    assert lines[1]["features"]["size cm"] is None
    assert isinstance(lines[0]["features"]["flag"], bool)
