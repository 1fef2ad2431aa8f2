"""The trained pipeline's arithmetic on plain arrays, for serving small batches quickly.

scikit-learn's per-call checks dominate a one-row prediction: the ColumnTransformer builds
pandas frames for every step and a random forest dispatches each tree through joblib, so a
one-row predict_proba of the default forest takes ~17 ms, of which the trees' own work is ~2.
`compile_pipeline` reads the fitted steps a generated project builds (its features.py: median
imputing, scaling; text (the project's `as_text`, passed in) + constant imputing + one-hot
encoding; dates as calendar parts (its DateParts) + imputing + scaling; a bag of words
(CountVectorizer, through its own analyzer); target encoding + scaling) and redoes them with
numpy on the request's columns; the final estimator is called
on the resulting matrix (a forest tree by tree with check_input=False, in the forest's own
order). Anything else (a step the project added, an option this does not know) is not
compiled and the service uses the pipeline. `verified` then compares both on probe rows built
from the schema (values across the training range, missing values, unseen categories) and
keeps the compiled path only when they agree, so a change to features.py can make serving
slower, never wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    StandardScaler,
    TargetEncoder,
)

MISSING = "missing"  # a generated project's fill value for a missing category
RELATIVE_TOLERANCE = 1e-9
Columns = list[list[Any]]
TextStep = Callable[..., Any] | None


class NotCompiled(Exception):
    """The pipeline holds something this module does not reproduce: serve it as it is."""


@dataclass(frozen=True)
class NumericBlock:
    """Median imputing then standard scaling of some numeric columns."""

    positions: list[int]
    fill: np.ndarray
    mean: np.ndarray | None
    scale: np.ndarray | None

    def transform(self, columns: Columns) -> np.ndarray:
        block = np.array([columns[i] for i in self.positions], dtype=float).T
        block = np.where(np.isnan(block), self.fill, block)
        if self.mean is not None:
            block -= self.mean
        if self.scale is not None:
            block /= self.scale
        return block


@dataclass(frozen=True)
class CategoricalBlock:
    """Text, constant imputing and one-hot encoding (unknown categories: all zeros)."""

    positions: list[int]
    lookups: list[dict[str, int]]
    width: int

    def transform(self, columns: Columns) -> np.ndarray:
        rows = len(columns[self.positions[0]])
        block = np.zeros((rows, self.width))
        for position, lookup in zip(self.positions, self.lookups, strict=True):
            for row, value in enumerate(columns[position]):
                missing = value is None or value != value  # None, or a float NaN
                index = lookup.get(MISSING if missing else str(value))
                if index is not None:
                    block[row, index] = 1.0
        return block


@dataclass(frozen=True)
class DateBlock:
    """Dates as year, month, day of week and age in days before a reference (UTC), then
    median imputing and scaling: the project's DateParts without its pandas frames."""

    positions: list[int]
    formats: list[str | None]
    reference: Any  # a UTC pandas Timestamp
    fill: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    @property
    def width(self) -> int:
        return 4 * len(self.positions)

    def transform(self, columns: Columns) -> np.ndarray:
        """mlgate.io.dates, one call a column, as DateParts reads them (the same gaps)."""
        from mlgate.io.dates import age_in_days, parse_dates

        parts = []
        for position, date_format in zip(self.positions, self.formats, strict=True):
            parsed = parse_dates(columns[position], date_format)
            age = age_in_days(self.reference, parsed)
            parts.append(
                np.column_stack([parsed.dt.year, parsed.dt.month, parsed.dt.day_of_week, age])
            )
        block = np.hstack(parts).astype(float)
        block = np.where(np.isnan(block), self.fill, block)
        return (block - self.mean) / self.scale


@dataclass(frozen=True)
class WordsBlock:
    """One text column as the fitted CountVectorizer counts it (its own analyzer)."""

    position: int
    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    binary: bool

    @property
    def width(self) -> int:
        return len(self.vocabulary)

    def transform(self, columns: Columns) -> np.ndarray:
        values = columns[self.position]
        block = np.zeros((len(values), self.width))
        for row, value in enumerate(values):
            text = value if isinstance(value, str) else ""
            for word in self.analyzer(text):
                index = self.vocabulary.get(word)
                if index is not None:
                    block[row, index] = 1.0 if self.binary else block[row, index] + 1.0
        return block


