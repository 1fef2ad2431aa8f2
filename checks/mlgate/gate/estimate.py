"""Production performance before the labels arrive: confidence-based performance estimation.

The method is NannyML's CBPE (nannyml.readthedocs.io, "Confidence-based Performance
Estimation"), implemented here from its description: once a classifier's probabilities are
calibrated, each is the chance that the row belongs to that class, so a window's expected
confusion matrix (predicted class k, true class j: the sum of the calibrated chances of j
over the rows predicted k) follows from the probabilities alone, and with it accuracy, macro
precision, recall and F1, the same metrics mlgate.scores computes from outcomes. ROC AUC is
estimated as the chance that a positive row outscores a negative one, each row counting as
positive by its calibrated chance and as negative by the rest (scores in bins of 1/SCORE_BINS;
two rows in one bin count half, as ties do).

Calibration is isotonic, one class against the rest, fitted on the held-out split (the
evaluate stage's models/held_out.jsonl, whose outcomes are known). The estimate holds while the
chance of each outcome given the model's score stays as it was there: inputs may move
(covariate shift), the meaning of inputs may not (concept drift is invisible to it). So
realised metrics stay the verdict, and an estimate may raise the alarm before the labels do,
never clear a model.

It is refused, with the reason, when the model gives no probabilities, when the held-out split
has fewer than MIN_HELD_OUT rows, or when calibration does not carry out of sample. That check
fits on one half of the held-out rows and measures the other (and the other way round); a
small split misses by chance alone, so the miss is compared with what the same check gives on
outcomes drawn from the calibrated chances themselves (a model calibrated by construction, on
the same scores and the same number of rows, NULL_DRAWS times): more than the largest of those
misses plus MARGIN is poor calibration. A class with fewer than MIN_PER_CLASS outcomes (or
non-outcomes) on the held-out split has nothing to be calibrated on, and is refused too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CouldNotCheck
from ..io.held_out import probability_row, read_held_out
from ..scores import class_of

if TYPE_CHECKING:
    import numpy as np

MIN_HELD_OUT = 100
MIN_PER_CLASS = 5  # outcomes of each class (and of the rest) calibration needs to see
MARGIN = 0.02  # calibration error allowed beyond the chance miss of a calibrated model
NULL_DRAWS = 100
SCORE_BINS = 1000
CHECK_BINS = 10  # equal-count bins of each score for the out-of-sample calibration check
FLUSH_ROWS = 65_536


@dataclass
class Calibration:
    """Isotonic maps from each class's score to its calibrated chance (one for two classes)."""

    classes: list[Any]
    maps: list[tuple[np.ndarray, np.ndarray]]  # per calibrated class: score knots, chances
    rows: int
    error: float  # out-of-sample calibration error: mean |chance - observed share| per bin
    limit: float = math.nan  # the most a calibrated model would miss by, plus MARGIN
    problem: str | None = None  # why no estimate should be made from it

    @property
    def binary(self) -> bool:
        return len(self.classes) == 2

    def chances(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated class chances (rows sum to 1) for raw class probabilities."""
        import numpy as np

        if self.binary:
            positive = np.interp(scores[:, 1], *self.maps[0])
            return np.column_stack([1.0 - positive, positive])
        columns = [np.interp(scores[:, k], *self.maps[k]) for k in range(len(self.classes))]
        chances = np.column_stack(columns)
        totals = chances.sum(axis=1, keepdims=True)
        uniform = np.full_like(chances, 1.0 / len(self.classes))
        return np.divide(chances, totals, out=uniform, where=totals > 0)


def held_out_arrays(
    path: Path, classes: list[Any]
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, str | None]:
    """The held-out rows as (class probabilities, predicted index, true index, why the
    probabilities are unusable: None when every row has them for every class)."""
    import numpy as np

    held = read_held_out(path, with_outcomes=True)
    keys = [str(c) for c in classes]
    predicted = [_index(v, classes, f"{path}:{n}", "prediction")
                 for n, v in enumerate(held.predictions, start=1)]  # fmt: skip
    truth = [_index(v, classes, f"{path}:{n}", "outcome")
             for n, v in enumerate(held.outcomes, start=1)]  # fmt: skip
    without = sum(row is None for row in held.probabilities)
    if not held.rows:
        return None, np.zeros(0, int), np.zeros(0, int), "the held-out file has no rows"
    if without:
        why = (
            "the model gives no class probabilities"
            if without == held.rows
            else f"{without} of {held.rows} held-out rows have no class probabilities"
        )
        return None, np.asarray(predicted, int), np.asarray(truth, int), why
    lacking = sorted({k for row in held.probabilities if row for k in keys if k not in row})
    if lacking:
        raise CouldNotCheck(f"{path}: probabilities lack the classes {', '.join(lacking)}")
    scores = np.asarray([[row[k] for k in keys] for row in held.probabilities if row], float)
    return scores, np.asarray(predicted, int), np.asarray(truth, int), None


def _index(value: Any, classes: list[Any], where: str, what: str) -> int:
    found, cls = class_of(value, classes)
    if not found:
        raise CouldNotCheck(f"{where}: the {what} {value!r} is not one of the classes {classes}")
    return classes.index(cls)


def calibrate(path: Path, classes: list[Any], *, seed: int = 0) -> Calibration:
    """Fit on the whole held-out split; check on halves how well calibration carries."""
    import numpy as np

    if len(classes) < 2:
        raise CouldNotCheck("an estimate needs the model's classes (from its schema)")
    scores, _, truth, unusable = held_out_arrays(path, classes)
    rows = len(truth)
    if scores is None:
        return Calibration(classes, [], rows, math.nan, problem=unusable)
    scarce = [repr(c) for k, c in enumerate(classes) if min((truth == k).sum(),
              (truth != k).sum()) < MIN_PER_CLASS]  # fmt: skip
    if scarce:
        problem = (
            f"the held-out outcomes hold fewer than {MIN_PER_CLASS} rows of the class(es) "
            f"{', '.join(scarce)} (or of the rest): nothing to calibrate their chances on"
        )
        return Calibration(classes, [], rows, math.nan, problem=problem)
    if rows < MIN_HELD_OUT:
        return Calibration(classes, [], rows, math.nan, problem=f"{rows} held-out rows; "
                           f"calibrating needs at least {MIN_HELD_OUT}")  # fmt: skip
    calibrated = [1] if len(classes) == 2 else list(range(len(classes)))
    maps = [_isotonic(scores[:, k], truth == k) for k in calibrated]
    rng = np.random.default_rng(seed)
    order = rng.permutation(rows)
    halves = (order[: rows // 2], order[rows // 2 :])
    hits = {k: truth == k for k in calibrated}
    error = _fold_error(scores, hits, halves)
    fitted = {k: np.interp(scores[:, k], *maps[i]) for i, k in enumerate(calibrated)}
    null = [
        _fold_error(scores, {k: rng.random(rows) < fitted[k] for k in calibrated}, halves)
        for _ in range(NULL_DRAWS)
    ]
    limit = float(np.max(null)) + MARGIN  # a calibrated model is refused about 1% of the time
    problem = None
    if error > limit:
        problem = (f"calibration does not carry out of sample: fitted on half the held-out rows, "
                   f"it misses the other half by {error:.3f}, and a calibrated model of "
                   f"{rows} rows misses by at most {limit:.3f}")  # fmt: skip
    return Calibration(classes, maps, rows, error, limit, problem)


def _fold_error(
    scores: np.ndarray, hits: dict[int, np.ndarray], halves: tuple[np.ndarray, np.ndarray]
) -> float:
    """Calibrated on one half, measured on the other, both ways; the mean over classes."""
    import numpy as np

    errors = []
    for fit, check in (halves, halves[::-1]):
        for k, hit in hits.items():
            knots = _isotonic(scores[fit, k], hit[fit])
            chance = np.interp(scores[check, k], *knots)
            errors.append(binned_error(scores[check, k], chance, hit[check]))
    return float(np.mean(errors))


def _isotonic(score: np.ndarray, hit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.isotonic import IsotonicRegression

    fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    fitted.fit(score, hit.astype(float))
    return fitted.X_thresholds_, fitted.y_thresholds_


def binned_error(score: np.ndarray, chance: np.ndarray, hit: np.ndarray) -> float:
    """Mean |calibrated chance - observed share| over equal-count bins of the score."""
    import numpy as np

    order = np.argsort(score, kind="stable")
    total = 0.0
    for part in np.array_split(order, min(CHECK_BINS, len(order))):
        total += len(part) * abs(float(chance[part].mean()) - float(hit[part].mean()))
    return total / len(order)


@dataclass
class Tally:
    """A window's expected confusion matrix and score histograms, built in bounded memory."""

    calibration: Calibration
    rows: int = 0
    skipped: int = 0  # predictions without usable probabilities
    _raw: list[tuple[Any, Any]] = field(default_factory=list)  # rows not yet tallied
    _lookup: dict[tuple[Any, type], int] = field(default_factory=dict)
    confusion: Any = None  # [true j, predicted k]
    positives: Any = None  # per class and score bin: summed chance of that class
    negatives: Any = None  # and of the rest

    def __post_init__(self) -> None:
        import numpy as np

        size = len(self.calibration.classes)
        self.confusion = np.zeros((size, size))
        self.positives = np.zeros((size, SCORE_BINS))
        self.negatives = np.zeros((size, SCORE_BINS))
        self._keys = [str(c) for c in self.calibration.classes]

    def add(self, prediction: Any, probabilities: Any) -> None:
        """One logged prediction with its probabilities (as the service logs them); the work
        is done a chunk at a time, in flush()."""
        self._raw.append((prediction, probabilities))
        if len(self._raw) >= FLUSH_ROWS:
            self.flush()

    def _class_index(self, value: Any) -> int:
        """The class's position, -1 for a value that is no class of the model."""
        kind = type(value)
        if kind not in (str, int, float, bool):
            return -1
        key = (value, kind)  # 1 and True hash alike: the type keeps them apart
        index = self._lookup.get(key)
        if index is None:
            found, cls = class_of(value, self.calibration.classes)
            index = self._lookup[key] = self.calibration.classes.index(cls) if found else -1
        return index

    def _scores_of(self, raw: list[tuple[Any, Any]]) -> np.ndarray:
        """Each row's class probabilities in the classes' order; NaN where a row has none
        usable (io.held_out.probability_row's rule) or lacks a class."""
        import numpy as np

        pick, nan = itemgetter(*self._keys), (math.nan,) * len(self._keys)

        def one(row: Any) -> tuple[float, ...]:
            usable = probability_row(row)
            try:
                return pick(usable) if usable is not None else nan
            except KeyError:
                return nan

        return np.array([one(row) for _, row in raw], dtype=float)

    def flush(self) -> None:
        import numpy as np

        raw, self._raw = self._raw, []
        if not raw:
            return
        predicted = np.array([self._class_index(value) for value, _ in raw], dtype=int)
        scores = self._scores_of(raw)
        usable = (predicted >= 0) & np.isfinite(scores).all(axis=1)
        self.skipped += int(len(raw) - usable.sum())
        scores, predicted = np.clip(scores[usable], 0.0, 1.0), predicted[usable]
        if not len(predicted):
            return
        chances = self.calibration.chances(scores)
        for k in range(len(self.calibration.classes)):
            self.confusion[:, k] += chances[predicted == k].sum(axis=0)
            bins = np.minimum((scores[:, k] * SCORE_BINS).astype(int), SCORE_BINS - 1)
            self.positives[k] += np.bincount(bins, chances[:, k], SCORE_BINS)
            self.negatives[k] += np.bincount(bins, 1.0 - chances[:, k], SCORE_BINS)
        self.rows += len(predicted)

    def totals(self) -> np.ndarray:
        """Everything the tally holds as one vector of sums (rows, skipped, the confusion
        matrix, the score histograms): tallies of disjoint rows merge by adding theirs, in any
        order (the Spark engine tallies each partition apart)."""
        import numpy as np

        self.flush()
        counts = np.array([self.rows, self.skipped], dtype=float)
        parts = (counts, self.confusion.ravel(), self.positives.ravel(), self.negatives.ravel())
        return np.concatenate(parts)

    def add_totals(self, totals: np.ndarray) -> None:
        """Merge another tally's totals() into this one."""
        self.flush()
        size = len(self.calibration.classes)
        rows, skipped = totals[:2]
        confusion, rest = totals[2 : 2 + size * size], totals[2 + size * size :]
        self.rows += int(rows)
        self.skipped += int(skipped)
        self.confusion += confusion.reshape(size, size)
        self.positives += rest[: size * SCORE_BINS].reshape(size, SCORE_BINS)
        self.negatives += rest[size * SCORE_BINS :].reshape(size, SCORE_BINS)

    def metrics(self) -> dict[str, float]:
        """The estimated metrics, named as mlgate.scores names the realised ones."""
        self.flush()
        return estimated_metrics(self.confusion, self.positives, self.negatives)


def estimated_metrics(
    confusion: np.ndarray, positives: np.ndarray, negatives: np.ndarray
) -> dict[str, float]:
    import numpy as np

    total = float(confusion.sum())
    if total <= 0:
        return {}
    hits = np.diag(confusion)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    present = (predicted + actual) > 0  # classes sklearn's macro average would see
    precision = _ratio(hits, predicted)
    recall = _ratio(hits, actual)
    f1 = _ratio(2 * hits, predicted + actual)
    scores = {
        "accuracy": float(hits.sum() / total),
        "f1_macro": float(f1[present].mean()),
        "precision_macro": float(precision[present].mean()),
        "recall_macro": float(recall[present].mean()),
    }
    classes = confusion.shape[0]
    areas = [_area(positives[k], negatives[k]) for k in ([1] if classes == 2 else range(classes))]
    if all(a is not None for a in areas):
        scores["roc_auc"] = float(np.mean(areas))
    return scores


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.divide(top, bottom, out=np.zeros_like(top, dtype=float), where=bottom > 0)


def _area(positive: np.ndarray, negative: np.ndarray) -> float | None:
    """P(a positive outscores a negative), each bin's own pairs counting half."""
    import numpy as np

    mass_pos, mass_neg = float(positive.sum()), float(negative.sum())
    if mass_pos <= 0 or mass_neg <= 0:
        return None
    below = np.cumsum(negative) - negative
    return float(np.sum(positive * (below + 0.5 * negative)) / (mass_pos * mass_neg))


def estimate_rows(
    calibration: Calibration, predictions: Sequence[Any], probabilities: Sequence[Any]
) -> dict[str, float]:
    """The estimate on rows in memory (tests, and the held-out check in the docs)."""
    tally = Tally(calibration)
    for prediction, row in zip(predictions, probabilities, strict=True):
        tally.add(prediction, row)
    return tally.metrics()
