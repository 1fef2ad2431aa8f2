"""The `gate:` section of mlgate.yaml: valid policies, and every way a policy is refused.

A policy the gate cannot evaluate as written must be an error that names the place and says what
to write instead; a gate that quietly skipped a broken rule would let changes through unseen.
"""

from __future__ import annotations

import textwrap

import pytest

from mlgate.errors import CouldNotCheck
from mlgate.policy import (
    DEFAULT_METRICS,
    GatePolicy,
    MetricRule,
    PolicyError,
    parse_policy,
    parse_rule,
)

SOURCE = "mlgate.yaml"


def gate_policy(text: str, source: str = SOURCE) -> GatePolicy:
    """Parse policy text the way `mlgate gate` does: the whole file, then its gate section."""
    return GatePolicy.from_policy(parse_policy(textwrap.dedent(text), source), source)


def policy_error(text: str, source: str = SOURCE) -> str:
    """The message of the PolicyError that `text` must raise."""
    with pytest.raises(PolicyError) as info:
        gate_policy(text, source)
    return str(info.value)


def with_rule(rule: str) -> str:
    """A minimal policy whose only rule is `accuracy: <rule>`."""
    return f"gate:\n  rules:\n    accuracy: {rule}\n"


# --- valid policies ------------------------------------------------------------------------------


def test_defaults_fill_everything_but_the_rules() -> None:
    policy = gate_policy(with_rule("{min: 0.9}"))
    assert policy.source == SOURCE
    assert policy.metrics == DEFAULT_METRICS == "reports/metrics.json"
    assert policy.baseline is None
    assert policy.on_missing_baseline == "fail"
    assert policy.rules == (MetricRule("accuracy", True, {"min": 0.9}),)


def test_the_design_example_parses_with_the_other_sections() -> None:
    """The example of DESIGN.md, other sections included, is a valid policy."""
    policy = gate_policy(
        """\
        gate:
          metrics: reports/metrics.json
          baseline: origin/main            # committed metrics at this ref are the baseline
          on_missing_baseline: fail        # or: warn (first run of a new repo)
          rules:
            accuracy: {higher_is_better: true, min: 0.90, max_drop: 0.01}
            roc_auc:  {higher_is_better: true, min: 0.95, max_drop_rel: 0.02}
        drift:
          reference: models/reference_profile.json
          drift_share: 0.5
        check:
          ignore: [{rule: DOCKER103, reason: "base image pinned by Renovate"}]
        verify:
          timeout_s: 300
        """
    )
    assert (policy.metrics, policy.baseline, policy.on_missing_baseline) == (
        "reports/metrics.json",
        "origin/main",
        "fail",
    )
    assert [rule.metric for rule in policy.rules] == ["accuracy", "roc_auc"]
    accuracy, roc_auc = policy.rules
    assert accuracy.bounds == {"min": 0.9, "max_drop": 0.01}
    assert accuracy.absolute == {"min": 0.9} and accuracy.relative == {"max_drop": 0.01}
    assert roc_auc.bounds == {"min": 0.95, "max_drop_rel": 0.02}
    assert policy.rule_texts() == {
        "accuracy": "min 0.9, max_drop 0.01",
        "roc_auc": "min 0.95, max_drop_rel 0.02",
    }


def test_warn_and_a_custom_metrics_path_are_kept() -> None:
    policy = gate_policy(
        "gate:\n  metrics: eval/scores.yaml\n  baseline: v1.2.0\n  on_missing_baseline: warn\n"
        "  rules:\n    f1: {min: 0.5}\n"
    )
    assert (policy.metrics, policy.baseline, policy.on_missing_baseline) == (
        "eval/scores.yaml",
        "v1.2.0",
        "warn",
    )


@pytest.mark.parametrize(
    ("rule", "higher_is_better"),
    [
        ("{max_drop: 0.01}", True),
        ("{max_drop_rel: 0.02}", True),
        ("{max_rise: 0.05}", False),
        ("{max_rise_rel: 0.1}", False),
        ("{min: 0.5}", True),  # nothing says otherwise: higher is better
        ("{max: 0.3, higher_is_better: false}", False),
        ("{min: 0.5, max_drop: 0.1, higher_is_better: true}", True),
        ("{max: 0.3, max_rise: 0.1, higher_is_better: false}", False),
    ],
)
def test_direction_is_stated_or_inferred_from_the_relative_bound(
    rule: str, higher_is_better: bool
) -> None:
    (parsed,) = gate_policy(with_rule(rule)).rules
    assert parsed.higher_is_better is higher_is_better


