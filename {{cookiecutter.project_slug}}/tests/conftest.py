"""Shared fixtures: the project's own params and a frame shaped like its data.

For a sample data set the frame is that data set (bundled with scikit-learn). For your own
data it is data/raw/data.csv when it is there (after `dvc pull`), else a small synthetic
frame with numeric and categorical columns, so the tests pass on a fresh checkout too.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import project_modules  # noqa: F401  (registers the `project` alias)
from project.data import SAMPLE_DATASETS, load_sample
from project.params import load_params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_params() -> dict:
    return load_params(ROOT / "params.yaml")


@pytest.fixture
def params(project_params: dict) -> dict:
    return copy.deepcopy(project_params)


def synthetic_frame(target: str, task: str, rows: int = 240, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = rng.normal(10, 2, rows)
    colour = rng.choice(["red", "green", "blue"], rows)
    score = size + (colour == "red") * 3 + rng.normal(0, 1, rows)
    frame = pd.DataFrame({"size cm": size, "colour": colour, "age": rng.integers(1, 90, rows)})
    if task == "classification":
        frame[target] = (score > np.median(score)).astype(int)
    else:
        frame[target] = score
    return frame


@pytest.fixture(scope="session")
def sample_frame(project_params: dict) -> pd.DataFrame:
    data = project_params["data"]
    if data.get("dataset") in SAMPLE_DATASETS:
        return load_sample(data["dataset"], data["target"])
    raw = ROOT / data["raw"]
    if raw.is_file():
        return pd.read_csv(raw)
    return synthetic_frame(data["target"], data["task"])


@pytest.fixture(scope="session")
def is_real_data(project_params: dict) -> bool:
    """False when sample_frame is the synthetic stand-in for data not yet pulled."""
    data = project_params["data"]
    return data.get("dataset") in SAMPLE_DATASETS or (ROOT / data["raw"]).is_file()
