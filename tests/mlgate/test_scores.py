"""mlgate.scores: the metrics the evaluate stage and production scoring share, known answers."""

from __future__ import annotations

import pytest
from sklearn import metrics

from mlgate.scores import CLASSIFICATION, REGRESSION, classification_metrics, regression_metrics


def test_binary_metrics_are_scikit_learns() -> None:
    y_true, y_pred = [0, 1, 1, 0, 1, 0], [0, 1, 0, 0, 1, 1]
    proba = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3], [0.1, 0.9], [0.4, 0.6]]
    scores = classification_metrics(y_true, y_pred, proba, [0, 1])
    assert tuple(scores) == CLASSIFICATION
    assert scores["accuracy"] == pytest.approx(4 / 6)
    assert scores["f1_macro"] == metrics.f1_score(y_true, y_pred, average="macro")
    assert scores["roc_auc"] == metrics.roc_auc_score(y_true, [p[1] for p in proba])


def test_multiclass_auc_is_one_vs_rest_and_one_class_has_none() -> None:
    y_true, y_pred = ["a", "b", "c", "a"], ["a", "b", "b", "a"]
    proba = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.5, 0.3], [0.6, 0.2, 0.2]]
    scores = classification_metrics(y_true, y_pred, proba, ["a", "b", "c"])
    assert scores["roc_auc"] == metrics.roc_auc_score(y_true, proba, multi_class="ovr",
                                                      labels=["a", "b", "c"])  # fmt: skip
    assert "roc_auc" not in classification_metrics([1, 1], [1, 0], [[0, 1], [1, 0]], [0, 1])
    assert "roc_auc" not in classification_metrics([0, 1], [0, 1], None, [0, 1])


def test_regression_metrics() -> None:
    scores = regression_metrics([1.0, 2.0, 4.0], [1.5, 2.0, 3.0])
    assert tuple(scores) == REGRESSION
    assert scores["mae"] == pytest.approx(0.5)
    assert scores["rmse"] == pytest.approx(((0.25 + 0 + 1) / 3) ** 0.5)
    assert scores["r2"] == metrics.r2_score([1.0, 2.0, 4.0], [1.5, 2.0, 3.0])


def test_the_positive_class_is_the_second_whatever_sorts_first() -> None:
    """Classes ["yes", "no"]: the probabilities' second column is "no"'s, ranked perfectly."""
    proba = [[0.9, 0.1], [0.2, 0.8], [0.8, 0.2], [0.1, 0.9]]
    scores = classification_metrics(["yes", "no", "yes", "no"], ["yes", "no", "yes", "no"],
                                     proba, ["yes", "no"])  # fmt: skip
    assert scores["roc_auc"] == 1.0


def test_a_class_no_outcome_has_leaves_multiclass_auc_out() -> None:
    proba = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1]]
    assert "roc_auc" not in classification_metrics([0, 1], [0, 1], proba, [0, 1, 2])


@pytest.mark.parametrize(
    ("value", "classes", "found"),
    [(1, [0, 1], 1), (1.0, [0, 1], 1), ("1", [0, 1], 1), (1, [0.0, 1.0], 1.0),
     ("1", [0.0, 1.0], 1.0), (True, [False, True], True), ("true", [False, True], True),
     ("a", ["a", "b"], "a"), (True, [0, 1], None), (2, [0, 1], None), ("x", [0, 1], None),
     (1, ["1", "2"], None)],
)  # fmt: skip
def test_class_of_matches_by_value(value: object, classes: list, found: object) -> None:
    from mlgate.scores import class_of

    ok, cls = class_of(value, classes)
    assert (ok, cls) == ((found is not None), found)
    if ok:
        assert type(cls) is type(found)
