"""What each column of a user's table is, with the evidence: the roles `suite init` reports.

A table brought by a user is not only numbers and categories. A listing date read as text,
one-hot encoded, makes one category per timestamp, and every future date is then unseen. Free
text becomes one category per sentence. An order number becomes a feature that identifies its
row. So each column gets one role, with the evidence a person can check:

- boolean: booleans (CSV `True`/`False`, with or without gaps);
- datetime: a datetime dtype, or text that parses as dates in one format (95% of the values);
- identifier: unique per row, and either text without spaces or consecutive whole numbers or a
  name that says so (`id`, `..._id`, `uuid`, `key`), so a unique price is never one;
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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

ROLES = ("boolean", "datetime", "identifier", "integer", "numeric", "text", "categorical")
DATE_SHARE = 0.95  # of the values that must parse as dates in the one format found
SAMPLE = 2000  # values looked at to decide date or text (the suite itself sees all rows)
MIN_ROWS_FOR_IDENTIFIER = 20  # below that, every column can be unique by chance
TEXT_WORDS = 3.0  # mean words a value
TEXT_LENGTH = 30.0  # or mean characters
TEXT_MIN_DISTINCT = 20  # and more distinct values than a label set has
TEXT_DISTINCT_SHARE = 0.2  # and that many of the values distinct
ID_NAME = re.compile(r"(^|[_\W])(id|uuid|guid|key)$|^id[_\W]", re.IGNORECASE)


@dataclass(frozen=True)
class Role:
    role: str
    evidence: str
    format: str | None = None  # datetime text: the strftime format the values follow


def column_role(name: str, series: pd.Series) -> Role:
    """The role of one column, and why."""
    from pandas.api import types

    values = series.dropna()
    if types.is_bool_dtype(series) or (
        len(values) and not types.is_numeric_dtype(series) and values.map(type).eq(bool).all()
    ):
        return Role("boolean", "true/false values")
    if types.is_datetime64_any_dtype(series):
        return Role("datetime", f"datetime values ({series.dtype})")
    unique = len(values) >= MIN_ROWS_FOR_IDENTIFIER and values.is_unique and not series.isna().any()
    if types.is_numeric_dtype(series):
        whole = types.is_integer_dtype(series) or bool((values == values.round()).all())
        if whole and unique and (ID_NAME.search(name) or _consecutive(values)):
            why = "named as one" if ID_NAME.search(name) else "consecutive whole numbers"
            return Role("identifier", f"unique per row ({len(values):,} values), {why}")
        if whole and len(values):
            low, high = _plain(values.min()), _plain(values.max())
            return Role("integer", f"whole numbers {low} to {high}")
        return Role("numeric", "numbers")
    text = values.astype(str)
    if text.empty:
        return Role("categorical", "no values to judge: a person must decide")
    date_format, parsed_share = _date_format(text)
    if date_format is not None:
        return Role("datetime", f"{parsed_share:.0%} parse as {date_format}", date_format)
    spaced = text.str.contains(r"\s", regex=True).mean()
    if unique and (spaced == 0 or ID_NAME.search(name)):
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


def table_roles(frame: pd.DataFrame) -> dict[str, Role]:
    return {str(name): column_role(str(name), frame[name]) for name in frame.columns}


def _consecutive(values: pd.Series) -> bool:
    return float(values.max()) - float(values.min()) + 1 == len(values)


def _date_format(text: pd.Series) -> tuple[str | None, float]:
    """The strftime format most values follow, if 95% parse with it (numbers are not dates)."""
    import pandas as pd
    from pandas.tseries.api import guess_datetime_format

    sample = text.head(SAMPLE)
    if sample.str.fullmatch(r"[+-]?\d+(\.\d+)?").mean() > 0.5:
        return None, 0.0  # plain numbers: a year or a count read as text, not a date
    with warnings.catch_warnings():  # "dayfirst" hints: the format found is what counts
        warnings.simplefilter("ignore", UserWarning)
        guessed = sample.map(guess_datetime_format).dropna()
    if guessed.empty:
        return None, 0.0
    date_format = str(guessed.mode().iloc[0])
    parsed = pd.to_datetime(sample, format=date_format, errors="coerce")
    share = float(parsed.notna().mean())
    return (date_format, share) if share >= DATE_SHARE else (None, share)


def _plain(value: object) -> object:
    plain = value.item() if hasattr(value, "item") else value
    return int(plain) if isinstance(plain, float) and plain.is_integer() else plain
