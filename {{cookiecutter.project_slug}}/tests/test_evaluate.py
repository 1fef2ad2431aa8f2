from __future__ import annotations

import json
import math

import pandas as pd

from project.data import split
from project.evaluate import evaluate
from project.train import train

EXPECTED = {
    "classification": {"accuracy", "f1_macro", "precision_macro", "recall_macro", "roc_auc"},
    "regression": {"rmse", "mae", "r2"},
}


def test_evaluate_writes_metrics_and_plots(
    sample_frame: pd.DataFrame, params: dict, tmp_path
) -> None:
    data = params["data"]
    train_frame, test_frame = split(sample_frame, target=data["target"], task=data["task"],
                                    test_size=0.3, seed=0)  # fmt: skip
    model, schema = train(train_frame, params)
    scores = evaluate(model, schema, test_frame, tmp_path, held_out=tmp_path / "held_out.jsonl")
    assert set(scores) == EXPECTED[data["task"]]
    assert all(math.isfinite(v) for v in scores.values())
    assert json.loads((tmp_path / "metrics.json").read_text()) == scores
    figures = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert figures and all(name.endswith(".png") for name in figures)
    if data["task"] == "classification":
        assert 0.5 <= scores["accuracy"] <= 1.0
    else:
        assert scores["rmse"] >= 0
    text = (tmp_path / "held_out.jsonl").read_text()
    held_out = [json.loads(line) for line in text.splitlines()]
    assert len(held_out) == len(test_frame)
    assert [row["outcome"] for row in held_out] == test_frame[data["target"]].tolist()
    features = test_frame.drop(columns=[data["target"]])
    assert [row["prediction"] for row in held_out] == model.predict(features).tolist()
    if data["task"] == "classification":  # keyed by the class as text, as the service logs them
        classes = [str(c) for c in schema["target"]["classes"]]
        assert all(list(row["probabilities"]) == classes for row in held_out)
        assert all(abs(sum(row["probabilities"].values()) - 1) < 1e-4 for row in held_out)
