"""Stage `train`: fit the scikit-learn pipeline and save it with the data's schema."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline

from .data import read_csv
from .features import build_preprocessor, infer_schema
from .params import ParamsError, load_params, run_stage

MODELS: dict[tuple[str, str], type[BaseEstimator]] = {
    ("random_forest", "classification"): RandomForestClassifier,
    ("random_forest", "regression"): RandomForestRegressor,
    ("gradient_boosting", "classification"): GradientBoostingClassifier,
    ("gradient_boosting", "regression"): GradientBoostingRegressor,
    ("linear", "classification"): LogisticRegression,
    ("linear", "regression"): Ridge,
}
MODEL_FILE = "model.joblib"
SCHEMA_FILE = "schema.json"


def make_model(name: str, task: str, params: dict[str, Any], seed: int) -> BaseEstimator:
    try:
        estimator_class = MODELS[(name, task)]
    except KeyError:
        names = sorted({n for n, _ in MODELS})
        raise ParamsError(f"model.name {name!r} is not one of {names}") from None
    try:
        model = estimator_class(**params)
    except TypeError as exc:
        raise ParamsError(f"model.params do not fit {estimator_class.__name__}: {exc}") from None
    if "random_state" in model.get_params():
        model.set_params(random_state=seed)
    return model


def build_pipeline(schema: dict[str, Any], params: dict[str, Any]) -> Pipeline:
    model_cfg = params["model"]
    model = make_model(model_cfg["name"], schema["task"], model_cfg["params"], params["seed"])
    return Pipeline([("features", build_preprocessor(schema)), ("model", model)])


def train(frame: pd.DataFrame, params: dict[str, Any]) -> tuple[Pipeline, dict[str, Any]]:
    target, task = params["data"]["target"], params["data"]["task"]
    schema = infer_schema(frame, target=target, task=task)
    pipeline = build_pipeline(schema, params)
    pipeline.fit(frame.drop(columns=[target]), frame[target])
    return pipeline, schema


def save(pipeline: Pipeline, schema: dict[str, Any], model_dir: str | Path) -> Path:
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, model_dir / MODEL_FILE)
    text = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (model_dir / SCHEMA_FILE).write_text(text, encoding="utf-8")
    return model_dir / MODEL_FILE


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--models", default="models")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    pipeline, schema = train(read_csv(params["split"]["train"]), params)
    print(f"wrote {save(pipeline, schema, args.models)}")


if __name__ == "__main__":
    run_stage(main)
