"""A project's preprocess and postprocess: applied around the model, logged, refusals as 422."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from mlgate.serve import Settings, create_app


def serving(model_dir: Path, log: Path, **hooks: Any) -> Iterator[TestClient]:
    settings = Settings(model_dir=model_dir, request_log=str(log), metrics_file=log.parent / "m")
    with TestClient(create_app(settings, package="sample-project", **hooks)) as client:
        deadline = time.monotonic() + 30
        while client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline, client.get("/ready").json()
            time.sleep(0.05)
        yield client


def first_records(frame: pd.DataFrame, rows: int) -> list[dict[str, Any]]:
    return json.loads(frame.drop(columns=["target"]).head(rows).to_json(orient="records"))


def test_preprocess_changes_what_the_model_sees_and_what_is_logged(
    model_dir: Path, sample_frame: pd.DataFrame, tmp_path: Path
) -> None:
    records = first_records(sample_frame, 3)
    name = next(iter(records[0]))

    def preprocess(columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
        if any(value is not None and value < 0 for value in columns[name]):
            raise ValueError(f"{name} cannot be negative")
        return {**columns, name: [0.0] * len(columns[name])}

    log = tmp_path / "requests.jsonl"
    for client in serving(model_dir, log, preprocess=preprocess):
        answer = client.post("/predict", json={"records": records})
        assert answer.status_code == 200, answer.text
        refused = client.post("/predict", json={"records": [{**records[0], name: -1.0}]})
        assert refused.status_code == 422
        assert refused.json()["detail"] == (
            f"these values cannot be prepared for the model: {name} cannot be negative"
        )
    (line,) = [json.loads(text) for text in log.read_text().splitlines()]
    assert [record[name] for record in line["features"]] == [0.0, 0.0, 0.0]


def test_hooks_may_return_numpy_values_and_a_wrong_shape_is_the_projects_error(
    model_dir: Path, sample_frame: pd.DataFrame, tmp_path: Path
) -> None:
    import numpy as np

    def preprocess(columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
        return {name: [np.float64(v) for v in values] for name, values in columns.items()}

    def postprocess(predictions: list[Any], probabilities: Any) -> tuple[list[Any], Any]:
        return [np.bool_(p == 1) for p in predictions], probabilities

    log = tmp_path / "requests.jsonl"
    for client in serving(model_dir, log, preprocess=preprocess, postprocess=postprocess):
        answer = client.post("/predict", json={"records": first_records(sample_frame, 2)})
        assert answer.status_code == 200, answer.text
        assert all(isinstance(p, bool) for p in answer.json()["predictions"])
    (line,) = [json.loads(text) for text in log.read_text().splitlines()]
    assert all(p in (0, 1) for p in line["predictions"])  # the log keeps the model's own

    def shapeless(predictions: list[Any], probabilities: Any) -> list[Any]:
        return predictions  # forgot the probabilities

    for client in serving(model_dir, tmp_path / "other.jsonl", postprocess=shapeless):
        with pytest.raises(TypeError, match=r"postprocess must return \(predictions"):
            client.post("/predict", json={"records": first_records(sample_frame, 2)})


def test_postprocess_changes_the_answer(
    model_dir: Path, sample_frame: pd.DataFrame, tmp_path: Path
) -> None:
    def postprocess(predictions: list[Any], probabilities: Any) -> tuple[list[Any], Any]:
        if len(predictions) > 2:
            raise ValueError("at most two records, please")
        return [f"class {p}" for p in predictions], probabilities

    for client in serving(model_dir, tmp_path / "log.jsonl", postprocess=postprocess):
        answer = client.post("/predict", json={"records": first_records(sample_frame, 2)})
        assert answer.status_code == 200, answer.text
        assert all(p.startswith("class ") for p in answer.json()["predictions"])
        refused = client.post("/predict", json={"records": first_records(sample_frame, 3)})
        assert refused.status_code == 422
        assert "at most two records, please" in refused.json()["detail"]


def test_an_unchanged_request_skips_the_checks_and_a_wrong_one_does_not() -> None:
    from mlgate.serve.app import preprocessed

    names, columns = ["a", "b"], [[1.0, None], ["x", "y"]]
    assert preprocessed(lambda given: given, names, columns) is columns
    with pytest.raises(TypeError, match="a dict with the features"):
        preprocessed(lambda given: {**given, "c": [1, 2]}, names, columns)
    with pytest.raises(TypeError, match="2 values per feature"):
        preprocessed(lambda given: {**given, "a": [1.0]}, names, columns)
