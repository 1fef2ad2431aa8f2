"""Stream CSV, Parquet and JSON lines as Arrow batches of bounded size, without pandas.

Drift windows can be far larger than memory, so they are read batch by batch: Parquet by its
row groups, CSV with Arrow's streaming reader, JSON lines a block of lines at a time. A line
of the model service's request log (`{"ts": ..., "features": {...}, "prediction": ...}`) is
read as its features, so the log is a first-class drift input; asked for its `outputs`, each
row also carries the model's prediction and confidence (the highest class probability) under
OUTPUT_COLUMNS' names, for prediction drift.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CouldNotCheck, require
from .held_out import probability_row
from .tabular import detect_format, zero_padded_columns
from .textfile import json_lines

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

BATCH_ROWS = 65_536
JSON_LINES_PER_BATCH = 20_000
CSV_BLOCK_BYTES = 4 << 20
# a request-log row's outputs, named so that no feature can share the name
OUTPUT_COLUMNS = {"prediction": "mlgate:prediction", "confidence": "mlgate:confidence"}


def check_inputs(paths: Sequence[str | Path]) -> list[Path]:
    """Existing, readable files of a known format; the first problem is an error."""
    if not paths:
        raise CouldNotCheck("no data files given")
    checked = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise CouldNotCheck(f"{path}: data file not found")
        if not path.is_file():
            raise CouldNotCheck(f"{path}: not a file")
        detect_format(path)
        checked.append(path)
    return checked


def iter_batches(
    paths: Sequence[Path],
    *,
    as_text: bool,
    progress: Callable[[int], None] | None = None,
    text_columns: Sequence[str] = (),
    outputs: bool = False,
) -> Iterator[pa.Table]:
    """Batches of at most about BATCH_ROWS rows from every file in turn.

    `as_text` reads every CSV and JSON lines value as text (a window's types are decided by
    the reference, not guessed block by block, so one stray string cannot abort the read).
    `progress` is told the bytes consumed after each batch. `text_columns` are read as text
    even when the others are typed (CSV dates whose format the caller knows). `outputs` adds
    the predictions of request-log lines (OUTPUT_COLUMNS).
    """
    require("pyarrow", "data")
    offset = 0
    for path in paths:
        fmt = detect_format(path)
        size = path.stat().st_size
        step = _within(progress, offset, size)
        try:
            if fmt == "parquet":
                batches = _parquet(path, step)
            elif fmt == "csv":
                batches = _csv(path, as_text, step, text_columns)
            else:
                batches = _json_lines(path, as_text, step, outputs)
            yield from _unique_names(path, batches)
        except CouldNotCheck:
            raise
        except (OSError, ValueError, TypeError) as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CouldNotCheck(f"{path}: cannot read as {fmt}: {message}") from None
        offset += size


def _unique_names(path: Path, batches: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """Refuse a file that names a column twice: which of the two would be compared?"""
    checked: set[tuple[str, ...]] = set()
    for batch in batches:
        names = tuple(batch.column_names)
        if names not in checked:
            seen: set[str] = set()
            twice = sorted({name for name in names if name in seen or seen.add(name)})
            if twice:
                shown = ", ".join(repr(name) for name in twice)
                raise CouldNotCheck(f"{path}: the column name {shown} appears more than once")
            checked.add(names)
        yield batch


def float_values(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """float64 numbers with NaN for nulls, read from Arrow's buffers.

    Arrow's own `to_numpy()` imports pandas whenever it is installed (0.1 s and 50 MB on a
    command that never needs it), so the values buffer and validity bitmap are read directly.
    """
    import numpy as np
    import pyarrow as pa

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    # integers beyond 2**53 round to the nearest double (as Spark casts them), not an error
    parts = [_chunk_floats(chunk.cast(pa.float64(), safe=not pa.types.is_integer(chunk.type)))
             for chunk in chunks if len(chunk)]  # fmt: skip
    return np.concatenate(parts) if parts else np.zeros(0)


def _chunk_floats(chunk: pa.Array) -> np.ndarray:
    import numpy as np

    length, offset = len(chunk), chunk.offset
    validity, data = chunk.buffers()[:2]
    if data is None or chunk.null_count == length:
        return np.full(length, np.nan)
    values = np.frombuffer(data, dtype=np.float64, count=offset + length)[offset:]
    if not chunk.null_count or validity is None:
        return values
    bits = np.frombuffer(validity, dtype=np.uint8)
    valid = np.unpackbits(bits, count=offset + length, bitorder="little")[offset:]
    return np.where(valid.astype(bool), values, np.nan)


def _within(
    progress: Callable[[int], None] | None, offset: int, size: int
) -> Callable[[int], None] | None:
    """Bytes read in one file as bytes read of all files (a file never reports past its size)."""
    if progress is None:
        return None
    return lambda consumed: progress(offset + min(consumed, size))


def read_all(paths: Sequence[Path], text_columns: Sequence[str] = ()) -> pa.Table:
    """Every file as one table with inferred types (for the reference profile), except
    `text_columns`, read as text."""
    import pyarrow as pa

    batches = iter_batches(paths, as_text=False, text_columns=text_columns)
    tables = [t for t in batches if t.num_rows]
    if not tables:
        return pa.table({})
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass  # e.g. a JSON lines column of numbers in one block and text in another
    try:
        return pa.concat_tables(_as_text_where_types_differ(tables), promote_options="permissive")
    except pa.ArrowException as exc:
        raise CouldNotCheck(f"the data files do not share one schema: {exc}") from None


def _as_text_where_types_differ(tables: list[pa.Table]) -> list[pa.Table]:
    """Columns typed differently in different batches become text in all of them."""
    import pyarrow as pa

    types: dict[str, set[pa.DataType]] = {}
    for table in tables:
        for field in table.schema:
            if not pa.types.is_null(field.type):
                types.setdefault(field.name, set()).add(field.type)
    numeric = (pa.types.is_integer, pa.types.is_floating)
    mixed = {
        name
        for name, found in types.items()
        if len(found) > 1 and not all(any(is_(t) for is_ in numeric) for t in found)
    }
    result = []
    for table in tables:
        for name in mixed & set(table.column_names):
            index = table.column_names.index(name)
            text = table.column(name).cast(pa.string())
            table = table.set_column(index, pa.field(name, pa.string()), text)
        result.append(table)
    return result


def _parquet(path: Path, progress: Callable[[int], None] | None) -> Iterator[pa.Table]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path, pre_buffer=False)  # pre-buffering holds whole row groups
    except pa.ArrowInvalid as exc:
        raise CouldNotCheck(f"{path}: not a Parquet file ({exc})") from None
    size = path.stat().st_size
    total_rows = max(handle.metadata.num_rows, 1)
    done = 0
    for batch in handle.iter_batches(batch_size=BATCH_ROWS):
        done += batch.num_rows
        yield pa.Table.from_batches([batch])
        if progress:
            progress(size * done // total_rows)


def open_csv(path: str | Path, convert: Any = None) -> Any:
    """Arrow's streaming CSV reader, as RFC 4180 writes CSV (pandas, Excel, Python's csv):
    quoted values may hold line breaks. Arrow's default assumes they do not and loses its
    place in free text (a review spanning lines) once a file outgrows one block; allowing them
    cost nothing measurable (2M rows, 89 MB: 0.44 s either way)."""
    import pyarrow.csv as pcsv

    return pcsv.open_csv(
        path,
        read_options=pcsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=convert,
    )


def _csv(
    path: Path,
    as_text: bool,
    progress: Callable[[int], None] | None,
    text_columns: Sequence[str] = (),
) -> Iterator[pa.Table]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if path.stat().st_size == 0:
        return
    if as_text:
        with open_csv(path) as probe:
            text = probe.schema.names
    else:  # typed, except what must stay as written: 02134, the model's dates and text
        text = [*zero_padded_columns(path), *text_columns]
    convert = pcsv.ConvertOptions(
        column_types={name: pa.string() for name in text}, strings_can_be_null=True
    )
    try:
        reader = open_csv(path, convert)
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            return
        raise
    consumed = 0
    with reader:
        for batch in reader:
            consumed += batch.nbytes
            yield pa.Table.from_batches([batch])
            if progress:
                progress(consumed)


def _json_lines(
    path: Path, as_text: bool, progress: Callable[[int], None] | None, outputs: bool = False
) -> Iterator[pa.Table]:
    rows: list[dict[str, Any]] = []
    consumed = 0
    for number, consumed, record in json_lines(path):
        found = _records(record, path, number)
        rows.extend(_with_outputs(record, found) if outputs else found)
        if len(rows) >= JSON_LINES_PER_BATCH:
            yield _table(rows, as_text)
            rows = []
            if progress:
                progress(consumed)
    if rows:
        yield _table(rows, as_text)
    if progress:
        progress(consumed)


def _records(record: Any, path: Path, number: int) -> list[dict[str, Any]]:
    """A plain row, or the features of a request-log line (one object or a batch)."""
    if not isinstance(record, dict):
        raise CouldNotCheck(f"{path}:{number}: each line must be a JSON object")
    features = record.get("features")
    if isinstance(features, dict):
        return [features]
    if isinstance(features, list) and all(isinstance(f, dict) for f in features):
        return features
    return [record]


def _with_outputs(record: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each request-log row with its prediction and confidence; other lines as they are."""
    predictions = record.get("predictions")
    if "features" not in record or not isinstance(predictions, list):
        return rows
    if len(predictions) != len(rows):
        return rows  # a line that does not say which prediction is whose: no outputs
    probabilities = record.get("probabilities")
    if not isinstance(probabilities, list) or len(probabilities) != len(rows):
        probabilities = [None] * len(rows)
    name, confidence = OUTPUT_COLUMNS["prediction"], OUTPUT_COLUMNS["confidence"]
    return [
        {**row, name: prediction, confidence: highest(probability)}
        for row, prediction, probability in zip(rows, predictions, probabilities, strict=True)
    ]


def highest(probabilities: Any) -> float | None:
    """A classifier's confidence: its highest class probability (None when there is none)."""
    row = probability_row(probabilities)
    return float(max(row.values())) if row else None


def json_text(value: Any) -> str | None:
    """A JSON value as text, the same way in every window and profile (1 -> '1', true -> 'true')."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        return repr(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _table(rows: list[dict[str, Any]], as_text: bool) -> pa.Table:
    import pyarrow as pa

    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    columns: dict[str, pa.Array] = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if not as_text:
            try:
                columns[name] = pa.array(values)
                continue
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                pass  # numbers and text in one column: this column (only) is read as text
        columns[name] = pa.array([json_text(value) for value in values], type=pa.string())
    return pa.table(columns)
