"""`judge` and `exit_code` on values already read, and the metrics file reader.

PASS, FAIL and UNMEASURED stay apart: a value that cannot be measured is never a pass, bounds
hold at their edge (floating point noise must not decide), and exit codes are 0, 1 or 2.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from mlgate.gate.judge import Baseline, MetricResult, Verdict, exit_code, fmt, judge, percent
from mlgate.io.metrics import MetricsError, as_number, parse_metrics, read_metrics
from mlgate.policy import GatePolicy

METRICS = "reports/metrics.json"
NOT_COMMITTED = f"{METRICS} is not committed at main; commit it (with dvc.lock)"
NO_BASELINE = Baseline(None, NOT_COMMITTED)


def policy(rules: dict[str, dict[str, Any]], on_missing_baseline: str = "fail") -> GatePolicy:
    """A gate policy as `mlgate.yaml` would give it."""
    gate = {"metrics": METRICS, "on_missing_baseline": on_missing_baseline, "rules": rules}
    return GatePolicy.from_policy({"gate": gate}, "mlgate.yaml")


def judge_one(
    rule: dict[str, Any],
    current: Any,
    baseline: Any = None,
    *,
    on_missing_baseline: str = "fail",
) -> MetricResult:
    """Judge one metric 'm'; `baseline` None means there is no baseline file at all."""
    base = NO_BASELINE if baseline is None else Baseline({"m": baseline})
    (result,) = judge(policy({"m": rule}, on_missing_baseline), {"m": current}, base)
    return result


def json_metrics(text: str) -> dict[str, Any]:
    return parse_metrics(text, METRICS)


# --- absolute bounds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "current", "verdict"),
    [
        ({"min": 0.9}, 0.95, Verdict.PASS),
        ({"min": 0.9}, 0.9, Verdict.PASS),  # at the bound
        ({"min": 0.9}, 0.8999, Verdict.FAIL),
        ({"max": 0.3}, 0.2, Verdict.PASS),
        ({"max": 0.3}, 0.3, Verdict.PASS),
        ({"max": 0.3}, 0.3001, Verdict.FAIL),
        ({"min": 0.1, "max": 0.3}, 0.05, Verdict.FAIL),
        ({"min": -1, "max": 1}, 0, Verdict.PASS),
        ({"min": 0.9}, 1, Verdict.PASS),  # an int is a number
    ],
)
def test_min_and_max(rule: dict[str, Any], current: float, verdict: Verdict) -> None:
    result = judge_one(rule, current)
    assert result.verdict is verdict
    assert result.current == current
    assert result.baseline is None  # absolute bounds need no baseline
    assert (result.reasons == []) is (verdict is Verdict.PASS)


def test_min_and_max_failure_reasons() -> None:
    assert judge_one({"min": 0.9}, 0.85).reasons == ["0.85 is below min 0.9"]
    assert judge_one({"max": 0.3}, 0.45).reasons == ["0.45 is above max 0.3"]


def test_no_baseline_needed_for_absolute_bounds_only() -> None:
    """A rule of min/max only passes without a baseline, whatever on_missing_baseline says."""
    result = judge_one({"min": 0.9}, 0.95, on_missing_baseline="fail")
    assert (result.verdict, result.reasons) == (Verdict.PASS, [])
    assert exit_code([result]) == 0


# --- relative bounds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "baseline", "current", "verdict"),
    [
        # max_drop 0.01 from 0.9: at, just inside, just outside, improved
        ({"max_drop": 0.01}, 0.9, 0.89, Verdict.PASS),
        ({"max_drop": 0.01}, 0.9, 0.8901, Verdict.PASS),
        ({"max_drop": 0.01}, 0.9, 0.8899, Verdict.FAIL),
        ({"max_drop": 0.01}, 0.9, 0.99, Verdict.PASS),
        # 0.95 - 0.94 is 0.010000000000000009: at the bound, not over it
        ({"max_drop": 0.01}, 0.95, 0.94, Verdict.PASS),
        ({"max_drop": 0.01}, 0.95, 0.939999, Verdict.FAIL),
        ({"max_drop": 0}, 0.95, 0.95, Verdict.PASS),
        ({"max_drop": 0}, 0.95, 0.9499, Verdict.FAIL),
        # max_drop_rel 0.02 from 0.8: 0.784 is exactly 2% lower
        ({"max_drop_rel": 0.02}, 0.8, 0.784, Verdict.PASS),
        ({"max_drop_rel": 0.02}, 0.8, 0.7841, Verdict.PASS),
        ({"max_drop_rel": 0.02}, 0.8, 0.7839, Verdict.FAIL),
        ({"max_drop_rel": 0.02}, 0.8, 0.9, Verdict.PASS),
        # a negative baseline: relative to its size
        ({"max_drop_rel": 0.5}, -1.0, -1.5, Verdict.PASS),
        ({"max_drop_rel": 0.5}, -1.0, -1.51, Verdict.FAIL),
        # max_rise 0.05 from 0.3 (a loss)
        ({"max_rise": 0.05}, 0.3, 0.35, Verdict.PASS),
        ({"max_rise": 0.05}, 0.3, 0.3499, Verdict.PASS),
        ({"max_rise": 0.05}, 0.3, 0.3501, Verdict.FAIL),
        ({"max_rise": 0.05}, 0.3, 0.1, Verdict.PASS),
        # max_rise_rel 0.1 from 0.5
        ({"max_rise_rel": 0.1}, 0.5, 0.55, Verdict.PASS),
        ({"max_rise_rel": 0.1}, 0.5, 0.5499, Verdict.PASS),
        ({"max_rise_rel": 0.1}, 0.5, 0.5501, Verdict.FAIL),
        ({"max_rise_rel": 0.1}, 0.5, 0.2, Verdict.PASS),
    ],
)
def test_relative_bounds_at_inside_and_outside(
    rule: dict[str, Any], baseline: float, current: float, verdict: Verdict
) -> None:
    result = judge_one(rule, current, baseline)
    assert result.verdict is verdict, result.reasons
    assert (result.current, result.baseline) == (current, baseline)
    assert exit_code([result]) == (1 if verdict is Verdict.FAIL else 0)


@pytest.mark.parametrize(
    ("rule", "baseline", "current", "reason"),
    [
        ({"max_drop": 0.01}, 0.9, 0.8899, "dropped 0.0101 from 0.9 to 0.8899 (max_drop 0.01)"),
        (
            {"max_drop_rel": 0.02},
            0.8,
            0.7839,
            "dropped 2.01% from 0.8 to 0.7839 (max_drop_rel 0.02 = 2%)",
        ),
        ({"max_rise": 0.05}, 0.3, 0.3501, "rose 0.0501 from 0.3 to 0.3501 (max_rise 0.05)"),
        (
            {"max_rise_rel": 0.1},
            0.5,
            0.6,
            "rose 20% from 0.5 to 0.6 (max_rise_rel 0.1 = 10%)",
        ),
    ],
)
def test_relative_failure_reasons(
    rule: dict[str, Any], baseline: float, current: float, reason: str
) -> None:
    assert judge_one(rule, current, baseline).reasons == [reason]


def test_absolute_and_relative_failures_are_all_listed() -> None:
    result = judge_one({"min": 0.9, "max_drop": 0.01}, 0.8, 0.95)
    assert result.verdict is Verdict.FAIL
    assert result.reasons == [
        "0.8 is below min 0.9",
        "dropped 0.15 from 0.95 to 0.8 (max_drop 0.01)",
    ]


@pytest.mark.parametrize(
    ("rule", "current", "verdict"),
    [
        ({"max_drop_rel": 0.1}, 0.0, Verdict.PASS),  # no change
        ({"max_drop_rel": 0.1}, 0.1, Verdict.PASS),  # better: -∞ worse
        ({"max_drop_rel": 0.1}, -0.001, Verdict.FAIL),  # worse: +∞ worse
        ({"max_rise_rel": 0.5}, 0.0, Verdict.PASS),
        ({"max_rise_rel": 0.5}, -0.2, Verdict.PASS),
        ({"max_rise_rel": 0.5}, 0.001, Verdict.FAIL),
    ],
)
def test_relative_bound_from_a_baseline_of_zero(
    rule: dict[str, Any], current: float, verdict: Verdict
) -> None:
    """From 0 any worsening is infinitely large, so it fails; no division error."""
    result = judge_one(rule, current, 0)
    assert result.verdict is verdict
    if verdict is Verdict.FAIL:
        assert "∞%" in result.reasons[0]


def test_delta_and_relative_delta() -> None:
    result = judge_one({"max_drop": 0.5}, 0.6, 0.8)
    assert result.delta == pytest.approx(-0.2)
    assert result.delta_rel == pytest.approx(-0.25)
    assert judge_one({"min": 0}, 0.6).delta is None
    from_zero = judge_one({"max_rise": 1}, 0.5, 0)
    assert from_zero.delta == 0.5 and from_zero.delta_rel == math.inf


# --- values that are not numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"m": NaN}', "current value is NaN"),
        ('{"m": Infinity}', "current value is infinite"),
        ('{"m": -Infinity}', "current value is infinite"),
        ('{"m": "0.93"}', "current value is the text '0.93', not a number"),
        ('{"m": "high"}', "current value is the text 'high', not a number"),
        ('{"m": true}', "current value is the boolean true, not a number"),
        ('{"m": false}', "current value is the boolean false, not a number"),
        ('{"m": null}', "current value is null"),
        ('{"m": [0.9, 0.8]}', "current value is a list, not a number"),
        ('{"m": {}}', "current value is a dict, not a number"),
    ],
)
def test_unusable_values_are_unmeasured_and_block(text: str, reason: str) -> None:
    current = json_metrics(text)
    results = judge(policy({"m": {"min": 0.0}}), current, Baseline({"m": 0.5}))
    (result,) = results
    assert result.verdict is Verdict.UNMEASURED
    assert result.blocking is True
    assert result.reasons == [reason]
    assert result.current is None
    assert exit_code(results) == 2


def test_long_text_value_is_shortened_in_the_reason() -> None:
    number, why = as_number("x" * 100)
    assert number is None
    assert why == f"is the text '{'x' * 37}...', not a number"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.5, 0.5), (3, 3.0), (-2, -2.0), (0, 0.0), (1e-12, 1e-12)],
)
def test_as_number_accepts_finite_numbers(value: Any, expected: float) -> None:
    number, why = as_number(value)
    assert (number, why) == (expected, "")
    assert isinstance(number, float)


def test_as_number_on_an_integer_too_large_for_a_float() -> None:
    number, why = as_number(10**400)
    assert number is None and why


# --- missing metrics and baselines ---------------------------------------------------------------


def test_missing_metric_suggests_the_close_name() -> None:
    current = {"accurcy": 0.93, "loss": 0.2}
    (result,) = judge(policy({"accuracy": {"min": 0.9}}), current, NO_BASELINE)
    assert result.verdict is Verdict.UNMEASURED and result.blocking
    assert result.reasons == [
        "the rule names 'accuracy' but reports/metrics.json has no such metric "
        "(did you mean 'accurcy'?); metrics there: accurcy, loss"
    ]


def test_missing_metric_the_baseline_has_means_the_pipeline_stopped_writing_it() -> None:
    baseline = Baseline({"accuracy": 0.93, "loss": 0.2})
    results = judge(policy({"accuracy": {"min": 0.9}}), {"loss": 0.2}, baseline)
    (result,) = results
    assert result.verdict is Verdict.UNMEASURED
    assert (
        "reports/metrics.json has no 'accuracy' although the baseline has it" in (result.reasons[0])
    )
    assert "stopped writing it" in result.reasons[0]
    assert exit_code(results) == 2


def test_missing_metric_is_not_excused_by_warn() -> None:
    """on_missing_baseline: warn is about the baseline, never about the current value."""
    results = judge(policy({"accuracy": {"max_drop": 0.01}}, "warn"), {"loss": 0.2}, NO_BASELINE)
    assert results[0].verdict is Verdict.UNMEASURED and results[0].blocking
    assert exit_code(results) == 2


def test_missing_baseline_with_fail_blocks() -> None:
    results = judge(policy({"m": {"min": 0.9, "max_drop": 0.01}}), {"m": 0.95}, NO_BASELINE)
    (result,) = results
    assert result.verdict is Verdict.UNMEASURED
    assert result.blocking is True
    assert result.current == 0.95 and result.baseline is None
    assert result.reasons == [f"{NOT_COMMITTED}; set on_missing_baseline: warn to allow this"]
    assert exit_code(results) == 2


def test_missing_baseline_with_warn_and_an_absolute_bound_passes_with_a_note() -> None:
    results = judge(policy({"m": {"min": 0.9, "max_drop": 0.01}}, "warn"), {"m": 0.95}, NO_BASELINE)
    (result,) = results
    assert result.verdict is Verdict.PASS
    assert result.reasons == [
        f"not compared with the baseline: {NOT_COMMITTED} (on_missing_baseline: warn)"
    ]
    assert exit_code(results) == 0


def test_missing_baseline_with_warn_still_fails_an_absolute_bound() -> None:
    result = judge_one({"min": 0.9, "max_drop": 0.01}, 0.5, on_missing_baseline="warn")
    assert result.verdict is Verdict.FAIL
    assert result.reasons == ["0.5 is below min 0.9", f"also not compared: {NOT_COMMITTED}"]


def test_missing_baseline_with_warn_and_only_relative_bounds_is_allowed_unmeasured() -> None:
    results = judge(policy({"m": {"max_drop_rel": 0.02}}, "warn"), {"m": 0.95}, NO_BASELINE)
    (result,) = results
    assert result.verdict is Verdict.UNMEASURED
    assert result.blocking is False
    assert "not compared with the baseline" in result.reasons[0]
    assert exit_code(results) == 0


@pytest.mark.parametrize(
    ("baseline", "reason"),
    [
        ({"other": 0.9}, "the baseline metrics have no 'm'"),
        ({"m": float("nan")}, "baseline value is NaN"),
        ({"m": "n/a"}, "baseline value is the text 'n/a', not a number"),
        ({"m": None}, "baseline value is null"),
    ],
)
def test_unusable_baseline_value_is_unmeasured(baseline: dict[str, Any], reason: str) -> None:
    (result,) = judge(policy({"m": {"max_drop": 0.01}}), {"m": 0.9}, Baseline(baseline))
    assert result.verdict is Verdict.UNMEASURED and result.blocking
    assert result.reasons == [f"{reason}; set on_missing_baseline: warn to allow this"]


def test_fail_beats_unmeasured_in_the_exit_code() -> None:
    rules = {"accuracy": {"min": 0.9}, "roc_auc": {"max_drop": 0.01}, "loss": {"max": 1}}
    results = judge(policy(rules), {"accuracy": 0.5, "loss": float("nan")}, NO_BASELINE)
    assert [r.metric for r in results] == ["accuracy", "roc_auc", "loss"]  # policy order
    assert [r.verdict for r in results] == [Verdict.FAIL, Verdict.UNMEASURED, Verdict.UNMEASURED]
    assert exit_code(results) == 1


@pytest.mark.parametrize(
    ("verdicts", "code"),
    [
        ([], 0),
        ([Verdict.PASS, Verdict.PASS], 0),
        ([Verdict.PASS, Verdict.UNMEASURED], 2),
        ([Verdict.UNMEASURED, Verdict.FAIL], 1),
        ([Verdict.FAIL], 1),
    ],
)
def test_exit_code(verdicts: list[Verdict], code: int) -> None:
    results = [MetricResult(f"m{i}", "min 0", verdict=v) for i, v in enumerate(verdicts)]
    assert exit_code(results) == code


def test_exit_code_ignores_an_allowed_unmeasured() -> None:
    allowed = MetricResult("m", "max_drop 0.1", verdict=Verdict.UNMEASURED, blocking=False)
    assert exit_code([allowed, MetricResult("n", "min 0")]) == 0


# --- metrics files ------------------------------------------------------------------------------


def test_nested_json_becomes_dotted_names() -> None:
    text = json.dumps({"test": {"accuracy": 0.93, "roc": {"auc": 0.97}}, "loss": 0.2})
    assert json_metrics(text) == {"test.accuracy": 0.93, "test.roc.auc": 0.97, "loss": 0.2}


def test_a_rule_can_name_a_nested_metric_by_its_dotted_name() -> None:
    current = json_metrics('{"test": {"accuracy": 0.8}}')
    (result,) = judge(policy({"test.accuracy": {"min": 0.9}}), current, NO_BASELINE)
    assert result.verdict is Verdict.FAIL


@pytest.mark.parametrize(
    "text",
    ['{"a.b": 1, "a": {"b": 2}}', '{"a": {"b": 2}, "a.b": 1}', '{"x": {"a.b": 1, "a": {"b": 2}}}'],
)
def test_a_dotted_key_colliding_with_a_nested_one_is_an_error(text: str) -> None:
    with pytest.raises(MetricsError, match="twice \\(a dotted key and a nested one\\); rename one"):
        json_metrics(text)


@pytest.mark.parametrize(
    ("text", "key"),
    [('{"accuracy": 0.5, "accuracy": 0.95}', "accuracy"), ('{"t": {"f1": 1, "f1": 2}}', "f1")],
)
def test_duplicate_json_keys_are_an_error(text: str, key: str) -> None:
    """JSON parsers keep the last duplicate; a gate must not guess which value was meant."""
    with pytest.raises(MetricsError) as info:
        json_metrics(text)
    assert str(info.value) == f"{METRICS} has the key {key!r} twice"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"accuracy": 0.9,\n "loss": }', "is not valid JSON: Expecting value at line 2, column"),
        ("", "is not valid JSON"),
        ("[0.9, 0.8]", 'must hold an object of metrics such as {"accuracy": 0.93}, not list'),
        ("0.93", "not float"),
        ("null", "not null"),
        ("{}", "holds no metrics (an empty object)"),
    ],
)
def test_unreadable_metrics_documents(text: str, fragment: str) -> None:
    with pytest.raises(MetricsError) as info:
        json_metrics(text)
    message = str(info.value)
    assert message.startswith(METRICS)
    assert fragment in message


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".YAML"])
def test_yaml_metrics(suffix: str) -> None:
    text = "test:\n  accuracy: 0.93\n  roc_auc: 0.97\nloss: .nan\nepochs: 10\n"
    metrics = parse_metrics(text, f"reports/metrics{suffix}", suffix=suffix)
    assert metrics["test.accuracy"] == 0.93 and metrics["test.roc_auc"] == 0.97
    assert metrics["epochs"] == 10
    assert math.isnan(metrics["loss"])
    results = judge(
        policy({"loss": {"max": 1}, "test.accuracy": {"min": 0.9}}), metrics, NO_BASELINE
    )
    assert [r.verdict for r in results] == [Verdict.UNMEASURED, Verdict.PASS]
    assert results[0].reasons == ["current value is NaN"]


def test_invalid_yaml_metrics() -> None:
    with pytest.raises(MetricsError, match=r"^m\.yaml is not valid YAML"):
        parse_metrics("accuracy: [0.9\n", "m.yaml", suffix=".yaml")


def test_duplicate_yaml_metric_keys_are_an_error() -> None:
    with pytest.raises(MetricsError, match="duplicate key 'accuracy'"):
        parse_metrics("accuracy: 0.5\naccuracy: 0.95\n", "m.yaml", suffix=".yaml")


def test_an_integer_past_pythons_digit_limit_is_a_metrics_error() -> None:
    with pytest.raises(MetricsError):
        json_metrics('{"m": ' + "1" * 5000 + "}")


def test_read_metrics_uses_the_file_suffix(tmp_path: Path) -> None:
    path = tmp_path / "scores.yml"
    path.write_text("f1: 0.8\n", encoding="utf-8")
    assert read_metrics(path, "scores.yml") == {"f1": 0.8}


def test_read_metrics_missing_file_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(MetricsError) as info:
        read_metrics(tmp_path / "metrics.json", METRICS)
    assert str(info.value) == (
        f"no metrics file at {METRICS}: run the pipeline first (dvc repro) so the evaluate "
        "stage writes it"
    )


def test_read_metrics_on_a_directory_and_on_binary(tmp_path: Path) -> None:
    with pytest.raises(MetricsError, match="is a directory, not a file"):
        read_metrics(tmp_path, "reports")
    binary = tmp_path / "metrics.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(MetricsError, match="is not UTF-8 text"):
        read_metrics(binary, METRICS)


# --- formatting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (0.0, "0"),
        (0.93, "0.93"),
        (0.010000000000000009, "0.01"),
        (-0.2, "-0.2"),
        (12.0, "12"),
        (1e-6, "1e-06"),
        (123456789.0, "1.235e+08"),
        (math.inf, "∞"),
        (-math.inf, "-∞"),
    ],
)
def test_fmt(value: float | None, text: str) -> None:
    assert fmt(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(0.02, "2%"), (0.020125, "2.01%"), (-0.25, "-25%"), (math.inf, "∞%")]
)
def test_percent(value: float, text: str) -> None:
    assert percent(value) == text
