from __future__ import annotations

import numpy as np
import pandas as pd

from project.features import build_preprocessor, infer_schema


def mixed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mean radius": [1.0, 2.0, np.nan, 4.0],
            "colour": ["red", None, "blue", "red"],
            "flag": [True, False, True, True],
            "target": [0, 1, 0, 1],
        }
    )


def test_schema_kinds_and_categories() -> None:
    schema = infer_schema(mixed_frame(), target="target", task="classification")
    kinds = {f["name"]: f["kind"] for f in schema["features"]}
    assert kinds == {"mean radius": "numeric", "colour": "categorical", "flag": "categorical"}
    colour = next(f for f in schema["features"] if f["name"] == "colour")
    assert colour["categories"] == ["blue", "red"]
    assert schema["target"]["classes"] == [0, 1]


def test_preprocessor_imputes_and_ignores_unknown_categories() -> None:
    frame = mixed_frame()
    schema = infer_schema(frame, target="target", task="classification")
    pre = build_preprocessor(schema).fit(frame.drop(columns=["target"]))
    unseen = pd.DataFrame({"mean radius": [np.nan], "colour": ["purple"], "flag": [False]})
    out = pre.transform(unseen)
    assert out.shape[0] == 1
    assert not np.isnan(out).any()


def test_schema_of_the_project_data(sample_frame: pd.DataFrame, params: dict) -> None:
    data = params["data"]
    schema = infer_schema(sample_frame, target=data["target"], task=data["task"])
    assert len(schema["features"]) == sample_frame.shape[1] - 1
    assert schema["task"] == data["task"]
