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
from .features import build_preprocessor, feature_settings, infer_schema, read_roles
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
    settings = feature_settings(params)
    features = build_preprocessor(
        schema,
        max_categories=settings["max_categories"],
        text_max_features=settings["text_max_features"],
        seed=params["seed"],
    )
    return Pipeline([("features", features), ("model", model)])


def train(frame: pd.DataFrame, params: dict[str, Any]) -> tuple[Pipeline, dict[str, Any]]:
    target, task = params["data"]["target"], params["data"]["task"]
    settings = feature_settings(params)
    schema = infer_schema(
        frame,
        target=target,
        task=task,
        roles=read_roles(settings["roles"]),
        reference_date=settings["reference_date"],
    )
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


def describe_roles(schema: dict[str, Any]) -> list[str]:
    """What the model was given, by role, and which roles no person chose (roles.yaml)."""
    by_role: dict[str, list[str]] = {}
    for column in [*schema["features"], *schema.get("dropped", [])]:
        by_role.setdefault(column["role"], []).append(column["name"])
    lines = ["features by role: " + "; ".join(
        f"{role} {len(names)} ({', '.join(names[:4])}{', ...' if len(names) > 4 else ''})"
        for role, names in by_role.items()
    )]  # fmt: skip
    if schema.get("dropped"):
        left_out = ", ".join(f"{c['name']} ({c['role']})" for c in schema["dropped"])
        lines.append(f"left out of the model: {left_out}")
    guessed = [
        f"{c['name']} {c['role']}"
        for c in [*schema["features"], *schema.get("dropped", [])]
        if c["source"] == "inferred"
    ]
    if guessed:
        lines.append(
            f"roles inferred, not chosen ({len(guessed)}): {', '.join(guessed[:6])}"
            f"{', ...' if len(guessed) > 6 else ''}; list them in roles.yaml "
            "(`mlgate suite init --roles roles.yaml` writes a draft) to fix them"
        )
    if schema.get("reference_date"):
        lines.append(f"dates: age in days before {schema['reference_date']}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--models", default="models")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    pipeline, schema = train(read_csv(params["split"]["train"]), params)
    print(f"wrote {save(pipeline, schema, args.models)}")
    for line in describe_roles(schema):
        print(line)


if __name__ == "__main__":
    run_stage(main)
