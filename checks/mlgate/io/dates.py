"""How a date column is read, once for everyone: the model (a generated project's features.py),
the service's request check, its compiled predict path and drift all call `parse_dates`.

pandas reads each value with the column's strftime format (or ISO 8601 without one), in UTC
(a date without an offset is taken as UTC). What it would read as the clock's time ("now",
"today") or as a gap in disguise ("NaT", "nan", "") is not a date: a model trained on it
would differ from run to run, and a request carrying it would be imputed in silence. Ages
and day numbers are computed in seconds, so dates far from 1970 (1600, 2300) never overflow
pandas' nanoseconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

NOT_DATES = frozenset({"", "now", "today", "tomorrow", "yesterday", "nat", "nan", "none", "null"})
SECONDS_PER_DAY = 86_400.0


def parse_dates(values: Any, date_format: str | None) -> pd.Series:
    """UTC timestamps at second resolution; what is not a date in the format is NaT."""
    import pandas as pd
    from pandas.api import types

    series = pd.Series(values)
    if types.is_datetime64_any_dtype(series):
        parsed = pd.to_datetime(series, utc=True)
    else:
        text = series.astype(object).where(series.notna(), None)
        text = text.map(_date_text)
        try:
            parsed = pd.to_datetime(
                text, format=date_format or "ISO8601", errors="coerce", utc=True
            )
        except (ValueError, TypeError) as exc:  # a format pandas refuses ('%Q', a stray %)
            raise ValueError(f"the date format {date_format!r} is not valid: {exc}") from None
    if types.is_datetime64_any_dtype(parsed) and parsed.dt.unit != "s":
        parsed = parsed.dt.as_unit("s")
    return parsed


def _date_text(value: Any) -> Any:
    if not isinstance(value, str) or value.strip().lower() in NOT_DATES:
        return None
    return value


def is_date(value: str, date_format: str | None) -> bool:
    """One value, read as parse_dates reads a column."""
    return bool(parse_dates([value], date_format).notna().iloc[0])


def days_since_1970(parsed: pd.Series) -> np.ndarray:
    """Day numbers as floats (NaN for NaT), in seconds: no overflow for any year pandas holds."""
    import numpy as np
    import pandas as pd

    epoch = pd.Timestamp(0, tz="UTC").as_unit("s")
    return np.asarray((parsed - epoch).dt.total_seconds(), dtype=float) / SECONDS_PER_DAY


def date_of_day(days: float) -> str:
    """A day number (days since 1970-01-01 UTC, as drift profiles dates) as its date."""
    from datetime import UTC, datetime, timedelta

    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=days)).date().isoformat()


def age_in_days(reference: Any, parsed: pd.Series) -> np.ndarray:
    """Days from each date back from `reference` (negative after it), NaN for NaT."""
    import numpy as np
    import pandas as pd

    moment = pd.Timestamp(reference)
    moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
    return np.asarray((moment.as_unit("s") - parsed).dt.total_seconds(), float) / SECONDS_PER_DAY
