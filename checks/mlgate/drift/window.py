"""Summarise a current window batch by batch, in memory that does not grow with its size.

Each reference column gets an accumulator of the same shape as its profile: counts on the
reference's bin edges (plus under/over), min and max, category counts (capped), and, where
a test needs raw values, a uniform sample of bounded size (bottom-k of seeded random keys).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import CouldNotCheck
from ..io.columnar import float_values
from .measures import Unparsed, epoch_days, out_of_vocabulary, word_counts
from .profile import MEASURED, category_key, number_key
from .stats import Binned, bin_sorted

if TYPE_CHECKING:
    import pyarrow as pa

MAX_CATEGORIES = 10_000  # distinct values kept per column; the rest are counted together
SAMPLE_CAP = 100_000
EXAMPLES = 3


@dataclass
class NumericWindow:
    """Counts and sums on the reference's bins, the mass beyond them, and a bounded sample.

    Bins are [edge, next edge), the last one closed, as `numpy.histogram` counts them in the
    profile. `below`/`above` hold the summed distance of values outside the reference's range
    to its first/last edge: the exact Wasserstein contribution of the tails.
    """

    edges: np.ndarray
    discrete: bool
    sample_cap: int
    rng: np.random.Generator
    count: int = 0
    nulls: int = 0
    not_numbers: int = 0
    not_number_examples: list[str] = field(default_factory=list)
    minimum: float = np.inf
    maximum: float = -np.inf
    bins: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(0))
    below: float = 0.0
    above: float = 0.0
    values: dict[str, int] = field(default_factory=dict)
    sample: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sample_keys: np.ndarray = field(default_factory=lambda: np.zeros(0))
    known: frozenset[str] = frozenset()  # the reference's values (discrete): always counted

    def __post_init__(self) -> None:
        self.bins = np.zeros(len(self.edges) + 1, np.int64)  # under, inner bins..., over
        self.offsets = np.zeros(max(len(self.edges) - 1, 0))

    def add(self, column: pa.ChunkedArray) -> None:
        values = self._as_floats(column)
        finite = np.sort(values[np.isfinite(values)])  # sorted: bins by 2 searches per edge
        self.nulls += int(values.size - finite.size)
        if finite.size == 0:
            return
        self.count += int(finite.size)
        self.minimum = min(self.minimum, float(finite[0]))
        self.maximum = max(self.maximum, float(finite[-1]))
        if len(self.edges) >= 2:
            self._bin(finite)
        if self.discrete:
            unique, counts = np.unique(finite, return_counts=True)
            for value, count in zip(unique, counts, strict=True):
                key = number_key(value)
                if key in self.values or key in self.known or len(self.values) < MAX_CATEGORIES:
                    self.values[key] = self.values.get(key, 0) + int(count)
        if self.sample_cap:
            self._keep_sample(finite)

    def _bin(self, ordered: np.ndarray) -> None:
        part = bin_sorted(ordered, self.edges)
        self.bins[0] += part.under
        self.bins[1:-1] += np.asarray(part.counts)
        self.bins[-1] += part.over
        self.offsets += np.asarray(part.offsets)
        self.below += part.below
        self.above += part.above

    def binned(self) -> Binned:
        return Binned(self.edges, self.bins[1:-1], offsets=self.offsets, under=int(self.bins[0]),
                      over=int(self.bins[-1]), below=self.below, above=self.above)  # fmt: skip

    def _as_floats(self, column: pa.ChunkedArray) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            try:
                return float_values(pc.cast(column, pa.float64()))
            except pa.ArrowInvalid:
                return self._lenient(column.to_pylist())
        try:
            return float_values(column)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return self._lenient([_plain_text(v) for v in column.to_pylist()])

    def _lenient(self, items: list[str | None]) -> np.ndarray:
        """Slow path for a batch holding text that is not a number: count it as such."""
        result = np.full(len(items), np.nan)
        for position, item in enumerate(items):
            if item is None or item.strip() == "":
                continue
            try:
                result[position] = float(item)
            except ValueError:
                self.not_numbers += 1
                self.nulls -= 1  # counted as a null below; it is reported on its own
                example = item[:40]
                if (
                    len(self.not_number_examples) < EXAMPLES
                    and example not in self.not_number_examples
                ):
                    self.not_number_examples.append(example)
        return result

    def _keep_sample(self, finite: np.ndarray) -> None:
        keys = self.rng.random(finite.size)
        values = np.concatenate([self.sample, finite])
        all_keys = np.concatenate([self.sample_keys, keys])
        if values.size > self.sample_cap:
            keep = np.argpartition(all_keys, self.sample_cap - 1)[: self.sample_cap]
            values, all_keys = values[keep], all_keys[keep]
        self.sample, self.sample_keys = values, all_keys


@dataclass
class DateWindow(NumericWindow):
    """Dates as days since 1970 on the reference's bins; text that is no date is counted."""

    date_format: str | None = None

    def _as_floats(self, column: pa.ChunkedArray) -> np.ndarray:
        unparsed = Unparsed(examples=list(self.not_number_examples))
        days = epoch_days(column, self.date_format, unparsed)
        self.not_numbers += unparsed.count
        self.nulls -= unparsed.count  # counted as nulls by add(); reported on their own
        self.not_number_examples = unparsed.examples
        return days


