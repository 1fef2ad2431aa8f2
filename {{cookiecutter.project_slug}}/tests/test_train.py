from __future__ import annotations

import json

import joblib
import pandas as pd

from project.data import split
from project.train import save, train


def test_train_fits_and_saves(sample_frame: pd.DataFrame, params: dict, tmp_path) -> None:
    target = params["data"]["target"]
    model, schema = train(sample_frame, params)
    predictions = model.predict(sample_frame.drop(columns=[target]).head(5))
    assert len(predictions) == 5
    path = save(model, schema, tmp_path)
    reloaded = joblib.load(path)
    assert list(reloaded.predict(sample_frame.drop(columns=[target]).head(5))) == list(predictions)
    saved = json.loads((tmp_path / "schema.json").read_text())
    assert saved["target"]["name"] == target


def test_training_is_reproducible(sample_frame: pd.DataFrame, params: dict, tmp_path) -> None:
    data = params["data"]
    train_frame, _ = split(sample_frame, target=data["target"], task=data["task"],
                           test_size=0.2, seed=params["seed"])  # fmt: skip
    first = save(*train(train_frame, params), tmp_path / "a").read_bytes()
    second = save(*train(train_frame, params), tmp_path / "b").read_bytes()
    assert first == second
