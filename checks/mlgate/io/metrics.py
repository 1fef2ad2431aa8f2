"""Read a metrics file (the JSON or YAML a DVC pipeline writes) as flat, dotted metric names.

Values are kept as read: deciding whether a value is a usable number (not NaN, not text, not a
boolean) is the gate's job, per metric, so one broken value is reported next to the good ones.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import CouldNotCheck
from .textfile import read_text


class MetricsError(CouldNotCheck):
    """The metrics file cannot be read at all."""


def parse_metrics(text: str, source: str, *, suffix: str = ".json") -> dict[str, Any]:
    """Flatten a metrics document; `source` names it in messages."""
    if suffix.lower() in (".yaml", ".yml"):
        data = _load_yaml(text, source)
    else:
        data = _load_json(text, source)
    if not isinstance(data, dict):
        raise MetricsError(
            f'{source} must hold an object of metrics such as {{"accuracy": 0.93}}, '
            f"not {type(data).__name__ if data is not None else 'null'}"
        )
    if not data:
        raise MetricsError(f"{source} holds no metrics (an empty object)")
    flat: dict[str, Any] = {}
    _flatten(data, "", flat, source)
    return flat


def read_metrics(path: Path, shown_as: str) -> dict[str, Any]:
    """Read and flatten the metrics file in the working tree."""
    missing = (
        f"no metrics file at {shown_as}: run the pipeline first (dvc repro) so the "
        "evaluate stage writes it"
    )
    text = read_text(path, shown_as, missing=missing, error=MetricsError)
    return parse_metrics(text, shown_as, suffix=path.suffix)


def as_number(value: Any) -> tuple[float | None, str]:
    """(number, '') for a usable value, else (None, why it is not one)."""
    if isinstance(value, bool):
        return None, f"is the boolean {str(value).lower()}, not a number"
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return None, "is an integer too large for a number"
        if math.isnan(number):
            return None, "is NaN"
        if math.isinf(number):
            return None, "is infinite"
        return number, ""
    if value is None:
        return None, "is null"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return None, f"is the text {shown!r}, not a number"
    if isinstance(value, list):
        return None, "is a list, not a number"
    return None, f"is a {type(value).__name__}, not a number"


def _load_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates(source))
    except json.JSONDecodeError as exc:
        raise MetricsError(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer past Python's digit limit
        raise MetricsError(f"{source} cannot be read as metrics: {exc}") from None


def _load_yaml(text: str, source: str) -> Any:
    import yaml

    from . import strict_yaml

    try:
        return strict_yaml.load(text)
    except yaml.YAMLError as exc:
        raise MetricsError(f"{source} is not valid YAML: {strict_yaml.problem(exc)}") from None


def _no_duplicates(source: str) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise MetricsError(f"{source} has the key {key!r} twice")
            result[key] = value
        return result

    return hook


def _flatten(data: dict[Any, Any], prefix: str, flat: dict[str, Any], source: str) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            _flatten(value, f"{name}.", flat, source)
            continue
        if name in flat:
            raise MetricsError(
                f"{source} names {name!r} twice (a dotted key and a nested one); rename one"
            )
        flat[name] = value
