"""The compiled predict path answers exactly as the trained pipeline, or is not used."""

from __future__ import annotations

import copy
import dataclasses
import json
import time
from pathlib import Path
from types import SimpleNamespace

import joblib
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from mlgate.serve.compiled import NotCompiled, compile_pipeline, probe_columns, verified
from mlgate.serve.model import MODEL_FILE, Model, read_schema
from mlgate.serve.settings import Settings

MODELS = ["random_forest", "gradient_boosting", "linear"]


def mixed_frame(project: SimpleNamespace, target: str, task: str) -> pd.DataFrame:
    """Numeric, text and boolean features, with missing values in the training data."""
    frame = project.tests.synthetic_frame(target, task, rows=300, seed=3)
    rng = np.random.default_rng(4)
    frame["member"] = rng.random(len(frame)) > 0.5
    frame.loc[frame.index[::11], "size cm"] = np.nan
    frame.loc[frame.index[::13], "colour"] = None
    return frame


def served(project: SimpleNamespace, frame: pd.DataFrame, params: dict, folder: Path) -> Model:
    """The project's training on frame, loaded as its service loads it."""
    project.train.save(*project.train.train(frame, params), folder)
    settings = Settings(model_dir=folder, metrics_file=folder / "none.json", request_log="-")
    model = Model(settings, read_schema(folder), "test", project.features.as_text)
    model.load()
    assert model.ready.is_set(), model.error
    return model


def columns_of(frame: pd.DataFrame, model: Model) -> list[list]:
    rows = frame.astype(object).where(frame.notna(), None)
    return [list(rows[feature.name]) for feature in model.features]


