"""A model's metrics on labelled rows, one implementation for every place that scores a model.

A generated project's evaluate stage scores the test split with these (reports/metrics.json,
which `mlgate gate` compares across commits), and production is scored with the same
functions on predictions joined with their real outcomes, so a metric means the same thing in
both places. Classification: accuracy, macro F1, precision and recall, and ROC AUC when class
probabilities are known (one-vs-rest for more than two classes); regression: RMSE, MAE, r2.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

CLASSIFICATION = ("accuracy", "f1_macro", "precision_macro", "recall_macro", "roc_auc")
REGRESSION = ("rmse", "mae", "r2")


def classification_metrics(
    y_true: Sequence[Any], y_pred: Sequence[Any], proba: Any, classes: list[Any]
) -> dict[str, float]:
    """proba: one row of class probabilities per row (classes' order), or None."""
    from sklearn import metrics

    scores = {
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "f1_macro": metrics.f1_score(y_true, y_pred, average="macro", zero_division=0),
        "precision_macro": metrics.precision_score(
            y_true, y_pred, average="macro", zero_division=0
        ),
        "recall_macro": metrics.recall_score(y_true, y_pred, average="macro", zero_division=0),
    }
    if proba is not None and len(set(y_true)) > 1:
        if len(classes) == 2:
            scores["roc_auc"] = metrics.roc_auc_score(y_true, [row[1] for row in proba])
        else:
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
