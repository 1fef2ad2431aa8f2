"""YAML that remembers where each key and item is, so a finding can name its line.

Safe loading only. Mappings become `LineMap` (a dict with `.line` and `.lines[key]`), sequences
`LineList` (a list with `.line` and `.lines[index]`). Anything that is not YAML is a
`yaml.YAMLError` for the caller to report; nothing here raises anything else.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineMap(dict):  # type: ignore[type-arg]
    line: int = 0
    lines: dict[Any, int]
    value_lines: dict[Any, int]  # first line of a value's content (a block scalar's next line)


class LineList(list):  # type: ignore[type-arg]
    line: int = 0
    lines: list[int]


class LineLoader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader that records line numbers (1-based)."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line, result.lines, result.value_lines = node.start_mark.line + 1, {}, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable) or isinstance(key, tuple | list | dict):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a scalar", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
        block = isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">")
        result.value_lines[key] = value_node.start_mark.line + 1 + int(block)
    return result


def _sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(item, deep=True) for item in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [item.start_mark.line + 1 for item in node.value]
    return result


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load(text: str) -> Any:
    return yaml.load(text, Loader=LineLoader)  # a SafeLoader subclass


def load_all(text: str) -> list[Any]:
    return list(yaml.load_all(text, Loader=LineLoader))


def line_of(container: Any, key: Any = None) -> int | None:
    """Line of `key` in a LineMap/LineList (or of the container itself), when known."""
    if key is None:
        return getattr(container, "line", None) or None
    lines = getattr(container, "lines", None)
    if isinstance(lines, dict):
        return lines.get(key)
    if isinstance(lines, list) and isinstance(key, int) and 0 <= key < len(lines):
        return lines[key]
    return None


def value_line_of(container: Any, key: Any) -> int | None:
    """First line of the value of `key` (for `run: |`, the script's first line)."""
    lines = getattr(container, "value_lines", None)
    return lines.get(key) if isinstance(lines, dict) else None


def line_in_value(container: Any, key: Any, text: str, offset: int) -> int | None:
    """The line of `text[offset]`, `text` being the value of `key` (a `run:` script); the
    key's line when the value's own lines are not known."""
    first = value_line_of(container, key)
    if first is None:
        return line_of(container, key)
    return first + text[: max(offset, 0)].count("\n")


def problem_line(problem_text: str) -> int | None:
    """The line `problem` wrote into a message ("... (line 12)"), for the finding's place."""
    match = re.search(r"\(line (\d+)\)", problem_text)
    return int(match.group(1)) if match else None


def problem(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    what = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    return f"{what} (line {mark.line + 1})" if mark is not None else str(what)
