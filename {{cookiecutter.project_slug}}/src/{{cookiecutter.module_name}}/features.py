"""The data's schema and the preprocessing built from it.

The schema (feature names, kinds, categories, target, task) is saved next to the model as
models/schema.json: serving validates requests with it and drift checks read it, so the
column kinds are decided once, here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler


def feature_kind(series: pd.Series) -> str:
    """numeric or categorical; booleans are categories (two values, no order)."""
    if types.is_numeric_dtype(series) and not types.is_bool_dtype(series):
        return "numeric"
    return "categorical"


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def infer_schema(frame: pd.DataFrame, *, target: str, task: str) -> dict[str, Any]:
    if target not in frame.columns:
        raise ValueError(f"target column {target!r} is not in the data")
    features = []
    for name in frame.columns:
        if name == target:
            continue
        series = frame[name]
        kind = feature_kind(series)
        feature: dict[str, Any] = {"name": str(name), "kind": kind, "dtype": str(series.dtype)}
        if kind == "categorical":
            feature["categories"] = sorted(str(v) for v in series.dropna().unique())
        else:
            feature["min"] = _plain(series.min())
            feature["max"] = _plain(series.max())
        features.append(feature)
    if not features:
        raise ValueError("the data has no feature columns besides the target")
    target_info: dict[str, Any] = {"name": target, "dtype": str(frame[target].dtype)}
    if task == "classification":
        target_info["classes"] = sorted(_plain(v) for v in frame[target].dropna().unique())
    return {"task": task, "target": target_info, "features": features}


def feature_names(schema: dict[str, Any], kind: str | None = None) -> list[str]:
    return [f["name"] for f in schema["features"] if kind is None or f["kind"] == kind]


def as_text(values: pd.DataFrame) -> pd.DataFrame:
    """Categories as plain strings (missing kept as NaN), whatever dtype pandas read."""
    text = pd.DataFrame(values).astype(str).astype(object)
    return text.mask(pd.DataFrame(values).isna().to_numpy(), np.nan)


def build_preprocessor(schema: dict[str, Any]) -> ColumnTransformer:
    """numeric: median impute + scale; categorical: impute + one-hot, unseen categories ignored."""
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    categorical = Pipeline(
        [
            ("text", FunctionTransformer(as_text, feature_names_out="one-to-one")),
            ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
            ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    transformers = []
    if names := feature_names(schema, "numeric"):
        transformers.append(("numeric", numeric, names))
    if names := feature_names(schema, "categorical"):
        transformers.append(("categorical", categorical, names))
    return ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=False)
