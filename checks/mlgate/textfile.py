"""Read a small text input (policy, metrics, report) with one message per way it can fail."""

from __future__ import annotations

from pathlib import Path

from .errors import CouldNotCheck


def read_text(
    path: Path, shown_as: str, *, missing: str, error: type[CouldNotCheck] = CouldNotCheck
) -> str:
    """The file's UTF-8 text; `missing` is the message (with its hint) when it does not exist."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(missing) from None
    except IsADirectoryError:
        raise error(f"{shown_as} is a directory, not a file") from None
    except UnicodeDecodeError:
        raise error(f"{shown_as} is not UTF-8 text") from None
    except OSError as exc:
        raise error(f"cannot read {shown_as}: {exc.strerror}") from None


def write_text(path: str, text: str) -> None:
    """Write a report file (parents created); an OSError becomes CouldNotCheck naming it."""
    try:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CouldNotCheck(f"cannot write {path}: {exc.strerror}") from None