def assert_same_answers(model: Model, columns: list[list]) -> None:
    assert model.compiled is not None
    labels, proba = model.compiled.predict(columns)
    expected_labels, expected_proba = model._pipeline_predict(columns)
    if proba is None:
        np.testing.assert_allclose(labels.astype(float), expected_labels, rtol=1e-9)
    else:
        assert list(labels) == list(expected_labels)
        np.testing.assert_allclose(proba, expected_proba, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_compiled_equals_the_pipeline(
    name: str, task: str, params: dict, tmp_path: Path, sample_project: SimpleNamespace
) -> None:
    frame = mixed_frame(sample_project, params["data"]["target"], task)
    params["data"]["task"] = task
    params["model"] = {"name": name, "params": {}}
    model = served(sample_project, frame, params, tmp_path)
    assert model.info["predictor"] == "compiled"
    features = frame.drop(columns=[params["data"]["target"]])
    assert_same_answers(model, columns_of(features, model))
    assert_same_answers(model, probe_columns(model.schema["features"], rows=200, seed=9))
    assert model.compiled is not None  # and against the pipeline on the data frame itself
    labels, proba = model.compiled.predict(columns_of(features, model))
    if task == "classification":
        np.testing.assert_allclose(proba, model.pipeline.predict_proba(features), rtol=1e-9)
    else:
        np.testing.assert_allclose(
            labels.astype(float), model.pipeline.predict(features), rtol=1e-9
        )
    one_row = [column[:1] for column in columns_of(features, model)]
    assert_same_answers(model, one_row)


def test_compiled_equals_the_pipeline_on_the_project_data(
    sample_frame: pd.DataFrame, params: dict, tmp_path: Path, sample_project: SimpleNamespace
) -> None:
    model = served(sample_project, sample_frame, params, tmp_path)
    assert model.info["predictor"] == "compiled"
    features = sample_frame.drop(columns=[params["data"]["target"]]).head(300)
    assert_same_answers(model, columns_of(features, model))
    assert model.predict(columns_of(features.head(3), model))[0] == list(
        model.pipeline.predict(features.head(3))
    )


def hand_built(scaler: object, add_indicator: bool = False) -> Pipeline:
    numeric = Pipeline([("impute", SimpleImputer(add_indicator=add_indicator)),
                        ("scale", scaler)])  # fmt: skip
    features = ColumnTransformer([("numeric", numeric, ["size cm", "age"])])
    return Pipeline([("features", features), ("model", LogisticRegression())])


@pytest.mark.parametrize(
    ("pipeline", "reason"),
    [
        (hand_built(MinMaxScaler()), "['SimpleImputer', 'MinMaxScaler']"),
        (hand_built(StandardScaler(), add_indicator=True), "adds or drops columns"),
    ],
)
def test_steps_it_does_not_know_are_not_compiled(
    pipeline: Pipeline, reason: str, sample_project: SimpleNamespace
) -> None:
    frame = sample_project.tests.synthetic_frame("target", "classification")
    frame.loc[frame.index[::5], "size cm"] = np.nan
    pipeline.fit(frame.drop(columns=["target"]), frame["target"])
    with pytest.raises(NotCompiled, match=reason.replace("[", r"\[").replace("]", r"\]")):
        compile_pipeline(pipeline, ["size cm", "colour", "age"], probabilities=True)


def test_a_pipeline_it_cannot_compile_is_served_as_it_is(
    params: dict, tmp_path: Path, sample_project: SimpleNamespace
) -> None:
    frame = sample_project.tests.synthetic_frame(params["data"]["target"], "classification")
    params["data"]["task"] = "classification"
    params["model"] = {"name": "linear", "params": {}}
    model = served(sample_project, frame, params, tmp_path)
    target = params["data"]["target"]
    pipeline = hand_built(MinMaxScaler()).fit(frame.drop(columns=[target]), frame[target])
    joblib.dump(pipeline, tmp_path / MODEL_FILE)
    model = Model(model.settings, model.schema, "test", sample_project.features.as_text)
    model.load()
    assert model.info["predictor"] == "pipeline" and model.compiled is None
    columns = columns_of(frame.drop(columns=[target]).head(4), model)
    labels, probabilities = model.predict(columns)
    assert labels == list(pipeline.predict(frame.drop(columns=[target]).head(4)))
    assert probabilities is not None and len(probabilities) == 4


@pytest.mark.parametrize(
    ("task", "problem"),
    [
        ("regression", "its predictions differ from the pipeline's"),
        ("classification", "its class probabilities differ from the pipeline's"),
    ],
)
def test_a_compiled_path_that_answers_differently_is_refused(
    task: str, problem: str, params: dict, tmp_path: Path, sample_project: SimpleNamespace
) -> None:
    params["data"]["task"] = task
    params["model"] = {"name": "linear", "params": {}}
    frame = mixed_frame(sample_project, params["data"]["target"], task)
    model = served(sample_project, frame, params, tmp_path)
    compiled = model.compiled
    assert compiled is not None
    block = compiled.blocks[0]
    shifted = dataclasses.replace(block, mean=block.mean + 1.0)  # type: ignore[union-attr]
    wrong = dataclasses.replace(compiled, blocks=[shifted, *compiled.blocks[1:]])
    probe = probe_columns(model.schema["features"])
    assert verified(compiled, model._pipeline_predict, probe) is None
    assert verified(wrong, model._pipeline_predict, probe) == problem
    failing = dataclasses.replace(compiled, blocks=[])
    assert "failed on the probe rows" in str(verified(failing, model._pipeline_predict, probe))


def linear_classifier(
    project: SimpleNamespace, params: dict, folder: Path
) -> tuple[pd.DataFrame, Model]:
    """A logistic regression on the mixed frame (numbers, text, booleans), served."""
    params["data"]["task"] = "classification"
    params["model"] = {"name": "linear", "params": {}}
    frame = mixed_frame(project, params["data"]["target"], "classification")
    return frame, served(project, frame, params, folder)


def test_a_boolean_feature_is_served(
    params: dict, tmp_path: Path, sample_project: SimpleNamespace
) -> None:
    """true/false (and their text) are accepted for a boolean column; a number is not."""
    frame, model = linear_classifier(sample_project, params, tmp_path)
    record = json.loads(frame.drop(columns=[params["data"]["target"]]).head(1).to_json(
        orient="records"))[0]  # fmt: skip
    with TestClient(sample_project.serve.create_app(model.settings)) as client:
        deadline = time.monotonic() + 30
        while client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline, client.get("/ready").json()
            time.sleep(0.05)
        statuses = [
            client.post("/predict", json={"records": [{**record, "member": value}]}).status_code
            for value in (True, False, "True", None, 1)
        ]
    assert statuses == [200, 200, 200, 200, 422]


def test_without_the_projects_text_step_categories_are_not_compiled(
    params: dict, tmp_path: Path, sample_project: SimpleNamespace
) -> None:
    frame, model = linear_classifier(sample_project, params, tmp_path)
    names = [feature.name for feature in model.features]
    with pytest.raises(NotCompiled, match="other than the project's as_text"):
        compile_pipeline(model.pipeline, names, probabilities=True)
    plain = Model(model.settings, model.schema, "test")  # as a service built without as_text
    plain.load()
    assert plain.info["predictor"] == "pipeline"
    columns = columns_of(frame.drop(columns=[params["data"]["target"]]).head(5), model)
    (labels, proba), (expected_labels, expected_proba) = (
        plain.predict(columns),
        model.predict(columns),
    )
    assert labels == expected_labels and proba is not None and expected_proba is not None
    for row, expected in zip(proba, expected_proba, strict=True):
        assert row == pytest.approx(expected, rel=1e-9)


def test_probe_rows_cover_the_range_missing_values_and_unseen_categories() -> None:
    schema_features = [
        {"name": "x", "kind": "numeric", "min": 2.0, "max": 4.0},
        {"name": "c", "kind": "categorical", "categories": ["a", "b"]},
    ]
    numbers, texts = probe_columns(copy.deepcopy(schema_features), rows=70)
    present = [v for v in numbers if v is not None]
    assert numbers.count(None) == 10 and min(present) < 2.0 and max(present) > 4.0
    assert {"a", "b", "an unseen category", None} == set(texts)
