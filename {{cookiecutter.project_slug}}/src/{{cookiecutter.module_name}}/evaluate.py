"""Stage `evaluate`: metrics DVC tracks (reports/metrics.json) and plots of the test split.

The metrics file is what `mlgate gate` compares across commits, so it is written with
sorted keys and rounded values: the same model on the same data gives the same bytes.
models/held_out.jsonl keeps each test row's prediction, class probabilities and real
outcome: the profile stage summarises the predictions (prediction drift compares the
service's answers with them), and `mlgate monitor` calibrates its label-free estimate on
them. The
metrics themselves are mlgate.scores', which also scores production predictions against
their real outcomes: one definition of each metric in both places.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import joblib
import matplotlib
import numpy as np
import pandas as pd
from mlgate.scores import classification_metrics, regression_metrics
from sklearn import metrics

from .data import read_csv, write_csv
from .params import load_params, run_stage
from .train import MODEL_FILE, SCHEMA_FILE

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)

DIGITS = 6
HELD_OUT_FILE = "held_out.jsonl"
PNG_METADATA = {"Software": None}  # no version stamp: identical runs give identical files


def roc_points(y_true: pd.Series, proba: np.ndarray, classes: list[Any]) -> pd.DataFrame:
    """ROC curve points; one-vs-rest per class when there are more than two classes."""
    if len(classes) == 2:
        fpr, tpr, _ = metrics.roc_curve(y_true, proba[:, 1], pos_label=classes[1])
        return pd.DataFrame({"class": str(classes[1]), "fpr": fpr, "tpr": tpr})
    parts = []
    for index, label in enumerate(classes):
        fpr, tpr, _ = metrics.roc_curve(y_true == label, proba[:, index])
        parts.append(pd.DataFrame({"class": str(label), "fpr": fpr, "tpr": tpr}))
    return pd.concat(parts, ignore_index=True)


def save_figure(figure: plt.Figure, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path, dpi=100, metadata=PNG_METADATA)
    plt.close(figure)


def label_of(names: dict[Any, str] | None) -> Any:
    """A class as people call it: data.class_names in params.yaml (0 -> malignant), else itself."""
    lookup = {str(key): str(value) for key, value in (names or {}).items()}
    return lambda value: lookup.get(str(value), str(value))


def plot_classification(
    y_true: pd.Series,
    y_pred: np.ndarray,
    roc: pd.DataFrame | None,
    plots: Path,
    figures: Path,
    classes: list[Any] | None = None,
    class_names: dict[Any, str] | None = None,
) -> None:
    name = label_of(class_names)
    actual, predicted = y_true.map(name), pd.Series(y_pred).map(name)
    write_csv(pd.DataFrame({"actual": actual.to_numpy(), "predicted": predicted.to_numpy()}),
              plots / "confusion.csv")  # fmt: skip
    figure, axis = plt.subplots(figsize=(5, 4))
    labels = classes if classes is not None else sorted(set(y_true) | set(y_pred))
    metrics.ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=labels, display_labels=[name(c) for c in labels], ax=axis,
        colorbar=False,
    )  # fmt: skip
    axis.set_title("Confusion matrix (test split)")
    save_figure(figure, figures / "confusion_matrix.png")

    figure, axis = plt.subplots(figsize=(5, 4))
    if roc is not None:
        write_csv(roc.round(DIGITS), plots / "roc.csv")
        groups = list(roc.groupby("class", sort=True))
        for label, points in groups:
            label = name(label)
            area = metrics.auc(points["fpr"], points["tpr"])
            versus = " vs the rest" if len(groups) > 1 else ""
            axis.plot(points["fpr"], points["tpr"], label=f"{label}{versus} (AUC {area:.3f})")
        axis.legend(loc="lower right", title="positive class")
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey")
    axis.set(xlabel="False positive rate", ylabel="True positive rate", title="ROC curve")
    save_figure(figure, figures / "roc.png")


def plot_regression(y_true: pd.Series, y_pred: np.ndarray, plots: Path, figures: Path) -> None:
    residual = y_true.to_numpy() - y_pred
    points = pd.DataFrame({"actual": y_true.to_numpy(), "predicted": y_pred}).round(DIGITS)
    write_csv(points, plots / "predictions.csv")
    write_csv(
        pd.DataFrame({"predicted": y_pred, "residual": residual}).round(DIGITS),
        plots / "residuals.csv",
    )
    figure, axis = plt.subplots(figsize=(5, 4))
    axis.scatter(points["actual"], points["predicted"], s=12, alpha=0.7)
    low, high = float(points.min().min()), float(points.max().max())
    axis.plot([low, high], [low, high], linestyle="--", color="grey")
    axis.set(xlabel="Actual", ylabel="Predicted", title="Predicted vs actual (test split)")
    save_figure(figure, figures / "predicted_vs_actual.png")

    figure, axis = plt.subplots(figsize=(5, 4))
    axis.scatter(y_pred, residual, s=12, alpha=0.7)
    axis.axhline(0, linestyle="--", color="grey")
    axis.set(xlabel="Predicted", ylabel="Residual (actual - predicted)", title="Residuals")
    save_figure(figure, figures / "residuals.png")


def plain(value: Any) -> Any:
    """A numpy scalar as the JSON value the service would log for it."""
    return value.item() if hasattr(value, "item") else value


def write_held_out(
    path: Path, y_true: pd.Series, y_pred: np.ndarray, proba: np.ndarray | None, classes: list[Any]
) -> None:
    """One JSON line per test row: prediction, class probabilities (as the service logs them,
    keyed by the class as text) and the real outcome."""
    lines = []
    for index, (outcome, prediction) in enumerate(zip(y_true, y_pred, strict=True)):
        row: dict[str, Any] = {"prediction": plain(prediction)}
        if proba is not None:
            pairs = zip(classes, proba[index], strict=True)
            row["probabilities"] = {str(cls): round(float(p), DIGITS) for cls, p in pairs}
        row["outcome"] = plain(outcome)
        lines.append(json.dumps(row, separators=(",", ":")) + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")


def evaluate(
    model: Any,
    schema: dict[str, Any],
    test: pd.DataFrame,
    reports: str | Path,
    class_names: dict[Any, str] | None = None,
    held_out: str | Path | None = None,
) -> dict[str, float]:
    """Score the model on the test split, write metrics.json, plot data and figures."""
    reports = Path(reports)
    plots, figures = reports / "plots", reports / "figures"
    plots.mkdir(parents=True, exist_ok=True)
    figures.mkdir(parents=True, exist_ok=True)
    target = schema["target"]["name"]
    y_true, features = test[target], test.drop(columns=[target])
    y_pred = model.predict(features)
    if schema["task"] == "classification":
        classes = list(schema["target"]["classes"])
        proba = model.predict_proba(features) if hasattr(model, "predict_proba") else None
        scores = classification_metrics(y_true, y_pred, proba, classes)
        roc = roc_points(y_true, proba, classes) if proba is not None else None
        plot_classification(y_true, y_pred, roc, plots, figures, classes, class_names)
    else:
        proba, classes = None, []
        scores = regression_metrics(y_true, y_pred)
        plot_regression(y_true, y_pred, plots, figures)
    if held_out is not None:
        write_held_out(Path(held_out), y_true, y_pred, proba, classes)
    scores = {name: round(float(value), DIGITS) for name, value in sorted(scores.items())}
    text = json.dumps(scores, indent=2, sort_keys=True) + "\n"
    (reports / "metrics.json").write_text(text, encoding="utf-8")
    return scores


def load_model(model_dir: str | Path) -> tuple[Any, dict[str, Any]]:
    model_dir = Path(model_dir)
    schema = json.loads((model_dir / SCHEMA_FILE).read_text(encoding="utf-8"))
    return joblib.load(model_dir / MODEL_FILE), schema


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--models", default="models")
    parser.add_argument("--reports", default="reports")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    model, schema = load_model(args.models)
    test = read_csv(params["split"]["test"])
    held_out = Path(args.models) / HELD_OUT_FILE
    scores = evaluate(
        model, schema, test, args.reports, params["data"].get("class_names"), held_out
    )
    for name, value in scores.items():
        print(f"{name:>16} {value:.4f}")


if __name__ == "__main__":
    run_stage(main)
