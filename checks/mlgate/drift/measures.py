"""Dates and free text as numbers drift can compare, with Arrow's own kernels.

A date column is compared as days since 1970-01-01 (UTC): one calendar for the reference and
every window, so a window of dates beyond the training range shows as such (a model that
reads year and age has not seen them). A text column is compared by its words per value and
by the share of its words outside the reference's vocabulary: two listings that say
"sea view, renovated" and "renovated, sea view" are the same words, not two categories.
Words are runs of two or more letters or digits, lower-cased, as scikit-learn's default
token pattern reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

WORD = r"[\p{L}\p{N}_]{2,}"
SEPARATORS = r"[^\p{L}\p{N}_]+"
DAY_MS = 86_400_000
TICKS_PER_DAY = {"s": 86_400, "ms": DAY_MS, "us": DAY_MS * 1000, "ns": DAY_MS * 1_000_000}
EXAMPLES = 3


@dataclass
class Unparsed:
    """Values that are present but not dates in the expected format."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, value: str) -> None:
        self.count += 1
        shown = value[:40]
        if len(self.examples) < EXAMPLES and shown not in self.examples:
            self.examples.append(shown)


def epoch_days(
    column: pa.ChunkedArray | pa.Array, date_format: str | None, unparsed: Unparsed
) -> np.ndarray:
    """Days since 1970-01-01 UTC as floats, NaN where missing or not a date (counted)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_timestamp(kind):  # in the column's own unit: no cast that could refuse
        ticks = column.cast(pa.int64())  # sub-millisecond digits; exact for whole ones
        return _floats(ticks) / TICKS_PER_DAY[kind.unit]
    if pa.types.is_date(kind):
        return _floats(column.cast(pa.date32()).cast(pa.int32()))
    if pa.types.is_dictionary(kind):
        column = column.cast(pa.string())
    text = column.cast(pa.string())
    text = pc.if_else(pc.equal(pc.utf8_trim_whitespace(text), ""), None, text)
    present = pc.is_valid(text)
    try:
        if date_format is None:  # Arrow's ISO reading of whole seconds, else the model's:
            # the same days either way (pandas keeps whole seconds), whatever else the batch
            # holds; milliseconds here made a value's days depend on its neighbours
            return _floats(text.cast(pa.timestamp("s")).cast(pa.int64())) / TICKS_PER_DAY["s"]
        # Arrow's strptime is lenient (31/02 rolls over, '24' passes as %Y): a value is taken
        # only if it prints back as written; the rest are read as the model reads them
        parsed = pc.strptime(text, format=date_format, unit="ms", error_is_null=True)
        printed = pc.strftime(parsed, format=date_format)
        days = _floats(parsed.cast(pa.int64())) / DAY_MS
        doubtful = pc.and_(present, pc.fill_null(pc.not_equal(text, printed), True))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        days = np.full(len(text), np.nan)  # some value (or the format) Arrow cannot take
        doubtful = present
    positions = np.flatnonzero(np.asarray(doubtful.to_numpy(zero_copy_only=False), dtype=bool))
    if positions.size:
        days[positions] = np.nan
        given = text.take(pa.array(positions)).to_pylist()
        _parse_as_the_model_does(positions, given, date_format, days, unparsed)
    return days


def _parse_as_the_model_does(
    positions: np.ndarray,
    given: list[str],
    date_format: str | None,
    days: np.ndarray,
    unparsed: Unparsed,
) -> None:
    """mlgate.io.dates, as a generated project's model and service read dates."""
    from ..io.dates import days_since_1970, parse_dates

    try:
        found = days_since_1970(parse_dates(given, date_format))
    except ValueError:  # a format pandas refuses: no value is a date in it
        found = [float("nan")] * len(given)
    for position, value, day in zip(positions, given, found, strict=True):
        if day != day:
            unparsed.add(str(value))
        else:
            days[position] = float(day)


def _floats(array: pa.ChunkedArray | pa.Array) -> np.ndarray:
    import numpy as np

    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=float)


def word_counts(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Words per value as floats; NaN where the value is missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = column.cast(pa.string())
    return _floats(pc.count_substring_regex(text, WORD))


def words(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Every word of every value, lower-cased, in one array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_lower(column.cast(pa.string()))
    pieces = pc.list_flatten(pc.split_pattern_regex(text.drop_null(), SEPARATORS))
    if isinstance(pieces, pa.ChunkedArray):
        pieces = pieces.combine_chunks()
    return pieces.filter(pc.greater_equal(pc.utf8_length(pieces), 2))


def out_of_vocabulary(column: pa.ChunkedArray | pa.Array, vocabulary: pa.Array) -> tuple[int, int]:
    """(words, words not in the vocabulary) of a column."""
    found = words(column)
    return len(found), unknown(found, vocabulary)


def unknown(found: pa.Array, vocabulary: pa.Array) -> int:
    """How many of these words the vocabulary does not hold."""
    import pyarrow.compute as pc

    if len(found) == 0:
        return 0
    return len(found) - int(pc.sum(pc.is_in(found, value_set=vocabulary)).as_py() or 0)
