"""`mlgate suite init`: a reviewed-by-a-person first draft, inferred the same way every time."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlgate.cli import main
from mlgate.errors import CouldNotCheck
from mlgate.suite.infer import build_suite, column_kind, numeric_bounds, write_suite


def sample() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "size cm": rng.uniform(1, 5, 50).round(3),
            "colour": rng.choice(["red", "green"], 50),
            "count": rng.integers(0, 4, 50),
            "flag": rng.choice([True, False], 50),
            "maybe": [None if i % 5 == 0 else float(i) for i in range(50)],
            "delta": rng.normal(0, 1, 50),
        }
    )


def by_type(suite: dict, kind: str) -> dict[str | None, dict]:
    return {
        e["kwargs"].get("column"): e["kwargs"] for e in suite["expectations"] if e["type"] == kind
    }


def test_column_kinds() -> None:
    frame = sample()
    kinds = {c: column_kind(frame[c]) for c in frame.columns}
    assert kinds == {"size cm": "numeric", "colour": "categorical", "count": "numeric",
                     "flag": "boolean", "maybe": "numeric", "delta": "numeric"}  # fmt: skip


def test_suite_describes_columns_types_nulls_ranges_and_sets() -> None:
    frame = sample()
    suite = build_suite(frame, name="s", source="d.csv", margin=0.1, max_categories=5)
    order = by_type(suite, "expect_table_columns_to_match_ordered_list")[None]["column_list"]
    assert order == list(frame.columns)
    assert set(by_type(suite, "expect_column_values_to_be_in_type_list")) == set(frame.columns)
    assert set(by_type(suite, "expect_column_values_to_not_be_null")) == set(frame.columns) - {
        "maybe"
    }
    sets = by_type(suite, "expect_column_values_to_be_in_set")
    assert sets["colour"]["value_set"] == ["green", "red"]
    assert sets["count"]["value_set"] == [0, 1, 2, 3]
    assert sets["flag"]["value_set"] == [False, True]
    ranges = by_type(suite, "expect_column_values_to_be_between")
    assert set(ranges) == {"size cm", "maybe", "delta"}
    for column, bounds in ranges.items():
        values = frame[column].dropna()
        assert bounds["min_value"] <= values.min() and values.max() <= bounds["max_value"]
    assert ranges["size cm"]["min_value"] >= 0, "a non-negative column stays non-negative"
    assert ranges["delta"]["min_value"] < frame["delta"].min()


@pytest.mark.parametrize(
    ("low", "high", "margin", "expected"),
    [(10.0, 20.0, 0.1, (9, 21)), (0.5, 1.0, 0.5, (0.25, 1.25)), (3.0, 3.0, 0.1, (2.7, 3.3)),
     (0.0, 100.0, 0.5, (0, 150)), (-1.0, 1.0, 0.0, (-1, 1))],
)  # fmt: skip
def test_numeric_bounds(low: float, high: float, margin: float, expected: tuple) -> None:
    lower, upper = numeric_bounds(low, high, margin)
    assert (lower, upper) == pytest.approx(expected)
    assert lower <= low and high <= upper


def test_output_is_deterministic_and_loads_in_gx(tmp_path: Path) -> None:
    import great_expectations as gx

    data = tmp_path / "d.csv"
    sample().to_csv(data, index=False)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["suite", "init", str(data), "-o", str(first)]) == 0
    assert main(["suite", "init", str(data), "-o", str(second), "--name", "a"]) == 0
    assert first.read_bytes() == second.read_bytes()
    suite = json.loads(first.read_text())
    assert suite["name"] == "a"
    assert len(gx.ExpectationSuite(**suite).expectations) == len(suite["expectations"])


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    data, out = tmp_path / "d.csv", tmp_path / "s.json"
    sample().to_csv(data, index=False)
    out.write_text("reviewed by a person")
    with pytest.raises(CouldNotCheck, match="exists; pass --force"):
        write_suite(str(data), str(out))
    assert out.read_text() == "reviewed by a person"
    assert write_suite(str(data), str(out), force=True) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--margin", "-1"], "--margin must be between 0 and 10"),
     (["--margin", "nan"], "--margin must be between 0 and 10"),
     (["--max-categories", "-3"], "--max-categories must be 0 or more")],
)  # fmt: skip
def test_bad_options_could_not_check(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.csv"
    sample().to_csv(data, index=False)
    assert main(["suite", "init", str(data), "-o", str(tmp_path / "s.json"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "s.json").exists()


def test_data_with_no_rows_could_not_check(tmp_path: Path, capsys) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n")
    assert main(["suite", "init", str(data), "-o", str(tmp_path / "s.json")]) == 2
    assert "no rows to infer a suite from" in capsys.readouterr().err