@dataclass(frozen=True)
class TargetBlock:
    """Text, constant imputing, target means per category (unknown: the overall mean), scaling."""

    positions: list[int]
    lookups: list[dict[str, float]]
    defaults: list[float]
    mean: np.ndarray
    scale: np.ndarray

    @property
    def width(self) -> int:
        return len(self.positions)

    def transform(self, columns: Columns) -> np.ndarray:
        rows = len(columns[self.positions[0]])
        block = np.empty((rows, self.width))
        for index, (position, lookup) in enumerate(zip(self.positions, self.lookups, strict=True)):
            default = self.defaults[index]
            for row, value in enumerate(columns[position]):
                missing = value is None or value != value
                block[row, index] = lookup.get(MISSING if missing else str(value), default)
        return (block - self.mean) / self.scale


Block = NumericBlock | CategoricalBlock | DateBlock | WordsBlock | TargetBlock


@dataclass(frozen=True)
class CompiledPipeline:
    """predict(columns) -> (labels or values, class probabilities or None), as the pipeline."""

    blocks: list[Block]
    estimator: Any
    classes: list[Any]
    forest: bool

    def matrix(self, columns: Columns) -> np.ndarray:
        return np.hstack([block.transform(columns) for block in self.blocks])

    def predict(self, columns: Columns) -> tuple[np.ndarray, np.ndarray | None]:
        matrix = self.matrix(columns)
        if self.classes:
            proba = (
                self._forest_proba(matrix) if self.forest else self.estimator.predict_proba(matrix)
            )
            return np.asarray(self.classes, dtype=object)[np.argmax(proba, axis=1)], proba
        values = self._forest_values(matrix) if self.forest else self.estimator.predict(matrix)
        return np.asarray(values), None

    def _forest_proba(self, matrix: np.ndarray) -> np.ndarray:
        rows = np.ascontiguousarray(matrix, dtype=np.float32)
        total = np.zeros((len(rows), len(self.classes)))
        for tree in self.estimator.estimators_:
            total += tree.predict_proba(rows, check_input=False)
        total /= len(self.estimator.estimators_)
        return total

    def _forest_values(self, matrix: np.ndarray) -> np.ndarray:
        rows = np.ascontiguousarray(matrix, dtype=np.float32)
        total = np.zeros(len(rows))
        for tree in self.estimator.estimators_:
            total += tree.predict(rows, check_input=False)
        total /= len(self.estimator.estimators_)
        return total


def compile_pipeline(
    pipeline: Any, names: list[str], probabilities: bool, as_text: TextStep = None
) -> CompiledPipeline:
    """The pipeline's steps as arrays; NotCompiled names the first step it cannot redo.

    as_text: the function of the FunctionTransformer that makes categories text; without it
    no categorical block is compiled.
    """
    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) != 2:
        raise NotCompiled("not a two-step Pipeline (features, model)")
    features, estimator = pipeline.steps[0][1], pipeline.steps[1][1]
    if not isinstance(features, ColumnTransformer):
        raise NotCompiled("the first step is not a ColumnTransformer")
    fitted_on_names = hasattr(estimator, "feature_names_in_")
    if getattr(estimator, "n_features_in_", None) is None or fitted_on_names:
        raise NotCompiled("the model was not fitted on the transformer's matrix")
    blocks: list[Block] = []
    for label, transformer, selected in features.transformers_:
        if transformer == "drop" or (label == "remainder" and not _as_list(selected)):
            continue
        positions = _positions(_as_list(selected), names)
        blocks.append(_block(transformer, positions, as_text, one_column=isinstance(selected, str)))
    forest = isinstance(estimator, RandomForestClassifier | RandomForestRegressor)
    if forest and (estimator.n_outputs_ != 1 or not estimator.estimators_):
        raise NotCompiled("a forest with several outputs or no trees")
    classes = list(estimator.classes_) if probabilities else []
    compiled = CompiledPipeline(blocks, estimator, classes, forest)
    if sum(_width(b) for b in blocks) != estimator.n_features_in_:
        raise NotCompiled("the transformed width differs from what the model was fitted on")
    return compiled


def _as_list(selected: Any) -> list[Any]:
    return list(selected) if isinstance(selected, list | tuple | np.ndarray) else [selected]


def _positions(selected: list[Any], names: list[str]) -> list[int]:
    if not selected or not all(isinstance(s, str) and s in names for s in selected):
        raise NotCompiled(f"columns selected by something other than feature names: {selected!r}")
    return [names.index(s) for s in selected]


def _width(block: Block) -> int:
    return len(block.positions) if isinstance(block, NumericBlock) else block.width


