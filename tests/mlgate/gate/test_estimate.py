"""The label-free estimate (CBPE, mlgate/gate/estimate.py): known answers, tracking under
covariate shift within a stated tolerance, and refusal when calibration is poor.

The tracking test is the method's promise, measured: a gradient-boosting model is trained on
one population, calibrated on its held-out split, then meets windows whose discriminating
inputs are squeezed towards the decision boundary or moved (the chance of each outcome given
the inputs is unchanged: covariate shift). Realised accuracy falls from about 0.80 to 0.65;
the estimate, from probabilities alone, stays within TOLERANCE of it for every metric.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn import metrics
from sklearn.ensemble import GradientBoostingClassifier

from mlgate.gate.estimate import (
    MIN_HELD_OUT,
    Tally,
    calibrate,
    estimate_rows,
    estimated_metrics,
)
from mlgate.scores import classification_metrics

TOLERANCE = 0.03  # |estimated - realised|, windows of 5000 rows (sampling alone: ~0.006)
WINDOWS = [(1.0, 0.0), (0.75, 0.0), (0.5, 0.0), (0.3, 0.0), (0.3, 0.3), (1.3, 0.0), (0.5, -0.5)]


def population(rng: np.random.Generator, n: int, scale: float = 1.0, shift: float = 0.0) -> Any:
    """Four inputs, the first two scaled and moved; outcomes from a fixed logistic rule."""
    x = rng.normal(0.0, 1.0, (n, 4))
    x[:, :2] = x[:, :2] * scale + shift
    logit = 2.0 * x[:, 0] - 1.5 * x[:, 1] + 0.8 * x[:, 2] * x[:, 3] - 0.5
    return x, (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)


def held_out_lines(predicted: Any, proba: Any, outcomes: Any, keys: list[str]) -> str:
    """models/held_out.jsonl as the evaluate stage writes it."""
    return "".join(
        json.dumps({"prediction": plain(p), "probabilities": dict(zip(keys, map(float, row),
                   strict=True)), "outcome": plain(y)}) + "\n"
        for p, row, y in zip(predicted, proba, outcomes, strict=True)
    )  # fmt: skip


def plain(value: Any) -> Any:
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, bool) else value


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    rng = np.random.default_rng(0)
    x, y = population(rng, 6000)
    model = GradientBoostingClassifier(random_state=0).fit(x, y)
    xh, yh = population(rng, 2000)
    path = tmp_path_factory.mktemp("estimate") / "held_out.jsonl"
    text = held_out_lines(model.predict(xh), model.predict_proba(xh), yh, ["0", "1"])
    path.write_text(text, encoding="utf-8")
    return model, path


def test_the_estimate_tracks_realised_metrics_under_covariate_shift(trained: Any) -> None:
    model, held_out = trained
    calibration = calibrate(held_out, [0, 1])
    assert calibration.problem is None and calibration.rows == 2000
    rng = np.random.default_rng(1)
    seen = []
    for scale, shift in WINDOWS:
        x, y = population(rng, 5000, scale, shift)
        proba, predicted = model.predict_proba(x), model.predict(x)
        realised = classification_metrics(y, predicted, proba, [0, 1])
        logged = [{"0": row[0], "1": row[1]} for row in proba.tolist()]
        estimated = estimate_rows(calibration, predicted.tolist(), logged)
        assert set(estimated) == set(realised)
        for name, value in realised.items():
            assert abs(estimated[name] - value) <= TOLERANCE, (scale, shift, name)
        seen.append(estimated["accuracy"])
    assert max(seen) - min(seen) > 0.1, "the windows must move the metric for this to test it"


def test_the_estimate_equals_realised_metrics_when_chances_are_certain(tmp_path: Path) -> None:
    """Held-out scores that say the outcome exactly calibrate to 0 and 1: the expected
    confusion matrix is the real one, so the estimate is scikit-learn's metric, exactly."""
    rng = np.random.default_rng(2)
    truth = rng.integers(0, 3, 400)
    score = np.eye(3)[truth] * 0.6 + 0.1  # the true class scores 0.7, the others 0.1
    path = tmp_path / "held_out.jsonl"
    names = np.array(["a", "b", "c"])
    text = held_out_lines(names[truth], score, names[truth], ["a", "b", "c"])
    path.write_text(text, encoding="utf-8")
    calibration = calibrate(path, ["a", "b", "c"])
    assert calibration.problem is None
    wrong = rng.random(400) < 0.2  # a model that predicts another class a fifth of the time
    predicted = np.where(wrong, (truth + 1) % 3, truth)
    logged = [dict(zip("abc", map(float, row), strict=True)) for row in score]
    estimated = estimate_rows(calibration, names[predicted].tolist(), logged)
    assert estimated["accuracy"] == pytest.approx(metrics.accuracy_score(truth, predicted))
    assert estimated["f1_macro"] == pytest.approx(
        metrics.f1_score(truth, predicted, average="macro")
    )
    assert estimated["precision_macro"] == pytest.approx(
        metrics.precision_score(truth, predicted, average="macro")
    )
    assert estimated["recall_macro"] == pytest.approx(
        metrics.recall_score(truth, predicted, average="macro")
    )
    assert estimated["roc_auc"] == pytest.approx(1.0)


