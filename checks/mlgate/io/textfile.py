"""Read a text input (policy, metrics, report, sample) with one message per way it can fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from ..errors import CouldNotCheck


@contextmanager
def reading(
    path: Path,
    shown_as: str,
    *,
    missing: str,
    error: type[CouldNotCheck] = CouldNotCheck,
    encoding: str = "utf-8",
) -> Iterator[TextIO]:
    """The open file to stream; a failure to open or decode it, while open too, becomes
    `error` with one message. `missing` (with its hint) says what to do when it does not exist."""
    try:
        with path.open(encoding=encoding) as stream:
            yield stream
    except FileNotFoundError:
        raise error(missing) from None
    except IsADirectoryError:
        raise error(f"{shown_as} is a directory, not a file") from None
    except UnicodeDecodeError:
        raise error(f"{shown_as} is not UTF-8 text") from None
    except OSError as exc:
        raise error(f"cannot read {shown_as}: {exc.strerror}") from None


def read_text(
    path: Path, shown_as: str, *, missing: str, error: type[CouldNotCheck] = CouldNotCheck
) -> str:
    """The file's UTF-8 text; `missing` is the message (with its hint) when it does not exist."""
    with reading(path, shown_as, missing=missing, error=error) as stream:
        return stream.read()


def write_text(path: str, text: str) -> None:
    """Write a report file (parents created); an OSError becomes CouldNotCheck naming it."""
    try:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CouldNotCheck(f"cannot write {path}: {exc.strerror}") from None


def json_lines(path: Path) -> Iterator[tuple[int, int, Any]]:
    """(line number, bytes read so far, parsed value) of every non-blank line: the request,
    feedback and window logs all read this way. A line that is not JSON is a CouldNotCheck
    naming path:line; opening it is the caller's (each says its own hint)."""
    import json

    consumed = 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            consumed += len(line)
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                raise CouldNotCheck(f"{path}:{number}: not a JSON object ({exc})") from None
            yield number, consumed, value