@pytest.mark.parametrize(
    ("written", "value"),
    [("1e-3", 0.001), ("'1e-3'", 0.001), ("' 0.5 '", 0.5), ("2", 2.0), ("1.0e-2", 0.01)],
)
def test_numeric_text_is_a_number(written: str, value: float) -> None:
    """YAML 1.1 reads `1e-3` as text; a person wrote a number, so it is taken as one."""
    (rule,) = gate_policy(with_rule(f"{{max_rise: {written}}}")).rules
    assert rule.bounds == {"max_rise": value}
    assert isinstance(rule.bounds["max_rise"], float)


def test_bounds_are_kept_in_a_fixed_order_and_described_as_written() -> None:
    (rule,) = gate_policy(with_rule("{max_drop: 0.01, max: 1, min: 0.9}")).rules
    assert list(rule.bounds) == ["min", "max", "max_drop"]
    assert rule.describe() == "min 0.9, max 1, max_drop 0.01"


def test_parse_rule_on_its_own() -> None:
    rule = parse_rule("loss", {"max_rise_rel": "1e-1", "max": 0.5}, "mlgate.yaml: gate.rules")
    assert rule == MetricRule("loss", False, {"max": 0.5, "max_rise_rel": 0.1})


def test_min_equal_to_max_is_allowed() -> None:
    (rule,) = gate_policy(with_rule("{min: 0.5, max: 0.5}")).rules
    assert rule.bounds == {"min": 0.5, "max": 0.5}


def test_zero_relative_bounds_are_allowed() -> None:
    """max_drop: 0 means 'must not get worse at all', a legitimate policy."""
    (rule,) = gate_policy(with_rule("{max_drop: 0}")).rules
    assert rule.bounds == {"max_drop": 0.0}


# --- policy errors -------------------------------------------------------------------------------