def test_roc_auc_counts_pairs_within_a_score_bin_as_ties() -> None:
    """Known answer: two positives at 0.9 and 0.3, two negatives at 0.3 and 0.1: of the 4
    pairs, 3 are ordered and 1 is tied, so the area is 3.5 / 4."""
    positives, negatives = np.zeros((2, 1000)), np.zeros((2, 1000))
    positives[1, [900, 300]] = 1.0
    negatives[1, [300, 100]] = 1.0
    confusion = np.array([[1.0, 1.0], [0.0, 2.0]])
    assert estimated_metrics(confusion, positives, negatives)["roc_auc"] == pytest.approx(0.875)


def test_the_estimate_streams_in_chunks_as_in_one(trained: Any) -> None:
    model, held_out = trained
    calibration = calibrate(held_out, [0, 1])
    x, _ = population(np.random.default_rng(3), 3000)
    proba, predicted = model.predict_proba(x), model.predict(x)
    whole = estimate_rows(calibration, predicted.tolist(),
                          [{"0": a, "1": b} for a, b in proba.tolist()])  # fmt: skip
    tally = Tally(calibration)
    for index, (prediction, (a, b)) in enumerate(zip(predicted, proba.tolist(), strict=True)):
        tally.add(int(prediction), {"0": a, "1": b})
        if index % 700 == 0:
            tally.flush()
    tally.add(1, None)  # no probabilities: left out and counted
    tally.add(7, {"0": 0.5, "1": 0.5})  # no class of the model: the same
    assert tally.metrics() == pytest.approx(whole)
    assert (tally.rows, tally.skipped) == (3000, 2)


def test_scores_that_mean_different_things_in_different_ranges_are_refused(
    tmp_path: Path,
) -> None:
    """Outcomes likely in the middle of the score and unlikely at both ends: no monotone
    calibration holds, and the out-of-sample check says so."""
    rng = np.random.default_rng(5)
    score = rng.random(3000)
    outcome = (rng.random(3000) < np.where(abs(score - 0.5) < 0.15, 0.9, 0.1)).astype(int)
    path = tmp_path / "held_out.jsonl"
    proba = np.column_stack([1 - score, score])
    path.write_text(held_out_lines(score > 0.5, proba, outcome, ["0", "1"]), encoding="utf-8")
    calibration = calibrate(path, [0, 1])
    assert calibration.problem is not None
    assert "calibration does not carry out of sample" in calibration.problem
    assert calibration.error > calibration.limit


@pytest.mark.parametrize("rows", [150, 2000])
def test_a_calibrated_model_is_not_refused_for_its_size(tmp_path: Path, rows: int) -> None:
    """The allowance follows the split's size: chance misses of a small split are no reason."""
    rng = np.random.default_rng(rows)
    score = rng.random(rows)
    outcome = (rng.random(rows) < score).astype(int)
    path = tmp_path / "held_out.jsonl"
    proba = np.column_stack([1 - score, score])
    path.write_text(held_out_lines(score > 0.5, proba, outcome, ["0", "1"]), encoding="utf-8")
    assert calibrate(path, [0, 1]).problem is None


