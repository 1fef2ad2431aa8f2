"""mlgate.suite.infer: the inferred suite's content, its bounds, determinism and its refusals."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlgate.cli import main
from mlgate.errors import CouldNotCheck
from mlgate.suite.infer import (
    BOOLEAN_TYPES,
    NUMERIC_TYPES,
    STRING_TYPES,
    build_suite,
    column_kind,
    numeric_bounds,
    write_suite,
)


def sample(rows: int = 40, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "mean radius": rng.uniform(5, 25, rows).round(3),  # float, many values
            "temperature": rng.uniform(-30, 10, rows).round(2),  # float, negative values
            "colour": rng.choice(["red", "green", "blue"], rows),  # text, 3 values
            "label": rng.integers(0, 2, rows),  # int, 2 values
            "visits": np.arange(100, 100 + rows),  # int, many values
            "flag": rng.integers(0, 2, rows).astype(bool),  # bool
            "score": [1.0, 2.0] * (rows // 2),  # float, 2 values: a range, not a set
        }
    )


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def of_type(suite: dict[str, Any], kind: str) -> dict[str | None, dict[str, Any]]:
    """The kwargs of every expectation of one type, by column."""
    expectations = suite["expectations"]
    return {e["kwargs"].get("column"): e["kwargs"] for e in expectations if e["type"] == kind}


def infer(frame: pd.DataFrame, tmp_path: Path, *extra: str) -> dict[str, Any]:
    """Suite init through the CLI on `frame` written as CSV; the suite as a dict."""
    data, out = write_csv(frame, tmp_path / "data.csv"), tmp_path / "suite.json"
    out.unlink(missing_ok=True)
    assert main(["suite", "init", str(data), "-o", str(out), *extra]) == 0
    return read_json(out)


# --- column_kind --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("series", "kind"),
    [
        (pd.Series([True, False]), "boolean"),
        (pd.Series([True, None], dtype="boolean"), "boolean"),
        (pd.Series([1, 2]), "numeric"),
        (pd.Series([1, None], dtype="Int64"), "numeric"),
        (pd.Series([1.5, np.nan]), "numeric"),
        (pd.Series([1.5], dtype="float32"), "numeric"),
        (pd.Series(["a", "b"]), "categorical"),
        (pd.Series(["a", "b"], dtype="string"), "categorical"),
        (pd.Series(["a", 1], dtype=object), "categorical"),
        (pd.Series(["a", "b"], dtype="category"), "categorical"),
    ],
)
def test_column_kind(series: pd.Series, kind: str) -> None:
    assert column_kind(series) == kind


# --- numeric_bounds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "margin", "expected"),
    [
        (0, 10, 0.1, (0, 11)),  # non-negative: the lower bound stays at 0
        (2, 10, 0.5, (0, 14)),  # 2 - 4 would be negative
        (5, 25, 0.1, (3, 27)),
        (-5, 5, 0.1, (-6, 6)),  # negative data may go further below
        (-10, -2, 0.25, (-12, 0)),
        (7, 7, 0.1, (6.3, 7.7)),  # one value: the pad is a share of the value
        (0, 0, 0.1, (0, 0.1)),  # one value of 0: the pad is a share of 1
        (-4, -4, 0.5, (-6, -2)),
        (1, 3, 0, (1, 3)),  # no margin
    ],
)
def test_numeric_bounds(low: float, high: float, margin: float, expected: tuple) -> None:
    lower, upper = numeric_bounds(low, high, margin)
    assert lower == pytest.approx(expected[0])
    assert upper == pytest.approx(expected[1])


def test_numeric_bounds_are_ints_when_both_are_whole() -> None:
    lower, upper = numeric_bounds(0.0, 10.0, 0.1)
    assert (lower, upper) == (0, 11)
    assert type(lower) is int and type(upper) is int
    lower, upper = numeric_bounds(7.0, 7.0, 0.1)
    assert type(lower) is float and type(upper) is float


def test_numeric_bounds_round_outwards_to_six_significant_digits() -> None:
    lower, upper = numeric_bounds(0.123456789, 0.987654321, 0.0)
    assert (lower, upper) == (0.123456, 0.987655)
    lower, upper = numeric_bounds(-0.987654321, -0.123456789, 0.0)
    assert (lower, upper) == (-0.987655, -0.123456)
    assert numeric_bounds(123456789.0, 123456789.0, 0.0) == (123456000, 123457000)


@pytest.mark.parametrize("margin", [0.0, 1e-9, 0.01, 0.1, 1.0, 10.0])
def test_numeric_bounds_always_contain_the_data(margin: float) -> None:
    rng = random.Random(20240601)
    for _ in range(3000):
        low = rng.uniform(-1, 1) * 10 ** rng.randint(-8, 12)
        high = low + rng.random() * 10 ** rng.randint(-8, 12)
        lower, upper = numeric_bounds(low, high, margin)
        assert lower <= low and upper >= high, (low, high, margin, lower, upper)
        if low >= 0:
            assert lower >= 0, (low, high, margin, lower)
        assert math.isfinite(lower) and math.isfinite(upper)


def test_numeric_bounds_widen_by_the_margin() -> None:
    narrow = numeric_bounds(10, 20, 0.1)
    wide = numeric_bounds(10, 20, 0.5)
    assert wide[0] < narrow[0] <= 10 and wide[1] > narrow[1] >= 20


# --- the suite's content ------------------------------------------------------------------------


def test_column_list_and_order(tmp_path: Path) -> None:
    frame = sample()
    suite = infer(frame, tmp_path)
    first, second = suite["expectations"][:2]
    assert first == {
        "type": "expect_table_columns_to_match_ordered_list",
        "kwargs": {"column_list": list(frame.columns)},
        "meta": {},
    }
    assert second["type"] == "expect_table_row_count_to_be_between"
    assert second["kwargs"] == {"min_value": 1, "max_value": None}


def test_column_list_keeps_a_reordered_frame_s_order(tmp_path: Path) -> None:
    frame = sample()[["visits", "colour", "mean radius", "flag", "label", "temperature", "score"]]
    suite = infer(frame, tmp_path)
    columns = of_type(suite, "expect_table_columns_to_match_ordered_list")[None]["column_list"]
    assert columns == ["visits", "colour", "mean radius", "flag", "label", "temperature", "score"]


def test_expectations_follow_column_order(tmp_path: Path) -> None:
    frame = sample()
    suite = infer(frame, tmp_path)
    seen = []
    for expectation in suite["expectations"]:
        column = expectation["kwargs"].get("column")
        if column is not None and column not in seen:
            seen.append(column)
    assert seen == list(frame.columns)


def test_type_lists(tmp_path: Path) -> None:
    types = of_type(infer(sample(), tmp_path), "expect_column_values_to_be_in_type_list")
    assert set(types) == set(sample().columns)
    for column in ("mean radius", "temperature", "label", "visits", "score"):
        assert types[column]["type_list"] == NUMERIC_TYPES
    assert types["colour"]["type_list"] == STRING_TYPES
    assert types["flag"]["type_list"] == BOOLEAN_TYPES


def test_not_null_only_for_columns_without_nulls(tmp_path: Path) -> None:
    frame = sample()
    frame.loc[3, "mean radius"] = np.nan
    frame.loc[5, "colour"] = None
    not_null = of_type(infer(frame, tmp_path), "expect_column_values_to_not_be_null")
    assert set(not_null) == {"temperature", "label", "visits", "flag", "score"}


def test_value_sets_for_low_cardinality_non_float_columns(tmp_path: Path) -> None:
    suite = infer(sample(), tmp_path)
    sets = of_type(suite, "expect_column_values_to_be_in_set")
    assert set(sets) == {"colour", "label", "flag"}
    assert sets["colour"]["value_set"] == ["blue", "green", "red"]  # sorted
    assert sets["label"]["value_set"] == [0, 1]
    assert sets["flag"]["value_set"] == [False, True]
    # the float column with two values gets a range instead
    ranges = of_type(suite, "expect_column_values_to_be_between")
    assert "score" in ranges
    assert ranges["score"]["min_value"] <= 1.0 and ranges["score"]["max_value"] >= 2.0


def test_value_set_ignores_nulls(tmp_path: Path) -> None:
    frame = pd.DataFrame({"colour": ["red", None, "blue", "red"], "n": [1, 2, 3, 4]})
    sets = of_type(infer(frame, tmp_path), "expect_column_values_to_be_in_set")
    assert sets["colour"]["value_set"] == ["blue", "red"]


def test_max_categories_is_inclusive(tmp_path: Path) -> None:
    frame = pd.DataFrame({"n": [1, 2, 3, 4, 5] * 4})
    at_limit = infer(frame, tmp_path, "--max-categories", "5")
    value_sets = of_type(at_limit, "expect_column_values_to_be_in_set")
    assert value_sets["n"]["value_set"] == [1, 2, 3, 4, 5]
    assert "n" not in of_type(at_limit, "expect_column_values_to_be_between")

    over_limit = infer(frame, tmp_path, "--max-categories", "4")
    assert "n" not in of_type(over_limit, "expect_column_values_to_be_in_set")
    bounds = of_type(over_limit, "expect_column_values_to_be_between")["n"]
    assert bounds["min_value"] <= 1 and bounds["max_value"] >= 5


def test_max_categories_0_gives_no_value_sets(tmp_path: Path) -> None:
    suite = infer(sample(), tmp_path, "--max-categories", "0")
    assert of_type(suite, "expect_column_values_to_be_in_set") == {}
    # text columns then get no value expectation at all; numbers get ranges
    assert set(of_type(suite, "expect_column_values_to_be_between")) == {
        "mean radius",
        "temperature",
        "label",
        "visits",
        "score",
    }


def test_numeric_ranges_contain_observed_values(tmp_path: Path) -> None:
    frame = sample()
    ranges = of_type(infer(frame, tmp_path), "expect_column_values_to_be_between")
    assert set(ranges) == {"mean radius", "temperature", "visits", "score"}
    for column, bounds in ranges.items():
        assert bounds["min_value"] <= frame[column].min(), column
        assert bounds["max_value"] >= frame[column].max(), column


def test_numeric_ranges_have_the_margin(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": np.linspace(10.0, 20.0, 30)})
    suite = infer(frame, tmp_path, "--margin", "0.2")
    ranges = of_type(suite, "expect_column_values_to_be_between")
    assert ranges["x"]["min_value"] == pytest.approx(8.0)
    assert ranges["x"]["max_value"] == pytest.approx(22.0)


def test_non_negative_column_stays_non_negative(tmp_path: Path) -> None:
    frame = pd.DataFrame({"amount": np.linspace(0.5, 100.0, 30), "count": np.arange(30)})
    ranges = of_type(infer(frame, tmp_path, "--margin", "1"), "expect_column_values_to_be_between")
    assert ranges["amount"]["min_value"] == 0
    assert ranges["count"]["min_value"] == 0
    assert ranges["amount"]["max_value"] >= 100.0
    assert ranges["count"]["max_value"] >= 29


def test_negative_column_range_goes_below_its_minimum(tmp_path: Path) -> None:
    ranges = of_type(infer(sample(), tmp_path), "expect_column_values_to_be_between")
    assert ranges["temperature"]["min_value"] < sample()["temperature"].min()


def test_whole_bounds_are_written_as_integers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"n": np.arange(100, 141)})  # span 40, pad 4
    suite = infer(frame, tmp_path)
    ranges = of_type(suite, "expect_column_values_to_be_between")
    assert ranges["n"] == {"column": "n", "min_value": 96, "max_value": 144}
    text = (tmp_path / "suite.json").read_text(encoding="utf-8")
    assert '"min_value": 96,' in text and '"max_value": 144\n' in text


def test_all_null_column_gets_only_a_type_list(tmp_path: Path) -> None:
    frame = pd.DataFrame({"n": [1, 2, 3], "empty": [np.nan, np.nan, np.nan]})
    suite = infer(frame, tmp_path)
    about_empty = [e["type"] for e in suite["expectations"] if e["kwargs"].get("column") == "empty"]
    assert about_empty == ["expect_column_values_to_be_in_type_list"]


def test_meta_and_name(tmp_path: Path) -> None:
    suite = infer(sample(rows=12), tmp_path, "--margin", "0.25")
    assert suite["name"] == "suite"  # the output file's stem
    assert suite["meta"]["generated_by"] == "mlgate suite init"
    assert suite["meta"]["source"] == "data.csv"
    assert suite["meta"]["rows_profiled"] == 12
    assert suite["meta"]["margin"] == 0.25
    assert "review" in suite["meta"]
    for expectation in suite["expectations"]:
        assert set(expectation) == {"type", "kwargs", "meta"}
        assert expectation["meta"] == {}


def test_explicit_name(tmp_path: Path) -> None:
    assert infer(sample(), tmp_path, "--name", "breast cancer v2")["name"] == "breast cancer v2"


def test_build_suite_directly() -> None:
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "x"]})
    suite = build_suite(frame, name="n", source="s.csv", margin=0.1, max_categories=20)
    assert suite["name"] == "n"
    assert [e["type"] for e in suite["expectations"]] == [
        "expect_table_columns_to_match_ordered_list",
        "expect_table_row_count_to_be_between",
        "expect_column_values_to_be_in_type_list",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_in_type_list",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
    ]
    json.dumps(suite, allow_nan=False)  # plain JSON values, no numpy scalars


# --- the file -----------------------------------------------------------------------------------


def test_output_is_deterministic(tmp_path: Path) -> None:
    data = write_csv(sample(), tmp_path / "data.csv")
    first, second = tmp_path / "a" / "suite.json", tmp_path / "b" / "suite.json"
    assert main(["suite", "init", str(data), "-o", str(first)]) == 0
    assert main(["suite", "init", str(data), "-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    # and again over the same file
    assert main(["suite", "init", str(data), "-o", str(first), "--force"]) == 0
    assert first.read_bytes() == second.read_bytes()


def test_row_order_does_not_change_the_suite(tmp_path: Path) -> None:
    frame = sample()
    shuffled = frame.sample(frac=1, random_state=7).reset_index(drop=True)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = write_csv(frame, tmp_path / "one" / "data.csv")
    two = write_csv(shuffled, tmp_path / "two" / "data.csv")
    out_one, out_two = tmp_path / "one" / "suite.json", tmp_path / "two" / "suite.json"
    assert main(["suite", "init", str(one), "-o", str(out_one)]) == 0
    assert main(["suite", "init", str(two), "-o", str(out_two)]) == 0
    assert out_one.read_bytes() == out_two.read_bytes()


def test_file_format(tmp_path: Path) -> None:
    frame = pd.DataFrame({"größe": [1.5, 2.5, 3.5], "farbe": ["rot", "grün", "blau"]})
    data, out = write_csv(frame, tmp_path / "data.csv"), tmp_path / "suite.json"
    assert main(["suite", "init", str(data), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert "größe" in text and "grün" in text  # not \u escapes
    assert text.startswith('{\n  "name"')  # indented
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


def test_reports_what_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    suite = infer(sample(), tmp_path)
    out = capsys.readouterr().out
    assert f"{len(suite['expectations'])} expectations on 7 columns" in out
    assert "review" in out


def test_creates_missing_parent_folders_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    data = write_csv(sample(), tmp_path / "data.csv")
    out = tmp_path / "deep" / "er" / "suite.json"
    assert main(["suite", "init", str(data), "-o", str(out)]) == 0
    assert out.is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == ["suite.json"]


def test_written_suite_loads_in_gx(tmp_path: Path) -> None:
    gx = pytest.importorskip("great_expectations")
    suite_json = infer(sample(), tmp_path)
    suite = gx.ExpectationSuite(**suite_json)
    assert suite.name == "suite"
    assert len(suite.expectations) == len(suite_json["expectations"])
    assert [e.expectation_type for e in suite.expectations] == [
        e["type"] for e in suite_json["expectations"]
    ]


def test_suite_from_json_lines_and_parquet_match_csv(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    # a float column of whole numbers would come back from JSON lines as int: leave it out
    frame = sample().drop(columns=["score"])
    outputs = {}
    for suffix, writer in [
        (".csv", lambda p: frame.to_csv(p, index=False)),
        (".jsonl", lambda p: frame.to_json(p, orient="records", lines=True)),
        (".parquet", lambda p: frame.to_parquet(p, index=False)),
    ]:
        data = tmp_path / f"data{suffix}"
        writer(data)
        out = tmp_path / f"suite{suffix}.json"
        assert main(["suite", "init", str(data), "-o", str(out), "--name", "s"]) == 0
        outputs[suffix] = read_json(out)["expectations"]
    assert outputs[".csv"] == outputs[".jsonl"] == outputs[".parquet"]


# --- refusals -----------------------------------------------------------------------------------


def test_refuses_to_overwrite_without_force(tmp_path: Path, capsys) -> None:
    data = write_csv(sample(), tmp_path / "data.csv")
    out = tmp_path / "suite.json"
    out.write_text("my reviewed suite\n", encoding="utf-8")
    assert main(["suite", "init", str(data), "-o", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "my reviewed suite\n"
    err = capsys.readouterr().err
    assert f"{out} exists; pass --force to replace it" in err
    assert err.startswith("mlgate suite init: could not check: ")

    assert main(["suite", "init", str(data), "-o", str(out), "--force"]) == 0
    assert read_json(out)["name"] == "suite"


def test_write_suite_raises_when_the_output_exists(tmp_path: Path) -> None:
    data = write_csv(sample(), tmp_path / "data.csv")
    out = tmp_path / "suite.json"
    out.write_text("{}", encoding="utf-8")
    with pytest.raises(CouldNotCheck, match="pass --force"):
        write_suite(str(data), str(out))
    assert write_suite(str(data), str(out), force=True) == 0


@pytest.mark.parametrize("margin", ["-0.1", "10.5", "nan", "inf", "-inf"])
def test_bad_margin(tmp_path: Path, margin: str, capsys) -> None:
    data = write_csv(sample(), tmp_path / "data.csv")
    out = tmp_path / "suite.json"
    assert main(["suite", "init", str(data), "-o", str(out), f"--margin={margin}"]) == 2
    assert "--margin must be between 0 and 10" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("margin", [0.0, 10.0])
def test_margin_limits_are_allowed(tmp_path: Path, margin: float) -> None:
    data = write_csv(sample(), tmp_path / "data.csv")
    assert write_suite(str(data), str(tmp_path / "suite.json"), margin=margin) == 0


def test_bad_margin_raises_could_not_check(tmp_path: Path) -> None:
    data = write_csv(sample(), tmp_path / "data.csv")
    with pytest.raises(CouldNotCheck, match="--margin"):
        write_suite(str(data), str(tmp_path / "suite.json"), margin=float("nan"))


def test_negative_max_categories(tmp_path: Path, capsys) -> None:
    data = write_csv(sample(), tmp_path / "data.csv")
    out = tmp_path / "suite.json"
    assert main(["suite", "init", str(data), "-o", str(out), "--max-categories", "-1"]) == 2
    assert "--max-categories must be 0 or more" in capsys.readouterr().err
    assert not out.exists()


def test_header_only_data(tmp_path: Path, capsys) -> None:
    data, out = tmp_path / "data.csv", tmp_path / "suite.json"
    data.write_text("a,b,c\n", encoding="utf-8")
    assert main(["suite", "init", str(data), "-o", str(out)]) == 2
    assert f"{data}: no rows to infer a suite from" in capsys.readouterr().err
    assert not out.exists()


def test_empty_data_file(tmp_path: Path, capsys) -> None:
    data, out = tmp_path / "data.csv", tmp_path / "suite.json"
    data.write_text("", encoding="utf-8")
    assert main(["suite", "init", str(data), "-o", str(out)]) == 2
    assert "the file is empty" in capsys.readouterr().err
    assert not out.exists()


def test_missing_data_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "suite.json"
    assert main(["suite", "init", str(tmp_path / "nope.csv"), "-o", str(out)]) == 2
    assert "data file not found" in capsys.readouterr().err
    assert not out.exists()


def test_empty_data_raises_could_not_check(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("x\n", encoding="utf-8")
    with pytest.raises(CouldNotCheck, match="no rows"):
        write_suite(str(data), str(tmp_path / "suite.json"))


# --- known bugs ---------------------------------------------------------------------------------


def test_json_lines_with_numeric_keys(tmp_path: Path) -> None:
    data, out = tmp_path / "data.jsonl", tmp_path / "suite.json"
    data.write_text('{"1": 1, "2": 5}\n{"1": 2, "2": 6}\n', encoding="utf-8")
    assert main(["suite", "init", str(data), "-o", str(out)]) == 0
    columns = json.loads(out.read_text())["expectations"][0]["kwargs"]["column_list"]
    assert columns == ["1", "2"]
    assert main(["validate", str(out), str(data)]) == 0


def test_json_lines_with_a_date_column(tmp_path: Path) -> None:
    data, out = tmp_path / "data.jsonl", tmp_path / "suite.json"
    data.write_text(
        '{"created_at": "2024-01-01", "x": 1}\n{"created_at": "2024-01-02", "x": 2}\n',
        encoding="utf-8",
    )
    assert main(["suite", "init", str(data), "-o", str(out)]) == 0
    by_type = {(e["type"], e["kwargs"].get("column")): e["kwargs"] for e in
               json.loads(out.read_text())["expectations"]}  # fmt: skip
    # dates stay text, as in a CSV, checked by their format: a value set would refuse every
    # later date
    assert ("expect_column_values_to_be_in_set", "created_at") not in by_type
    assert by_type[("expect_column_values_to_match_strftime_format", "created_at")] == {
        "column": "created_at", "strftime_format": "%Y-%m-%d"
    }  # fmt: skip
    assert main(["validate", str(out), str(data)]) == 0


def test_a_text_column_holding_numbers_too_passes_its_own_suite(tmp_path: Path, capsys) -> None:
    """JSON lines of films (vega-datasets): titles are text, but "1776" and "9" were written
    as numbers. GX checks an object column value by value, so a type list of text names
    failed the data the suite was written from; the value types found are listed too."""
    from mlgate.suite.infer import write_suite
    from mlgate.suite.validate import run_validation

    rows = [{"Title": title, "Gross": 1000 + i} for i, title in
            enumerate(["Heat", 1776, "Up", 9, "Fargo", "Alien"] * 5)]  # fmt: skip
    data = tmp_path / "films.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    suite = tmp_path / "suite.json"
    write_suite(str(data), str(suite), name="films")
    types = of_type(json.loads(suite.read_text(encoding="utf-8")),
                    "expect_column_values_to_be_in_type_list")  # fmt: skip
    assert types["Title"]["type_list"] == [*STRING_TYPES, "int"]
    assert run_validation(str(suite), str(data), output=None, fmt="text") == 0
    capsys.readouterr()