def _block(transformer: Any, positions: list[int], as_text: TextStep, one_column: bool) -> Block:
    steps = (
        [s for _, s in transformer.steps] if isinstance(transformer, Pipeline) else [transformer]
    )
    kinds = [type(s) for s in steps]
    if kinds == [SimpleImputer, StandardScaler]:
        return _numeric(steps[0], steps[1], positions)
    if kinds == [FunctionTransformer, SimpleImputer, OneHotEncoder]:
        return _categorical(*steps, positions, as_text)
    if kinds == [FunctionTransformer, SimpleImputer, TargetEncoder, StandardScaler]:
        return _target(*steps, positions, as_text)
    if kinds == [FunctionTransformer, CountVectorizer] and one_column:
        return _words(steps[1], positions[0])
    dates = type(steps[0]).__name__ == "DateParts"  # the project's own class (features.py)
    if dates and kinds[1:] == [SimpleImputer, StandardScaler]:
        return _dates(*steps, positions)
    raise NotCompiled(f"a transformer of steps {[k.__name__ for k in kinds]}")


def _dates(
    parts: Any, imputer: SimpleImputer, scaler: StandardScaler, positions: list[int]
) -> DateBlock:
    names = [str(n) for n in getattr(parts, "feature_names_in_", [])]
    formats = getattr(parts, "formats", None) or {}
    import pandas as pd

    try:
        reference = pd.Timestamp(str(parts.reference))
    except (AttributeError, ValueError):
        raise NotCompiled("date parts without a reference date") from None
    reference = reference.tz_localize("UTC") if reference.tzinfo is None else reference
    fill = np.asarray(imputer.statistics_, dtype=float)
    if len(names) != len(positions) or len(fill) != 4 * len(positions) or imputer.add_indicator:
        raise NotCompiled("date parts of another shape than year, month, day of week, age")
    if not _imputes_nan(imputer) or np.isnan(fill).any():
        raise NotCompiled("a date imputer that leaves gaps")
    return DateBlock(positions, [formats.get(n) for n in names], reference.tz_convert("UTC"),
                     fill, scaler.mean_, scaler.scale_)  # fmt: skip


def _words(vectorizer: CountVectorizer, position: int) -> WordsBlock:
    if vectorizer.analyzer != "word" or vectorizer.dtype not in (np.float64, float):
        raise NotCompiled("a text vectorizer other than words counted as floats")
    vocabulary = {str(w): int(i) for w, i in vectorizer.vocabulary_.items()}
    return WordsBlock(position, vectorizer.build_analyzer(), vocabulary, bool(vectorizer.binary))


def _target(
    text: FunctionTransformer,
    imputer: SimpleImputer,
    encoder: TargetEncoder,
    scaler: StandardScaler,
    positions: list[int],
    as_text: TextStep,
) -> TargetBlock:
    if as_text is None or text.func is not as_text or text.kw_args:
        raise NotCompiled("a categorical step other than the project's as_text")
    if not _imputes_nan(imputer) or imputer.strategy != "constant" or imputer.fill_value != MISSING:
        raise NotCompiled(f"a categorical imputer other than the constant {MISSING!r}")
    if encoder.target_type_ not in ("continuous", "binary"):
        raise NotCompiled("target encoding of several classes")
    lookups = []
    for categories, means in zip(encoder.categories_, encoder.encodings_, strict=True):
        if not all(isinstance(c, str) for c in categories):
            raise NotCompiled("categories that are not text")
        lookups.append({c: float(m) for c, m in zip(categories, means, strict=True)})
    defaults = [float(encoder.target_mean_)] * len(positions)
    return TargetBlock(positions, lookups, defaults, scaler.mean_, scaler.scale_)


def _numeric(imputer: SimpleImputer, scaler: StandardScaler, positions: list[int]) -> NumericBlock:
    fill = np.asarray(imputer.statistics_, dtype=float)
    if not _imputes_nan(imputer) or imputer.add_indicator or np.isnan(fill).any():
        raise NotCompiled("a numeric imputer that adds or drops columns")
    if len(fill) != len(positions):
        raise NotCompiled("a numeric imputer whose width differs from its columns")
    return NumericBlock(positions, fill, scaler.mean_, scaler.scale_)


def _categorical(
    text: FunctionTransformer,
    imputer: SimpleImputer,
    encoder: OneHotEncoder,
    positions: list[int],
    as_text: TextStep,
) -> CategoricalBlock:
    if as_text is None or text.func is not as_text or text.kw_args:
        raise NotCompiled("a categorical step other than the project's as_text")
    if not _imputes_nan(imputer) or imputer.strategy != "constant" or imputer.fill_value != MISSING:
        raise NotCompiled(f"a categorical imputer other than the constant {MISSING!r}")
    if imputer.add_indicator or getattr(encoder, "_infrequent_enabled", False):
        raise NotCompiled("an indicator column or infrequent categories")
    if encoder.drop_idx_ is not None or encoder.handle_unknown != "ignore":
        raise NotCompiled("a one-hot encoder that drops categories or refuses unknown ones")
    if encoder.sparse_output or len(encoder.categories_) != len(positions):
        raise NotCompiled("a sparse or differently wide one-hot encoder")
    lookups, offset = [], 0
    for categories in encoder.categories_:
        if not all(isinstance(c, str) for c in categories):
            raise NotCompiled("categories that are not text")
        lookups.append({c: offset + i for i, c in enumerate(categories)})
        offset += len(categories)
    return CategoricalBlock(positions, lookups, offset)