@dataclass
class TextWindow(NumericWindow):
    """Words per value on the reference's bins, and how many words the reference never used."""

    vocabulary: Any = None  # a pyarrow array of the reference's words
    words: int = 0
    unknown_words: int = 0

    def _as_floats(self, column: pa.ChunkedArray) -> np.ndarray:
        found, unknown = out_of_vocabulary(column, self.vocabulary)
        self.words += found
        self.unknown_words += unknown
        return word_counts(column)

    @property
    def unknown_share(self) -> float | None:
        return self.unknown_words / self.words if self.words else None


def _plain_text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class CategoryWindow:
    """Counts per category: every one the reference has (`known`), and up to MAX_CATEGORIES
    others, in the order met; the rest are counted together (`overflow`). A reference category
    met late is never lost among the others (it was, on a column of 36,000 distinct reviews)."""

    kind: str
    count: int = 0
    nulls: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    overflow: int = 0  # values beyond MAX_CATEGORIES distinct ones
    known: frozenset[str] = frozenset()
    _others: int = 0  # categories counted that the reference does not have

    def add(self, column: pa.ChunkedArray) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        self.nulls += column.null_count
        present = column.drop_null()
        if len(present) == 0:
            return
        self.count += len(present)
        for item in pc.value_counts(present).to_pylist():
            key = self._key(item["values"])
            if key in self.counts or key in self.known or self._others < MAX_CATEGORIES:
                self._others += key not in self.counts and key not in self.known
                self.counts[key] = self.counts.get(key, 0) + int(item["counts"])
            else:
                self.overflow += int(item["counts"])

    def _key(self, value: Any) -> str:
        key = category_key(value)
        if self.kind == "boolean":
            lowered = key.strip().lower()
            if lowered in ("true", "1", "1.0", "yes"):
                return "true"
            if lowered in ("false", "0", "0.0", "no"):
                return "false"
        return key


Accumulator = NumericWindow | CategoryWindow


def accumulator_for(spec: dict[str, Any], *, needs_sample: bool, seed: int) -> Accumulator:
    if spec["kind"] not in MEASURED:
        return CategoryWindow(kind=spec["kind"], known=frozenset(spec.get("top") or {}))
    shape = {
        "edges": np.asarray(spec.get("edges") or [], float),
        "discrete": "values" in spec,
        "known": frozenset(spec.get("values") or {}),
        "sample_cap": SAMPLE_CAP if needs_sample else 0,
        "rng": np.random.default_rng(seed),
    }
    if spec["kind"] == "datetime":
        return DateWindow(**shape, date_format=spec.get("format"))
    if spec["kind"] == "text":
        import pyarrow as pa

        return TextWindow(**shape, vocabulary=pa.array(spec["vocabulary"], pa.string()))
    return NumericWindow(**shape)


def refuse_foreign(missing: list[str], planned: int, found: Iterable[str]) -> None:
    """More than half the reference's columns absent: a window of other data, not drift."""
    if len(missing) > planned / 2:
        shown = ", ".join(sorted(found)) or "none"
        raise CouldNotCheck(
            f"the window does not look like the reference's data: {len(missing)} of "
            f"{planned} reference columns are missing ({', '.join(missing[:8])}); the "
            f"window has: {shown}. Is this profile from another schema?"
        )
