"""Read a data file into a pandas frame, or say clearly why it cannot be read."""

from __future__ import annotations

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
            frame = pd.read_csv(path)
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
