"""A model's metrics on labelled rows, one implementation for every place that scores a model.

A generated project's evaluate stage scores the test split with these (reports/metrics.json,
which `mlgate gate` compares across commits), and production is scored with the same
functions on predictions joined with their real outcomes, so a metric means the same thing in
both places. Classification: accuracy, macro F1, precision and recall, and ROC AUC when class
probabilities are known (one-vs-rest for more than two classes); regression: RMSE, MAE, r2.
`class_of` says which class a value sent as JSON is (1, 1.0 and "1" are the class 1; true
is True), for the service's /feedback and for scoring what it logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

CLASSIFICATION = ("accuracy", "f1_macro", "precision_macro", "recall_macro", "roc_auc")
REGRESSION = ("rmse", "mae", "r2")


def classification_metrics(
    y_true: Sequence[Any], y_pred: Sequence[Any], proba: Any, classes: list[Any]
) -> dict[str, float]:
    """proba: one row of class probabilities per row (classes' order), or None. ROC AUC is
    left out when it is undefined: one class only among y_true, or (more than two classes) a
    class no row of y_true has."""
    from sklearn import metrics

    scores = {
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "f1_macro": metrics.f1_score(y_true, y_pred, average="macro", zero_division=0),
        "precision_macro": metrics.precision_score(
            y_true, y_pred, average="macro", zero_division=0
        ),
        "recall_macro": metrics.recall_score(y_true, y_pred, average="macro", zero_division=0),
    }
    present = set(y_true)
    if proba is not None and len(present) > 1:
        if len(classes) == 2:  # the second class is the positive one, whatever sorts first
            positive = [y == classes[1] for y in y_true]
            scores["roc_auc"] = metrics.roc_auc_score(positive, [row[1] for row in proba])
        elif present >= set(classes):  # one-vs-rest needs every class among the outcomes
            scores["roc_auc"] = metrics.roc_auc_score(
                y_true, proba, multi_class="ovr", labels=classes
            )
    return {name: float(value) for name, value in scores.items()}


def regression_metrics(y_true: Sequence[float], y_pred: Sequence[float]) -> dict[str, float]:
    import numpy as np
    from sklearn import metrics

    return {
        "rmse": float(np.sqrt(metrics.mean_squared_error(y_true, y_pred))),
        "mae": float(metrics.mean_absolute_error(y_true, y_pred)),
        "r2": float(metrics.r2_score(y_true, y_pred)),
    }


def class_of(value: Any, classes: list[Any]) -> tuple[bool, Any]:
    """(found, the class) for a sent outcome: by value, as JSON can carry it. A class that is a
    bool takes true/false (or "true"/"True"); a number takes 1, 1.0 or "1"; text takes itself.
    """
    for cls in classes:
        if isinstance(cls, bool):
            if isinstance(value, bool) and value is cls:
                return True, cls
            if isinstance(value, str) and value.strip().lower() == str(cls).lower():
                return True, cls
        elif isinstance(cls, int | float):
            if isinstance(value, bool | dict | list):
                continue
            try:
                if float(value) == float(cls):
                    return True, cls
            except (TypeError, ValueError, OverflowError):
                continue
        elif isinstance(value, str) and value == str(cls):
            return True, cls
    return False, None