def test_too_few_rows_one_class_or_no_probabilities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "held_out.jsonl"

    def held(lines: list[dict[str, Any]]) -> str | None:
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        return calibrate(path, [0, 1]).problem

    mixed = [{"prediction": y, "probabilities": {"0": 0.3, "1": 0.7}, "outcome": y}
             for y in (0, 1) * 25]  # fmt: skip
    assert f"calibrating needs at least {MIN_HELD_OUT}" in str(held(mixed))
    one_class = [{"prediction": 0, "probabilities": {"0": 0.9, "1": 0.1}, "outcome": 0}] * 300
    assert "fewer than 5 rows of the class(es) 0, 1" in str(held(one_class))
    assert held([{"prediction": 1, "outcome": 0}] * 300) == "the model gives no class probabilities"
    some = mixed * 6 + [{"prediction": 1, "outcome": 0}] * 3
    assert held(some) == "3 of 303 held-out rows have no class probabilities"
    assert held([]) == "the held-out file has no rows"


def test_strings_and_bools_are_no_probabilities_in_any_chunk(trained: Any) -> None:
    """One rule for a usable row, whatever else the chunk holds."""
    _, held_out = trained
    tally = Tally(calibrate(held_out, [0, 1]))
    for _ in range(10):
        tally.add(1, {"0": 0.2, "1": 0.8})
    tally.add(1, {"0": "0.2", "1": 0.8})
    tally.add(1, {"0": True, "1": False})
    tally.add(1, {"0": float("nan"), "1": 0.8})
    tally.flush()
    assert (tally.rows, tally.skipped) == (10, 3)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"prediction": 1}, "needs a prediction and an outcome"),
        ({"prediction": 1, "outcome": 5}, "the outcome 5 is not one of the classes [0, 1]"),
        ({"prediction": 1, "outcome": 1, "probabilities": {"0": "x", "1": 1}},
         "probabilities must be a finite number per class"),
        ({"prediction": 1, "outcome": 1, "probabilities": {"0": 0.5, "2": 0.5}},
         "probabilities lack the classes 1"),
    ],
)  # fmt: skip
def test_a_broken_held_out_line_is_named(
    tmp_path: Path, line: dict[str, Any], message: str
) -> None:
    from mlgate.errors import CouldNotCheck

    path = tmp_path / "held_out.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(CouldNotCheck, match=r"held_out\.jsonl(:1)?: ") as caught:
        calibrate(path, [0, 1])
    assert message in str(caught.value)


def test_three_classes_are_tracked_one_against_the_rest(tmp_path: Path) -> None:
    """Multiclass: each class calibrated against the rest, chances renormalised per row."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(6)
    weights = np.array([[2.0, -1.0, 0.5], [-1.0, 2.0, 0.3], [0.0, 0.0, -1.0]])

    def draw(n: int, scale: float = 1.0) -> Any:
        x = rng.normal(0.0, 1.0, (n, 3))
        x[:, :2] *= scale
        chances = np.exp(x @ weights.T)
        chances /= chances.sum(axis=1, keepdims=True)
        cumulative = chances.cumsum(axis=1)
        return x, (rng.random((n, 1)) > cumulative).sum(axis=1)

    x, y = draw(6000)
    model = HistGradientBoostingClassifier(random_state=0).fit(x, y)
    xh, yh = draw(3000)
    path = tmp_path / "held_out.jsonl"
    keys = ["0", "1", "2"]
    path.write_text(held_out_lines(model.predict(xh), model.predict_proba(xh), yh, keys))
    calibration = calibrate(path, [0, 1, 2])
    assert calibration.problem is None
    for scale in (1.0, 0.5, 0.3):
        xw, yw = draw(5000, scale)
        proba, predicted = model.predict_proba(xw), model.predict(xw)
        realised = classification_metrics(yw, predicted, proba, [0, 1, 2])
        logged = [dict(zip(keys, row, strict=True)) for row in proba.tolist()]
        estimated = estimate_rows(calibration, predicted.tolist(), logged)
        for name, value in realised.items():
            assert abs(estimated[name] - value) <= TOLERANCE, (scale, name)