def _imputes_nan(imputer: SimpleImputer) -> bool:
    missing = imputer.missing_values
    return isinstance(missing, float) and np.isnan(missing)


def probe_columns(schema_features: list[dict[str, Any]], rows: int = 64, seed: int = 0) -> Columns:
    """Rows across and beyond each feature's training range, missing values, unseen categories."""
    rng = np.random.default_rng(seed)
    columns: Columns = []
    for position, feature in enumerate(schema_features):
        values: list[Any]
        if feature.get("kind") == "numeric":
            low, high = _bounds(feature)
            reach = high - low or 1.0
            values = list(rng.uniform(low - reach, high + reach, rows))
            values[:2] = [low, high]
        elif feature.get("kind") == "datetime":
            values = _probe_dates(feature, rng, rows)
        elif feature.get("kind") == "text":
            words = [*PROBE_WORDS, *(str(c) for c in feature.get("examples", []))]
            values = [" ".join(rng.choice(words, rng.integers(0, 6))) for _ in range(rows)]
        else:
            pool = [*sorted(str(c) for c in feature.get("categories", [])), "an unseen category"]
            values = [pool[i] for i in rng.integers(0, len(pool), rows)]
        for row in range(position % 7, rows, 7):
            values[row] = None
        columns.append(values)
    return columns


PROBE_WORDS = ["sea", "view", "renovated", "A", "garden", "new", "unseen", "Words", "2024", "x"]


def _probe_dates(feature: dict[str, Any], rng: np.random.Generator, rows: int) -> list[Any]:
    """Dates across and beyond the training range, in the feature's own format."""
    try:
        low = datetime.fromisoformat(str(feature["min"])).timestamp()
        high = datetime.fromisoformat(str(feature["max"])).timestamp()
    except (KeyError, ValueError):
        low, high = 1.5e9, 1.7e9
    reach = high - low or 86400.0
    date_format = feature.get("format")
    values: list[Any] = []
    for stamp in rng.uniform(low - reach, high + reach, rows):
        moment = datetime.fromtimestamp(float(stamp), UTC)
        values.append(moment.strftime(date_format) if date_format else moment.isoformat())
    return values


def _bounds(feature: dict[str, Any]) -> tuple[float, float]:
    low, high = feature.get("min"), feature.get("max")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
    return (float(low), float(high)) if numbers else (-1.0, 1.0)  # type: ignore[arg-type]


def verified(
    compiled: CompiledPipeline, reference: Callable[[Columns], tuple[Any, Any]], columns: Columns
) -> str | None:
    """None when the compiled path answers the probe rows as the pipeline does, else why not."""
    try:
        labels, proba = compiled.predict(columns)
    except Exception as exc:  # any failure means: do not use it
        return f"the compiled path failed on the probe rows: {type(exc).__name__}: {exc}"
    try:
        expected_labels, expected_proba = reference(columns)
        return _difference(labels, proba, expected_labels, expected_proba)
    except Exception as exc:  # what cannot be compared is not used
        return f"the answers cannot be compared: {type(exc).__name__}: {exc}"


def _difference(labels: Any, proba: Any, expected_labels: Any, expected_proba: Any) -> str | None:
    if (proba is None) != (expected_proba is None):
        return "one path gives class probabilities and the other does not"
    if proba is not None:
        if np.shape(proba) != np.shape(expected_proba) or not np.allclose(
            proba, expected_proba, rtol=RELATIVE_TOLERANCE, atol=1e-12
        ):
            return "its class probabilities differ from the pipeline's"
        if list(labels) != list(expected_labels):
            return "its labels differ from the pipeline's"
        return None
    values, expected = np.asarray(labels), np.asarray(expected_labels)
    if values.shape != expected.shape:
        return "its predictions differ from the pipeline's"
    if values.dtype.kind not in "biuf" or expected.dtype.kind not in "biuf":
        same = values.tolist() == expected.tolist()  # labels of a classifier without probabilities
        return None if same else "its predictions differ from the pipeline's"
    values, expected = values.astype(float), expected.astype(float)
    scale = max(1.0, float(np.abs(expected).max()))
    if not np.allclose(values, expected, rtol=RELATIVE_TOLERANCE, atol=RELATIVE_TOLERANCE * scale):
        return "its predictions differ from the pipeline's"
    return None
