"""YAML for files that decide a verdict: safe, and a duplicate key is an error.

PyYAML keeps the last of two equal keys; in a policy or a metrics file that silently changes
the verdict, so both are read with this loader instead.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """YAML's safe loader that rejects duplicate and non-scalar keys."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, Hashable) or isinstance(key, tuple):
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a name, not a list or mapping (line {line})",
                key_node.start_mark,
            )  # fmt: skip
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {line})", key_node.start_mark
            )
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load(text: str) -> Any:
    """Parse one YAML document strictly; raises yaml.YAMLError with the line."""
    return yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass


def problem(exc: yaml.YAMLError) -> str:
    """The error as one line a person can act on: what, and where."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None and "(line " not in str(what):
        return f"{what} at line {mark.line + 1}, column {mark.column + 1}"
    return str(what)
