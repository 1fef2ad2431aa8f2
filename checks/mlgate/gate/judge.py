"""Judge metrics against a gate policy: PASS, FAIL or UNMEASURED per metric, one verdict overall.

Pure functions on already-read values, so every rule can be tested without files or git. The
three outcomes stay apart: a metric that could not be measured is never a pass, and it blocks
the gate unless the policy explicitly allows it (`on_missing_baseline: warn`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..errors import COULD_NOT_CHECK, FAIL, PASS
from ..hints import did_you_mean
from ..io.metrics import as_number
from ..policy import GatePolicy, MetricRule, format_bound

# Floating point noise must not decide a gate: 0.95 - 0.94 is 0.010000000000000009.
TOLERANCE = 1e-9


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    UNMEASURED = "UNMEASURED"


@dataclass
class MetricResult:
    metric: str
    rule: str
    current: float | None = None
    baseline: float | None = None
    verdict: Verdict = Verdict.PASS
    reasons: list[str] = field(default_factory=list)
    blocking: bool = True  # an UNMEASURED the policy allows is not blocking

    @property
    def delta(self) -> float | None:
        if self.current is None or self.baseline is None:
            return None
        return self.current - self.baseline

    @property
    def delta_rel(self) -> float | None:
        delta = self.delta
        if delta is None or self.baseline is None:
            return None
        return _relative(delta, self.baseline)


@dataclass(frozen=True)
class Baseline:
    """Metrics at the baseline ref, or why there are none (`metrics` is None then)."""

    metrics: dict[str, Any] | None
    missing_reason: str = ""


def judge(policy: GatePolicy, current: dict[str, Any], baseline: Baseline) -> list[MetricResult]:
    """One result per rule, in the policy's order."""
    return [_judge_rule(rule, policy, current, baseline) for rule in policy.rules]


def exit_code(results: list[MetricResult]) -> int:
    """1 when anything failed; 2 when something blocking was not measured; else 0.

    A definite FAIL wins over could-not-check: the change cannot merge either way, and the
    report lists the unmeasured metrics next to the failed ones.
    """
    if any(r.verdict is Verdict.FAIL for r in results):
        return FAIL
    if any(r.verdict is Verdict.UNMEASURED and r.blocking for r in results):
        return COULD_NOT_CHECK
    return PASS


def _judge_rule(
    rule: MetricRule, policy: GatePolicy, current: dict[str, Any], baseline: Baseline
) -> MetricResult:
    result = MetricResult(rule.metric, rule.describe())
    base_value, why_not = _baseline_value(rule.metric, baseline)
    result.baseline = base_value  # shown for context even where no rule compares with it
    if rule.metric not in current:
        result.verdict = Verdict.UNMEASURED
        result.reasons.append(_missing_metric(rule.metric, policy.metrics, current, baseline))
        return result
    value, why = as_number(current[rule.metric])
    if value is None:
        result.verdict = Verdict.UNMEASURED
        result.reasons.append(f"current value {why}")
        return result
    result.current = value

    failures = _absolute_failures(rule, value)
    checks_run = len(rule.absolute)
    unmeasured: list[str] = []
    if rule.relative:
        if base_value is None:
            unmeasured.append(why_not)
        else:
            failures += _relative_failures(rule, value, base_value)
            checks_run += len(rule.relative)

    result.reasons.extend(failures)
    if failures:
        result.verdict = Verdict.FAIL
        result.reasons.extend(f"also not compared: {reason}" for reason in unmeasured)
        return result
    if unmeasured:
        allowed = policy.on_missing_baseline == "warn"
        if allowed:
            result.reasons.extend(
                f"not compared with the baseline: {reason} (on_missing_baseline: warn)"
                for reason in unmeasured
            )
        else:
            result.reasons.extend(
                f"{reason}; set on_missing_baseline: warn to allow this" for reason in unmeasured
            )
        if not allowed or checks_run == 0:
            result.verdict = Verdict.UNMEASURED
            result.blocking = not allowed
    return result


def _missing_metric(name: str, path: str, current: dict[str, Any], baseline: Baseline) -> str:
    if baseline.metrics is not None and name in baseline.metrics:
        return (
            f"{path} has no {name!r} although the baseline has it: the pipeline stopped writing it"
        )
    return (
        f"the rule names {name!r} but {path} has no such metric"
        f"{did_you_mean(name, current)}; metrics there: {', '.join(sorted(current))}"
    )


def _baseline_value(name: str, baseline: Baseline) -> tuple[float | None, str]:
    if baseline.metrics is None:
        return None, baseline.missing_reason
    if name not in baseline.metrics:
        return None, f"the baseline metrics have no {name!r}"
    value, why = as_number(baseline.metrics[name])
    if value is None:
        return None, f"baseline value {why}"
    return value, ""


def _absolute_failures(rule: MetricRule, value: float) -> list[str]:
    failures = []
    low = rule.bounds.get("min")
    if low is not None and value < low - _slack(low, value):
        failures.append(f"{fmt(value)} is below min {format_bound(low)}")
    high = rule.bounds.get("max")
    if high is not None and value > high + _slack(high, value):
        failures.append(f"{fmt(value)} is above max {format_bound(high)}")
    return failures


def _relative_failures(rule: MetricRule, value: float, base: float) -> list[str]:
    """Compare with the baseline in the direction that is worse for this metric."""
    worse = base - value if rule.higher_is_better else value - base
    word = "dropped" if rule.higher_is_better else "rose"
    failures = []
    for name in ("max_drop", "max_rise"):
        limit = rule.bounds.get(name)
        if limit is not None and worse > limit + _slack(limit, worse):
            failures.append(
                f"{word} {fmt(worse)} from {fmt(base)} to {fmt(value)} "
                f"({name} {format_bound(limit)})"
            )
    for name in ("max_drop_rel", "max_rise_rel"):
        limit = rule.bounds.get(name)
        if limit is None:
            continue
        worse_rel = _relative(worse, base)
        if worse_rel > limit + _slack(limit, worse_rel):
            failures.append(
                f"{word} {percent(worse_rel)} from {fmt(base)} to {fmt(value)} "
                f"({name} {format_bound(limit)} = {percent(limit)})"
            )
    return failures


def _relative(change: float, base: float) -> float:
    """change / |base|; from a baseline of 0 any change is infinitely large."""
    if base == 0:
        return 0.0 if change == 0 else math.copysign(math.inf, change)
    return change / abs(base)


def _slack(limit: float, value: float) -> float:
    if math.isinf(value):
        return 0.0
    return TOLERANCE * max(1.0, abs(limit), abs(value))


def fmt(value: float | None) -> str:
    """Four decimals without trailing zeros, or 4 significant digits for very large/small."""
    if value is None:
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    if 1e-4 <= abs(value) < 1e7:
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text if text not in ("-0", "") else "0"
    return f"{value:.4g}"


def percent(value: float) -> str:
    if math.isinf(value):
        return "∞%" if value > 0 else "-∞%"
    return f"{value * 100:.2f}".rstrip("0").rstrip(".") + "%"
