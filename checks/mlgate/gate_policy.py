"""The `gate:` section of mlgate.yaml as typed rules, validated before anything is compared.

A rule that cannot be evaluated as written (no bound, a bound that is not a finite number, a
relative bound that contradicts the metric's direction) is a policy error, because a gate that
quietly skips it would pass changes nobody meant to let through.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from .policy import PolicyError, check_keys, describe, section

ABSOLUTE_BOUNDS = ("min", "max")
DROP_BOUNDS = ("max_drop", "max_drop_rel")
RISE_BOUNDS = ("max_rise", "max_rise_rel")
BOUNDS = ABSOLUTE_BOUNDS + DROP_BOUNDS + RISE_BOUNDS
RULE_KEYS = ("higher_is_better", *BOUNDS)
GATE_KEYS = ("metrics", "baseline", "on_missing_baseline", "rules")
ON_MISSING_BASELINE = ("fail", "warn")
DEFAULT_METRICS = "reports/metrics.json"
# HEAD, @, FETCH_HEAD, HEAD~2, main^, @{u}: refs that move with the change being judged.
RELATIVE_REF = re.compile(r"^(@|[A-Z_]*HEAD)$|[~^]|@\{")


@dataclass(frozen=True)
class MetricRule:
    """Bounds for one metric; `bounds` holds only the ones the policy sets, in BOUNDS order."""

    metric: str
    higher_is_better: bool
    bounds: dict[str, float] = field(default_factory=dict)

    @property
    def relative(self) -> dict[str, float]:
        """The bounds that compare with the baseline."""
        return {k: v for k, v in self.bounds.items() if k not in ABSOLUTE_BOUNDS}

    @property
    def absolute(self) -> dict[str, float]:
        return {k: v for k, v in self.bounds.items() if k in ABSOLUTE_BOUNDS}

    def describe(self) -> str:
        """The rule as the policy writes it: 'min 0.9, max_drop 0.01'."""
        return ", ".join(f"{name} {format_bound(value)}" for name, value in self.bounds.items())


@dataclass(frozen=True)
class GatePolicy:
    source: str
    metrics: str = DEFAULT_METRICS
    baseline: str | None = None
    on_missing_baseline: str = "fail"
    rules: tuple[MetricRule, ...] = ()

    @classmethod
    def from_policy(cls, policy: dict[str, Any], source: str) -> GatePolicy:
        """Build from a parsed mlgate.yaml (see `policy.parse_policy`)."""
        if "gate" not in policy:
            raise PolicyError(f"{source} has no 'gate:' section: add one with the metric rules")
        gate = section(policy, "gate")
        where = f"{source}: gate"
        check_keys(gate, GATE_KEYS, where)
        metrics = gate.get("metrics", DEFAULT_METRICS)
        if not isinstance(metrics, str) or not metrics.strip():
            raise PolicyError(f"{where}.metrics must be a file path, not {describe(metrics)}")
        if metrics.startswith("/") or ".." in metrics.replace("\\", "/").split("/"):
            raise PolicyError(
                f"{where}.metrics must be a path inside the repository, not {metrics!r}"
            )
        baseline = gate.get("baseline")
        if baseline is not None and (not isinstance(baseline, str) or not baseline.strip()):
            raise PolicyError(f"{where}.baseline must be a git ref, not {describe(baseline)}")
        if isinstance(baseline, str) and RELATIVE_REF.search(baseline):
            raise PolicyError(
                f"{where}.baseline must name a branch or tag such as origin/main, not "
                f"{baseline!r}: a ref relative to the change would let it choose its own judge"
            )
        on_missing = gate.get("on_missing_baseline", "fail")
        if on_missing not in ON_MISSING_BASELINE:
            raise PolicyError(
                f"{where}.on_missing_baseline must be 'fail' or 'warn', not {describe(on_missing)}"
            )
        rules = gate.get("rules")
        if not isinstance(rules, dict) or not rules:
            raise PolicyError(
                f"{where}.rules must map each gated metric to its bounds, e.g. "
                "'accuracy: {min: 0.9, max_drop: 0.01}'"
                + ("" if rules is None else f"; found {describe(rules)}")
            )
        parsed = tuple(parse_rule(name, value, f"{where}.rules") for name, value in rules.items())
        return cls(source, metrics, baseline, on_missing, parsed)

    def rule_texts(self) -> dict[str, str]:
        return {rule.metric: rule.describe() for rule in self.rules}


def parse_rule(name: object, value: object, where: str) -> MetricRule:
    if not isinstance(name, str) or not name.strip():
        raise PolicyError(f"{where}: a metric name must be text, not {describe(name)}")
    where = f"{where}.{name}"
    if not isinstance(value, dict):
        raise PolicyError(
            f"{where} must be a mapping of bounds such as '{{min: 0.9}}', not {describe(value)}"
        )
    check_keys(value, RULE_KEYS, where)
    bounds = {key: _bound(value[key], f"{where}.{key}") for key in BOUNDS if key in value}
    if not bounds:
        raise PolicyError(
            f"{where} has no bound: give at least one of {', '.join(BOUNDS)}; "
            "a rule without one would pass anything"
        )
    for key in DROP_BOUNDS + RISE_BOUNDS:
        if key in bounds and bounds[key] < 0:
            raise PolicyError(f"{where}.{key} must be 0 or more, not {format_bound(bounds[key])}")
    if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
        raise PolicyError(f"{where}: min {bounds['min']} is above max {bounds['max']}")
    return MetricRule(name, _direction(value, bounds, where), bounds)


def _direction(value: dict[str, Any], bounds: dict[str, float], where: str) -> bool:
    """higher_is_better as written, or as implied by max_drop (true) / max_rise (false)."""
    drops = [k for k in DROP_BOUNDS if k in bounds]
    rises = [k for k in RISE_BOUNDS if k in bounds]
    if drops and rises:
        raise PolicyError(
            f"{where} mixes {drops[0]} (higher is better) with {rises[0]} (lower is better); "
            "a metric has one direction"
        )
    stated = value.get("higher_is_better")
    if stated is not None and not isinstance(stated, bool):
        raise PolicyError(f"{where}.higher_is_better must be true or false, not {describe(stated)}")
    if stated is True and rises:
        raise PolicyError(
            f"{where}: {rises[0]} limits a lower-is-better metric but higher_is_better is true; "
            f"use {rises[0].replace('rise', 'drop')}"
        )
    if stated is False and drops:
        raise PolicyError(
            f"{where}: {drops[0]} limits a higher-is-better metric but higher_is_better is false; "
            f"use {drops[0].replace('drop', 'rise')}"
        )
    if stated is not None:
        return stated
    return not rises


def _bound(value: object, where: str) -> float:
    """A finite number. YAML 1.1 reads `1e-3` as text, so numeric text is accepted too."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None:
        raise PolicyError(f"{where} must be a number, not {describe(value)}")
    if not math.isfinite(number):
        raise PolicyError(f"{where} must be a finite number, not {value!r}")
    return number


def format_bound(value: float) -> str:
    return f"{value:g}"
