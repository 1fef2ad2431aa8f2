"""The `drift:` section of mlgate.yaml: where the reference and the window are, and the rules.

Defaults mirror Evidently's DataDriftPreset (see DESIGN.md, "Drift defaults"); a column can
choose another method or threshold, or be ignored, but only with names that exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .policy import DEFAULT_POLICY, PolicyError, check_keys, describe, read_policy, section

METHODS = {  # name: (default threshold, drift when the score is below the threshold)
    "ks": (0.05, True),
    "chisquare": (0.05, True),
    "ztest": (0.05, True),
    "wasserstein": (0.1, False),
    "jensenshannon": (0.1, False),
    "psi": (0.1, False),
}
DRIFT_KEYS = ("reference", "current", "drift_share", "min_rows", "columns", "retrain")
COLUMN_KEYS = ("method", "threshold", "ignore")
CURRENT_KEYS = ("path", "url", "token_env", "dvc")
DEFAULT_REFERENCE = "models/reference_profile.json"


@dataclass(frozen=True)
class ColumnRule:
    method: str | None = None
    threshold: float | None = None
    ignore: bool = False


@dataclass(frozen=True)
class DriftPolicy:
    source: str = "defaults"
    reference: str = DEFAULT_REFERENCE
    current: dict[str, str] = field(default_factory=dict)
    drift_share: float = 0.5
    min_rows: int = 30
    columns: dict[str, ColumnRule] = field(default_factory=dict)
    retrain: bool = False  # on drift, drift.yml also dispatches retrain.yml

    @classmethod
    def from_policy(cls, policy: dict[str, Any], source: str) -> DriftPolicy:
        drift = section(policy, "drift")
        where = f"{source}: drift"
        check_keys(drift, DRIFT_KEYS, where)
        reference = drift.get("reference", DEFAULT_REFERENCE)
        if not isinstance(reference, str) or not reference.strip():
            raise PolicyError(f"{where}.reference must be a path, not {describe(reference)}")
        current = drift.get("current") or {}
        if not isinstance(current, dict):
            raise PolicyError(f"{where}.current must be a mapping such as {{path: logs/...}}")
        check_keys(current, CURRENT_KEYS, f"{where}.current")
        for key, value in current.items():
            if not isinstance(value, str) or not value.strip():
                raise PolicyError(f"{where}.current.{key} must be text, not {describe(value)}")
        share = _number(drift.get("drift_share", 0.5), f"{where}.drift_share")
        if not 0 < share <= 1:
            raise PolicyError(f"{where}.drift_share must be above 0 and at most 1, not {share}")
        min_rows = drift.get("min_rows", 30)
        if isinstance(min_rows, bool) or not isinstance(min_rows, int) or min_rows < 1:
            raise PolicyError(f"{where}.min_rows must be a whole number >= 1, not {min_rows!r}")
        columns = drift.get("columns") or {}
        if not isinstance(columns, dict):
            raise PolicyError(f"{where}.columns must map column names to rules")
        rules = {str(name): _column_rule(rule, f"{where}.columns.{name}") for name, rule
                 in columns.items()}  # fmt: skip
        retrain = drift.get("retrain", False)
        if not isinstance(retrain, bool):
            raise PolicyError(f"{where}.retrain must be true or false, not {describe(retrain)}")
        return cls(source, reference, dict(current), share, min_rows, rules, retrain)


def load_drift_policy(config: str | None) -> DriftPolicy:
    """The drift section of --config, of ./mlgate.yaml when present, else the defaults."""
    path = Path(config or DEFAULT_POLICY)
    if config is None and not path.exists():
        return DriftPolicy()
    return DriftPolicy.from_policy(read_policy(path), str(path))


def _column_rule(rule: object, where: str) -> ColumnRule:
    if not isinstance(rule, dict):
        raise PolicyError(
            f"{where} must be a mapping such as {{method: psi}}, not {describe(rule)}"
        )
    check_keys(rule, COLUMN_KEYS, where)
    method = rule.get("method")
    if method is not None and method not in METHODS:
        raise PolicyError(
            f"{where}.method must be one of {', '.join(METHODS)}, not {describe(method)}"
        )
    threshold = rule.get("threshold")
    if threshold is not None:
        threshold = _number(threshold, f"{where}.threshold")
        if threshold < 0:
            raise PolicyError(f"{where}.threshold must be 0 or more")
    ignore = rule.get("ignore", False)
    if not isinstance(ignore, bool):
        raise PolicyError(f"{where}.ignore must be true or false, not {describe(ignore)}")
    if not ignore and method is None and threshold is None:
        raise PolicyError(f"{where} sets nothing: give method, threshold or ignore: true")
    return ColumnRule(method, threshold, ignore)


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PolicyError(f"{where} must be a number, not {describe(value)}")
    try:
        number = float(value)
    except ValueError:
        raise PolicyError(f"{where} must be a number, not {describe(value)}") from None
    if not math.isfinite(number):
        raise PolicyError(f"{where} must be a finite number")
    return number
