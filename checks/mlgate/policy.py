"""Read `mlgate.yaml`, the policy file every runtime gate takes its rules from.

The file is guarded by CODEOWNERS and read from the base ref in pull requests, so it is parsed
strictly: a duplicate key, an unknown section or a value of the wrong type is an error that names
the place, never something silently ignored (an ignored typo would weaken a gate unnoticed).
Each command validates its own section; this module checks the file as a whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from . import strict_yaml
from .errors import CouldNotCheck
from .hints import did_you_mean, listing
from .textfile import read_text

SECTIONS = ("gate", "drift", "check", "verify")
DEFAULT_POLICY = "mlgate.yaml"


class PolicyError(CouldNotCheck):
    """The policy file cannot be used: the gate cannot know which rules apply."""


def parse_policy(text: str, source: str) -> dict[str, Any]:
    """Parse policy text; `source` names it in messages ("mlgate.yaml", "mlgate.yaml at main")."""
    try:
        data = strict_yaml.load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source} is not valid YAML: {strict_yaml.problem(exc)}") from None
    if data is None:
        raise PolicyError(f"{source} is empty: it needs at least a 'gate:' section")
    if not isinstance(data, dict):
        raise PolicyError(
            f"{source} must be a mapping of sections ({', '.join(SECTIONS)}), "
            f"not a {type(data).__name__}"
        )
    for key, value in data.items():
        if not isinstance(key, str) or key not in SECTIONS:
            raise PolicyError(
                f"{source}: unknown section {key!r}{did_you_mean(str(key), SECTIONS)}; "
                f"known sections: {', '.join(SECTIONS)}"
            )
        if value is not None and not isinstance(value, dict):
            raise PolicyError(f"{source}: '{key}' must be a mapping, not {describe(value)}")
    return data


def read_policy(path: Path) -> dict[str, Any]:
    """Parse the policy file at `path` in the working tree."""
    missing = (
        f"no policy file at {path}: create it (see the 'gate:' example in the mlgate docs) "
        "or pass --config"
    )
    text = read_text(path, str(path), missing=missing, error=PolicyError)
    return parse_policy(text, str(path))


def section(policy: dict[str, Any], name: str) -> dict[str, Any]:
    """One section of a parsed policy, `{}` when absent."""
    return policy.get(name) or {}


def check_keys(mapping: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """Reject keys a section does not define, suggesting the closest known one."""
    for key in mapping:
        if not isinstance(key, str) or key not in allowed:
            raise PolicyError(
                f"{where}: unknown key {key!r}{did_you_mean(str(key), allowed)}; "
                f"allowed: {listing(allowed)}"
            )


def describe(value: object) -> str:
    """How a wrong value is named in a message ("the text 'high'", "a list")."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"the {type(value).__name__} {value!r}"