def test_policy_error_is_a_could_not_check() -> None:
    """The CLI turns CouldNotCheck into exit 2, so a broken policy never reads as a verdict."""
    assert issubclass(PolicyError, CouldNotCheck)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        pytest.param(
            "drift:\n  drift_share: 0.5\n",
            ["mlgate.yaml has no 'gate:' section", "add one"],
            id="missing-gate-section",
        ),
        pytest.param(
            "gates:\n  rules:\n    accuracy: {min: 0.9}\n",
            ["unknown section 'gates'", "(did you mean 'gate'?)", "known sections: gate, drift"],
            id="unknown-top-level-section",
        ),
        pytest.param(
            "gate:\n  rule:\n    accuracy: {min: 0.9}\n",
            ["mlgate.yaml: gate: unknown key 'rule'", "(did you mean 'rules'?)", "allowed:"],
            id="unknown-gate-key",
        ),
        pytest.param(
            with_rule("{mni: 0.9}"),
            ["gate.rules.accuracy: unknown key 'mni'", "(did you mean 'min'?)"],
            id="unknown-rule-key",
        ),
        pytest.param(
            with_rule("{higher_is_beter: true, min: 0.9}"),
            ["unknown key 'higher_is_beter'", "(did you mean 'higher_is_better'?)"],
            id="misspelt-higher-is-better",
        ),
        pytest.param(
            with_rule("{higher_is_better: true}"),
            ["gate.rules.accuracy has no bound", "min, max, max_drop", "would pass anything"],
            id="rule-without-bound",
        ),
        pytest.param(
            with_rule("{}"),
            ["gate.rules.accuracy has no bound"],
            id="empty-rule",
        ),
        pytest.param(
            with_rule("{min: high}"),
            ["gate.rules.accuracy.min must be a number, not the text 'high'"],
            id="non-numeric-bound",
        ),
        pytest.param(
            with_rule("{min: true}"),
            ["gate.rules.accuracy.min must be a number, not the boolean true"],
            id="boolean-bound",
        ),
        pytest.param(
            with_rule("{min: [0.9]}"),
            ["gate.rules.accuracy.min must be a number, not a list"],
            id="list-bound",
        ),
        pytest.param(
            with_rule("{min: .nan}"),
            ["gate.rules.accuracy.min must be a finite number"],
            id="nan-bound",
        ),
        pytest.param(
            with_rule("{max: .inf}"),
            ["gate.rules.accuracy.max must be a finite number, not inf"],
            id="inf-bound",
        ),
        pytest.param(
            with_rule("{min: -.inf}"),
            ["gate.rules.accuracy.min must be a finite number"],
            id="minus-inf-bound",
        ),
        pytest.param(
            with_rule("{max_drop: 'nan'}"),
            ["gate.rules.accuracy.max_drop must be a finite number, not 'nan'"],
            id="nan-as-text",
        ),
        pytest.param(
            with_rule("{max_drop: -0.01}"),
            ["gate.rules.accuracy.max_drop must be 0 or more, not -0.01"],
            id="negative-max-drop",
        ),
        pytest.param(
            with_rule("{max_rise_rel: -1}"),
            ["gate.rules.accuracy.max_rise_rel must be 0 or more, not -1"],
            id="negative-max-rise-rel",
        ),
        pytest.param(
            with_rule("{min: 0.9, max: 0.5}"),
            ["gate.rules.accuracy: min 0.9 is above max 0.5"],
            id="min-above-max",
        ),
        pytest.param(
            with_rule("{max_drop: 0.01, max_rise: 0.01}"),
            [
                "gate.rules.accuracy mixes max_drop (higher is better) with max_rise "
                "(lower is better)",
                "a metric has one direction",
            ],
            id="mixes-drop-and-rise",
        ),
        pytest.param(
            with_rule("{higher_is_better: true, max_rise: 0.05}"),
            ["max_rise limits a lower-is-better metric but higher_is_better is true", "max_drop"],
            id="higher-is-better-contradicts-max-rise",
        ),
        pytest.param(
            with_rule("{higher_is_better: false, max_drop_rel: 0.05}"),
            [
                "max_drop_rel limits a higher-is-better metric but higher_is_better is false",
                "use max_rise_rel",
            ],
            id="lower-is-better-contradicts-max-drop-rel",
        ),
        pytest.param(
            with_rule("{higher_is_better: 'true', min: 0.9}"),
            ["gate.rules.accuracy.higher_is_better must be true or false, not the text 'true'"],
            id="higher-is-better-text",
        ),
        pytest.param(
            with_rule("{higher_is_better: 1, min: 0.9}"),
            ["higher_is_better must be true or false, not the number 1"],
            id="higher-is-better-int",
        ),
        pytest.param(
            "gate:\n  rules: {}\n",
            ["gate.rules must map each gated metric to its bounds", "accuracy: {min: 0.9"],
            id="empty-rules",
        ),
        pytest.param(
            "gate:\n  metrics: reports/metrics.json\n",
            ["gate.rules must map each gated metric to its bounds"],
            id="no-rules",
        ),
        pytest.param(
            "gate:\n",
            ["gate.rules must map each gated metric to its bounds"],
            id="gate-section-empty",
        ),
        pytest.param(
            "gate:\n  rules: [accuracy, roc_auc]\n",
            ["gate.rules must map each gated metric", "found a list"],
            id="rules-a-list",
        ),
        pytest.param(
            "gate:\n  rules: accuracy\n",
            ["gate.rules must map each gated metric", "found the text 'accuracy'"],
            id="rules-text",
        ),
        pytest.param(
            with_rule("0.9"),
            [
                "gate.rules.accuracy must be a mapping of bounds such as '{min: 0.9}'",
                "not the number 0.9",
            ],
            id="rule-a-number",
        ),
        pytest.param(
            "gate:\n  rules:\n    1: {min: 0.9}\n",
            ["gate.rules: a metric name must be text, not the number 1"],
            id="metric-name-a-number",
        ),
        pytest.param(
            "gate:\n  metrics: /home/ci/reports/metrics.json\n  rules: {a: {min: 0}}\n",
            ["gate.metrics must be a path inside the repository", "'/home/ci/reports"],
            id="metrics-path-absolute",
        ),
        pytest.param(
            "gate:\n  metrics: ../other/metrics.json\n  rules: {a: {min: 0}}\n",
            ["gate.metrics must be a path inside the repository", "'../other/metrics.json'"],
            id="metrics-path-dotdot",
        ),
        pytest.param(
            "gate:\n  metrics: reports/../../metrics.json\n  rules: {a: {min: 0}}\n",
            ["must be a path inside the repository"],
            id="metrics-path-dotdot-inside",
        ),
        pytest.param(
            "gate:\n  metrics: ''\n  rules: {a: {min: 0}}\n",
            ["gate.metrics must be a file path, not the text ''"],
            id="metrics-path-empty",
        ),
        pytest.param(
            "gate:\n  metrics: [a.json]\n  rules: {a: {min: 0}}\n",
            ["gate.metrics must be a file path, not a list"],
            id="metrics-path-list",
        ),
        pytest.param(
            "gate:\n  on_missing_baseline: ignore\n  rules: {a: {min: 0}}\n",
            ["gate.on_missing_baseline must be 'fail' or 'warn', not the text 'ignore'"],
            id="on-missing-baseline-unknown",
        ),
        pytest.param(
            "gate:\n  on_missing_baseline: false\n  rules: {a: {min: 0}}\n",
            ["gate.on_missing_baseline must be 'fail' or 'warn', not the boolean false"],
            id="on-missing-baseline-boolean",
        ),
        pytest.param(
            "gate:\n  baseline: 3\n  rules: {a: {min: 0}}\n",
            ["gate.baseline must be a git ref, not the number 3"],
            id="baseline-a-number",
        ),
        pytest.param(
            "gate:\n  baseline: ' '\n  rules: {a: {min: 0}}\n",
            ["gate.baseline must be a git ref"],
            id="baseline-blank",
        ),
        pytest.param(
            "gate:\n  rules:\n    accuracy: {min: 0.9}\n    accuracy: {min: 0.1}\n",
            ["mlgate.yaml is not valid YAML", "duplicate key 'accuracy' (line 4)"],
            id="duplicate-rule",
        ),
        pytest.param(
            with_rule("{min: 0.9, min: 0.1}"),
            ["not valid YAML", "duplicate key 'min'"],
            id="duplicate-bound",
        ),
        pytest.param(
            "gate:\n  rules:\n    accuracy: {min: 0.9}\ngate:\n  rules:\n    accuracy: {min: 0}\n",
            ["not valid YAML", "duplicate key 'gate' (line 4)"],
            id="duplicate-section",
        ),
        pytest.param(
            "gate:\n  rules:\n    accuracy: {min: 0.9\n    roc_auc: {min: 0.9}\n",
            ["mlgate.yaml is not valid YAML", "line 4"],
            id="invalid-yaml",
        ),
        pytest.param(
            "gate:\n  rules:\n\taccuracy: {min: 0.9}\n",
            ["mlgate.yaml is not valid YAML", "line 3"],
            id="tab-indentation",
        ),
        pytest.param("", ["mlgate.yaml is empty", "'gate:' section"], id="empty-file"),
        pytest.param("# rules to come\n", ["mlgate.yaml is empty"], id="comments-only"),
        pytest.param(
            "- gate\n- rules\n",
            [
                "mlgate.yaml must be a mapping of sections (gate, drift, monitor, check, verify, "
                "engine)",
                "list",
            ],
            id="list-document",
        ),
        pytest.param(
            "just some text\n",
            ["mlgate.yaml must be a mapping of sections", "not the text 'just some text'"],
            id="text-document",
        ),
        pytest.param(
            "gate: [accuracy]\n",
            ["mlgate.yaml: 'gate' must be a mapping, not a list"],
            id="gate-section-a-list",
        ),
    ],
)
def test_policy_error_names_the_place(text: str, fragments: list[str]) -> None:
    message = policy_error(text)
    for fragment in fragments:
        assert fragment in message


def test_message_names_the_source_it_was_read_from() -> None:
    """The baseline's policy is named 'mlgate.yaml at main', so the reader knows which copy."""
    message = policy_error(with_rule("{mni: 0.9}"), source="mlgate.yaml at main")
    assert message.startswith("mlgate.yaml at main: gate.rules.accuracy: unknown key 'mni'")


def test_invalid_yaml_names_line_and_column() -> None:
    message = policy_error("gate:\n  rules: {accuracy: {min: 0.9}\n")
    assert message.startswith("mlgate.yaml is not valid YAML: ")
    assert "line 3, column" in message


def test_parse_rule_rejects_a_non_mapping_with_the_place() -> None:
    with pytest.raises(PolicyError, match=r"^here\.f1 must be a mapping of bounds"):
        parse_rule("f1", [0.5], "here")


@pytest.mark.parametrize("key", ["[accuracy]", "{accuracy}"])
def test_unhashable_key_is_a_policy_error(key: str) -> None:
    message = policy_error(f"gate:\n  rules:\n    {key}: {{min: 0.9}}\n")
    assert "mlgate.yaml" in message
