"""Read a data file into a pandas frame, or say clearly why it cannot be read."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CouldNotCheck, require

if TYPE_CHECKING:
    import pandas as pd

FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


PADDED_SAMPLE_ROWS = 10_000


def zero_padded_columns(path: str | Path, rows: int = PADDED_SAMPLE_ROWS) -> list[str]:
    """CSV columns holding digits written with leading zeros (zip codes, phone and account
    numbers) in their first `rows` rows: read as numbers, 02134 would become 2134 and the
    service, which gets the text, would meet a category training never had. Read as text."""
    found: set[str] = set()
    try:
        with Path(path).open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.reader(handle)
            header = next(reader, None) or []
            for _, row in zip(range(rows), reader, strict=False):
                for name, value in zip(header, row, strict=False):
                    if len(value) > 1 and value[0] == "0" and value.isdigit():
                        found.add(name)
    except (OSError, csv.Error):
        return []  # the real read says what is wrong with the file
    return [name for name in header if name in found]


def detect_format(path: Path) -> str:
    """The format from the file's suffix; an unknown suffix is an error, not a guess."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        allowed = ", ".join(sorted(FORMATS))
        raise CouldNotCheck(f"{path}: unknown data format {path.suffix!r} (expected {allowed})")
    return fmt


def read_table(path: str | Path) -> pd.DataFrame:
    """Load CSV, Parquet or JSON lines; every failure becomes a CouldNotCheck."""
    require("pandas", "data")
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise CouldNotCheck(f"{path}: data file not found")
    if not path.is_file():
        raise CouldNotCheck(f"{path}: not a file")
    fmt = detect_format(path)
    if path.stat().st_size == 0:
        raise CouldNotCheck(f"{path}: the file is empty")
    try:
        if fmt == "csv":
            frame = pd.read_csv(path, dtype=dict.fromkeys(zero_padded_columns(path), str))
        elif fmt == "parquet":
            frame = pd.read_parquet(path)
        else:
            # As parsed, like CSV: no dates guessed from column names, "1.0" stays a float,
            # and keys that look like numbers stay column names.
            frame = pd.read_json(path, lines=True, dtype=False, convert_axes=False)
    except pd.errors.EmptyDataError:
        raise CouldNotCheck(f"{path}: the file is empty") from None
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CouldNotCheck(f"{path}: cannot read as {fmt}: {first_line}") from None
    except ImportError as exc:
        raise CouldNotCheck(f"{path}: reading {fmt} needs an extra package: {exc}") from None
    frame.columns = [str(c) for c in frame.columns]
    if frame.columns.duplicated().any():
        dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise CouldNotCheck(f"{path}: duplicate column names {dupes}")
    return frame
