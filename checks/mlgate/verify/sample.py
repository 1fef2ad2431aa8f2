"""Read the records `mlgate verify` sends to the live service's `/predict`.

A sample is whatever is at hand: a JSON array of records, a request body `{"records": [...]}`,
or JSON lines whose lines are records or lines of the service's request log (`{"ts": ...,
"features": {...} or [{...}, ...], ...}`, read as their features), so yesterday's production
traffic can be replayed as is. Only the first MAX_RECORDS records are read: a sample checks
the contract, it is not a load test. NaN and Infinity are refused: they are not JSON, and the
request could not be sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ..errors import CouldNotCheck
from ..io.textfile import reading

MAX_RECORDS = 1000


class SampleError(CouldNotCheck):
    """The sample cannot be read: nothing can be sent, so nothing can be judged."""


@dataclass(frozen=True)
class Sample:
    path: str
    records: list[dict[str, Any]]
    truncated: bool  # the file holds more than MAX_RECORDS records


def read_sample(path: Path, shown: str | None = None) -> Sample:
    """The records of the sample file at `path`, named `shown` in messages."""
    shown = shown or str(path)
    missing = f"no sample file at {shown}"
    with reading(
        path, f"the sample {shown}", missing=missing, error=SampleError, encoding="utf-8-sig"
    ) as stream:
        records = _records(stream, shown)
    if not records:
        raise SampleError(f"the sample {shown} holds no records")
    return Sample(shown, records[:MAX_RECORDS], len(records) > MAX_RECORDS)


def _records(stream: TextIO, shown: str) -> list[dict[str, Any]]:
    """One JSON document (array or {records}) or JSON lines, told apart by the first line."""
    first = ""
    for line in stream:
        if line.strip():
            first = line
            break
    if not first:
        return []
    head = first.lstrip()
    if not head.startswith("{") or not _is_json(first):
        return _document(first + stream.read(), shown)
    return _json_lines(first, stream, shown)


def _document(text: str, shown: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        raise SampleError(f"the sample {shown} is not JSON or JSON lines: {exc}") from None
    if isinstance(data, dict) and "records" in data:
        data = data["records"]
    if not isinstance(data, list):
        raise SampleError(
            f"the sample {shown} must be a JSON array of records, an object "
            '{"records": [...]} or JSON lines'
        )
    return _objects(data, shown)


def _json_lines(first: str, rest: TextIO, shown: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for number, line in _numbered(first, rest):
        if not line.strip():
            continue
        try:
            value = json.loads(line, parse_constant=_no_constant)
        except ValueError as exc:
            raise SampleError(f"{shown}:{number}: not JSON ({exc})") from None
        records.extend(_line_records(value, f"{shown}:{number}"))
        if len(records) > MAX_RECORDS:
            break
    return records


def _numbered(first: str, rest: TextIO) -> Iterator[tuple[int, str]]:
    """Lines with their numbers; the first line is 1 even when blank lines came before it."""
    yield 1, first
    yield from enumerate(rest, start=2)


def _line_records(value: object, where: str) -> list[dict[str, Any]]:
    """A record, a request-log line's features (one or a batch), or a line {"records": [...]}."""
    if not isinstance(value, dict):
        raise SampleError(f"{where}: each line must be a JSON object, not {_kind(value)}")
    features = value.get("features")
    if isinstance(features, dict):
        return [features]
    for key in ("features", "records"):
        inner = value.get(key)
        if isinstance(inner, list) and all(isinstance(r, dict) for r in inner):
            return inner
    return [value]


def _objects(items: list[Any], shown: str) -> list[dict[str, Any]]:
    for index, item in enumerate(items[: MAX_RECORDS + 1]):
        if not isinstance(item, dict):
            raise SampleError(
                f"the sample {shown}: record {index} must be a JSON object, not {_kind(item)}"
            )
    return items


def _is_json(line: str) -> bool:
    try:
        json.loads(line, parse_constant=_no_constant)
    except ValueError:
        return False
    return True


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {list: "a list", str: "text", bool: "a boolean"}.get(type(value), "a number")
