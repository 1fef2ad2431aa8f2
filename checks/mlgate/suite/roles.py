"""What each column of a user's table is, with the evidence: the roles `suite init` reports.

A table brought by a user is not only numbers and categories. A listing date read as text,
one-hot encoded, makes one category per timestamp, and every future date is then unseen. Free
text becomes one category per sentence. An order number becomes a feature that identifies its
row. So each column gets one role, with the evidence a person can check:

- boolean: booleans (CSV `True`/`False`, with or without gaps);
- datetime: a datetime dtype, or text that parses as dates in one format (95% of the values,
  by `datetime.strptime`, as GX checks it; the suite then expects that share);
- identifier: unique per row, and text without spaces or a name that says so (`id`,
  `..._id`, `uuid`, `key`, pandas' `Unnamed: 0`): whole numbers need the name, so a unique
  price or count is never one;
- integer: whole numbers (an integer column with gaps reads as floats);
- numeric: other numbers;
- text: words, not labels: three words a value on average (or 30 characters), more than 20
  distinct values and at least a fifth of the values distinct (long labels repeat);
- categorical: the rest (labels), with their number of categories.

The rules are deliberately simple and written down: the roles go into a file the user edits
(`--roles`), never silently into a model.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

ROLES = ("boolean", "datetime", "identifier", "integer", "numeric", "text", "categorical")
DATE_SHARE = 0.95  # of the values that must parse as dates in the one format found
SAMPLE = 2000  # values looked at to decide date or text (the suite itself sees all rows)
GUESSES = 200  # values whose date format is guessed (dateutil is slow); the most common wins
MIN_ROWS_FOR_IDENTIFIER = 20  # below that, every column can be unique by chance
TEXT_WORDS = 3.0  # mean words a value
TEXT_LENGTH = 30.0  # or mean characters
TEXT_MIN_DISTINCT = 20  # and more distinct values than a label set has
TEXT_DISTINCT_SHARE = 0.2  # and that many of the values distinct
# `id`, `customer_id`, `uuid`, `key`, and pandas' written index (`Unnamed: 0`)
ID_NAME = re.compile(r"(^|[_\W])(id|uuid|guid|key)$|^id[_\W]|^unnamed: ?0$", re.IGNORECASE)


@dataclass(frozen=True)
class Role:
    role: str
    evidence: str
    format: str | None = None  # datetime text: the strftime format the values follow
    share: float = 1.0  # datetime text: of the values that follow it


def column_role(name: str, series: pd.Series) -> Role:
    """The role of one column, and why."""
    from pandas.api import types

    values = series.dropna()
    if types.is_bool_dtype(series) or (series.dtype == object and _all_booleans(values)):
        return Role("boolean", "true/false values")
    if types.is_datetime64_any_dtype(series):
        return Role("datetime", f"datetime values ({series.dtype})")
    enough = len(values) >= MIN_ROWS_FOR_IDENTIFIER and not series.isna().any()
    unique = enough and _unique(values)
    if types.is_numeric_dtype(series):
        whole = types.is_integer_dtype(series) or bool((values == values.round()).all())
        if whole and unique and ID_NAME.search(name):
            return Role("identifier", f"unique per row ({len(values):,} values), named as one")
        if whole and len(values):
            low, high = _plain(values.min()), _plain(values.max())
            return Role("integer", f"whole numbers {low} to {high}")
        return Role("numeric", "numbers")
    text = values.astype(str)
    if text.empty:
        return Role("categorical", "no values to judge: a person must decide")
    date_format, parsed_share = _date_format(text)
    if date_format is not None:
        shown = f"{parsed_share:.1%}".replace("100.0%", "100%")
        return Role("datetime", f"{shown} parse as {date_format}", date_format, parsed_share)
    if unique and (ID_NAME.search(name) or not text.str.contains(r"\s", regex=True).any()):
        return Role("identifier", f"unique per row ({len(values):,} values), no spaces")
    sample = text.head(SAMPLE)
    words = float(sample.str.split().str.len().mean())
    length = float(sample.str.len().mean())
    count = text.nunique()
    distinct = count / len(text)
    # long labels repeat ("Adelie Penguin (Pygoscelis adeliae)"); sentences mostly do not
    if (
        (words >= TEXT_WORDS or length >= TEXT_LENGTH)
        and count > TEXT_MIN_DISTINCT
        and (distinct >= TEXT_DISTINCT_SHARE)
    ):
        return Role("text", f"free text: {words:.1f} words a value, {distinct:.0%} distinct")
    return Role("categorical", f"{count:,} {'category' if count == 1 else 'categories'}")


def _all_booleans(values: pd.Series) -> bool:
    """CSV booleans with gaps: object dtype holding bools (the first value decides quickly)."""
    return bool(len(values)) and type(values.iloc[0]) is bool and values.map(type).eq(bool).all()


def _unique(values: pd.Series) -> bool:
    try:
        return bool(values.is_unique)
    except TypeError:  # lists or mappings from JSON lines: compared as their text
        return bool(values.astype(str).is_unique)


def table_roles(frame: pd.DataFrame) -> dict[str, Role]:
    return {str(name): column_role(str(name), frame[name]) for name in frame.columns}


def _date_format(text: pd.Series) -> tuple[str | None, float]:
    """The strftime format most values follow, and the share of the values that parse with it,
    as `datetime.strptime` (what GX's format expectation uses) would; numbers are not dates."""
    import pandas as pd
    from pandas.tseries.api import guess_datetime_format

    sample = text.head(SAMPLE)
    if sample.str.fullmatch(r"[+-]?\d+(\.\d+)?").mean() > 0.5:
        return None, 0.0  # plain numbers: a year or a count read as text, not a date
    with warnings.catch_warnings():  # "dayfirst" hints: the format found is what counts
        warnings.simplefilter("ignore", UserWarning)
        guessed = sample.head(GUESSES).map(guess_datetime_format).dropna()
    if len(guessed) < GUESSES * DATE_SHARE / 2 and len(guessed) < len(sample) * DATE_SHARE:
        return None, 0.0  # most values look like no date at all: no need to parse them
    date_format = str(guessed.mode().iloc[0])
    # every value by pandas (vectorised), the sample by strptime too: where the two disagree
    # (pandas takes nanoseconds `%f` does not), the stricter share counts
    strict = float(sample.map(lambda value: _parses(value, date_format)).mean())
    try:
        parsed = pd.to_datetime(text, format=date_format, errors="coerce", utc=True)
        share = min(float(parsed.notna().mean()), strict)
    except (ValueError, TypeError, OverflowError):
        share = strict
    return (date_format, share) if share >= DATE_SHARE else (None, share)


def _parses(value: str, date_format: str) -> bool:
    try:
        datetime.strptime(value, date_format)
    except ValueError:
        return False
    return True


def _plain(value: object) -> object:
    plain = value.item() if hasattr(value, "item") else value
    return int(plain) if isinstance(plain, float) and plain.is_integer() else plain
