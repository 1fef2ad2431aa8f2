"""mlgate.policy: one reader for every section, so a value means the same wherever it is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.policy import (
    DriftPolicy,
    GatePolicy,
    PolicyError,
    VerifyPolicy,
    load_policy,
    parse_policy,
)

GATE = "gate:\n  rules:\n    accuracy: {min: 0.5}\n"


def _sections(text: str) -> tuple[GatePolicy, DriftPolicy, VerifyPolicy]:
    """Every section of `text`, with a valid gate section when it has none."""
    policy = parse_policy(text if text.startswith("gate:") else GATE + text, "mlgate.yaml")
    return (
        GatePolicy.from_policy(policy, "mlgate.yaml"),
        DriftPolicy.from_policy(policy, "mlgate.yaml"),
        VerifyPolicy.from_policy(policy, "mlgate.yaml", Path()),
    )


def test_exponent_forms_are_numbers_in_every_section() -> None:
    """YAML 1.1 reads 2e2 and 5e-1 (no dot) as text; every section reads them as numbers."""
    policy = parse_policy(
        "gate:\n  rules:\n    accuracy: {min: 1e-3, max_drop: 5E-2}\n"
        "drift:\n  drift_share: 5e-1\n  min_rows: 1e2\n  columns: {age: {threshold: 1e-1}}\n"
        "verify:\n  p95_ms: 2e2\n  timeout_s: 1.5e+2\n  requests: 1e2\n",
        "mlgate.yaml",
    )
    gate = GatePolicy.from_policy(policy, "mlgate.yaml")
    assert gate.rules[0].bounds == {"min": 0.001, "max_drop": 0.05}
    drift = DriftPolicy.from_policy(policy, "mlgate.yaml")
    assert (drift.drift_share, drift.min_rows, drift.columns["age"].threshold) == (0.5, 100, 0.1)
    verify = VerifyPolicy.from_policy(policy, "mlgate.yaml", Path())
    assert (verify.p95_ms, verify.timeout_s, verify.requests) == (200.0, 150.0, 100)


PLACES = {  # a numeric setting of each section, written with a bad value
    "gate": ("gate:\n  rules:\n    accuracy: {{min: {value}}}\n", "gate.rules.accuracy.min"),
    "drift": ("drift:\n  drift_share: {value}\n", "drift.drift_share"),
    "drift column": ("drift:\n  columns: {{age: {{threshold: {value}}}}}\n",
                     "drift.columns.age.threshold"),
    "verify": ("verify:\n  p95_ms: {value}\n", "verify.p95_ms"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("high", "must be a number, not the text 'high'"),
        ("true", "must be a number, not the boolean true"),
        ("[1, 2]", "must be a number, not a list"),
        ("{a: 1}", "must be a number, not a mapping"),
        (".nan", "must be a finite number, not nan"),
        ("'inf'", "must be a finite number, not 'inf'"),
    ],
)
def test_the_same_bad_value_gets_the_same_words_in_every_section(value: str, said: str) -> None:
    for section, (template, where) in PLACES.items():
        with pytest.raises(PolicyError) as caught:
            _sections(template.format(value=value))
        assert str(caught.value) == f"mlgate.yaml: {where} {said}", section


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("drift:\n  retrain: 'yes'\n", "drift.retrain must be true or false, not the text 'yes'"),
        ("gate:\n  rules:\n    a: {min: 1, higher_is_better: 1}\n",
         "gate.rules.a.higher_is_better must be true or false, not the number 1"),
        ("drift:\n  columns: {age: {ignore: 'no'}}\n",
         "drift.columns.age.ignore must be true or false, not the text 'no'"),
    ],
)  # fmt: skip
def test_flags_are_read_alike(text: str, said: str) -> None:
    with pytest.raises(PolicyError) as caught:
        _sections(text)
    assert str(caught.value) == f"mlgate.yaml: {said}"


def test_whole_numbers_refuse_fractions_and_booleans() -> None:
    for value, said in [("1.5", "the number 1.5"), ("true", "the boolean true"), ("0", "0")]:
        with pytest.raises(PolicyError) as caught:
            _sections(f"drift:\n  min_rows: {value}\n")
        assert str(caught.value) == (
            f"mlgate.yaml: drift.min_rows must be a whole number of at least 1, not {said}"
        )


def test_without_a_policy_file_the_defaults_apply(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_policy(None) == ({}, "defaults", Path())
    with pytest.raises(PolicyError, match=r"no policy file at missing\.yaml"):
        load_policy("missing.yaml")
