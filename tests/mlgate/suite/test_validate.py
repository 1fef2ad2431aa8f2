"""mlgate validate (suite/validate.py + suite/gx.py): 0 pass, 1 fail with a readable list, 2 could
not check; the result JSON is written in every case."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from support import run_mlgate

from mlgate.cli import main
from mlgate.io.tabular import read_table
from mlgate.suite.gx import with_object_strings

REPORT_KEYS = {"suite", "suite_path", "data", "rows", "success", "exit_code", "statistics"}
RECORD_KEYS = {
    "expectation",
    "column",
    "status",
    "kwargs",
    "unexpected_count",
    "unexpected_percent",
    "examples",
    "observed_value",
    "error",
}


def good_frame(rows: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return pd.DataFrame(
        {
            "mean radius": rng.uniform(5, 25, rows).round(3),
            "colour": rng.choice(["red", "green", "blue"], rows),
            "label": rng.integers(0, 2, rows),
            "age": rng.integers(18, 90, rows),
        }
    )


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A suite inferred by `mlgate suite init` from good data, as a project commits it."""
    folder = tmp_path_factory.mktemp("suite")
    data, path = folder / "good.csv", folder / "cancer.json"
    good_frame().to_csv(data, index=False)
    assert main(["suite", "init", str(data), "-o", str(path)]) == 0
    return path


def run(
    capsys: pytest.CaptureFixture, suite: Path, data: Path, *extra: str
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["validate", str(suite), str(data), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def check(
    capsys: pytest.CaptureFixture, suite: Path, frame: pd.DataFrame, tmp_path: Path
) -> tuple[int, dict[str, Any], str]:
    """Validate `frame` (as CSV) against `suite`; exit code, report JSON and stderr."""
    data, report = tmp_path / "data.csv", tmp_path / "out" / "report.json"
    frame.to_csv(data, index=False)
    code, _out, err = run(capsys, suite, data, "-o", str(report))
    return code, json.loads(report.read_text(encoding="utf-8")), err


def records(report: dict[str, Any], status: str) -> set[tuple[str, str | None]]:
    return {(r["expectation"], r["column"]) for r in report["results"] if r["status"] == status}


def write_suite(path: Path, expectations: Any, **extra: Any) -> Path:
    path.write_text(json.dumps({"name": "hand made", "expectations": expectations, **extra}))
    return path


def mlgate(home: Path, *args: str) -> subprocess.CompletedProcess:
    return run_mlgate(home, *args)


# --- pass ---------------------------------------------------------------------------------------


def test_data_meets_the_suite_inferred_from_it(suite: Path, tmp_path: Path, capsys) -> None:
    code, report, err = check(capsys, suite, good_frame(), tmp_path)
    assert code == 0
    assert err == ""
    assert REPORT_KEYS | {"results"} == set(report)
    assert report["success"] is True and report["exit_code"] == 0
    assert report["suite"] == "cancer"
    assert report["rows"] == 50
    stats = report["statistics"]
    assert set(stats) == {"evaluated", "passed", "failed", "errors"}
    assert stats["evaluated"] == stats["passed"] == len(report["results"]) > 10
    assert stats["failed"] == stats["errors"] == 0
    for record in report["results"]:
        assert set(record) == RECORD_KEYS
        assert record["status"] == "PASS"
        assert record["error"] is None


def test_pass_is_reported_on_stdout(suite: Path, tmp_path: Path, capsys) -> None:
    data = tmp_path / "data.csv"
    good_frame().to_csv(data, index=False)
    code, out, err = run(capsys, suite, data)
    assert code == 0
    assert err == ""
    assert out.startswith(f"validate PASS: {data} (50 rows) against suite 'cancer': ")
    assert "expectations met" in out


def test_results_follow_suite_order(suite: Path, tmp_path: Path, capsys) -> None:
    _code, report, _err = check(capsys, suite, good_frame(), tmp_path)
    expected = [e["type"] for e in json.loads(suite.read_text())["expectations"]]
    assert [r["expectation"] for r in report["results"]] == expected


def test_a_subset_of_the_rows_passes(suite: Path, tmp_path: Path, capsys) -> None:
    code, _report, _err = check(capsys, suite, good_frame().iloc[10:20], tmp_path)
    assert code == 0


# --- fail ---------------------------------------------------------------------------------------


def with_null(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[[3, 7], "mean radius"] = np.nan
    return frame


def out_of_range(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[4, "mean radius"] = 1000.0
    return frame


def dropped(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["colour"])


def renamed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={"label": "target"})


def outside_set(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[2, "colour"] = "purple"
    return frame


@pytest.mark.parametrize(
    ("breaker", "expectation", "column", "detail"),
    [
        (with_null, "expect_column_values_to_not_be_null", "mean radius", "2 of 50 rows"),
        (out_of_range, "expect_column_values_to_be_between", "mean radius", "1000.0"),
        (dropped, "expect_table_columns_to_match_ordered_list", None, "missing ['colour']"),
        (dropped, "expect_column_values_to_be_in_set", "colour", "not in the data"),
        (dropped, "expect_column_values_to_not_be_null", "colour", "not in the data"),
        (
            renamed,
            "expect_table_columns_to_match_ordered_list",
            None,
            "missing ['label']; unexpected ['target']",
        ),
        (renamed, "expect_column_values_to_be_in_set", "label", "not in the data"),
        (outside_set, "expect_column_values_to_be_in_set", "colour", "'purple'"),
    ],
    ids=[
        "null",
        "out-of-range",
        "dropped-column-list",
        "dropped-set",
        "dropped-not-null",
        "renamed-column-list",
        "renamed-set",
        "outside-value-set",
    ],
)
def test_broken_data_fails_with_a_readable_list(
    suite: Path,
    tmp_path: Path,
    capsys,
    breaker,
    expectation: str,
    column: str | None,
    detail: str,
) -> None:
    code, report, err = check(capsys, suite, breaker(good_frame()), tmp_path)
    assert code == 1
    assert report["success"] is False and report["exit_code"] == 1
    assert (expectation, column) in records(report, "FAIL")
    assert report["statistics"]["failed"] >= 1
    stats = report["statistics"]
    assert stats["passed"] + stats["failed"] == stats["evaluated"] == len(report["results"])

    lines = err.splitlines()
    assert lines[0].startswith("validate FAIL: ")
    where = "table" if column is None else f"column {column!r}"
    matching = [line for line in lines if expectation in line and f"{where}:" in line]
    assert len(matching) == 1, err
    assert matching[0].lstrip().startswith("FAIL")
    assert detail in matching[0]


def test_only_broken_expectations_are_listed(suite: Path, tmp_path: Path, capsys) -> None:
    code, report, err = check(capsys, suite, outside_set(good_frame()), tmp_path)
    assert code == 1
    assert records(report, "FAIL") == {("expect_column_values_to_be_in_set", "colour")}
    assert len(err.strip().splitlines()) == 2  # the summary and one line


def test_out_of_range_names_the_bounds(suite: Path, tmp_path: Path, capsys) -> None:
    code, report, err = check(capsys, suite, out_of_range(good_frame()), tmp_path)
    assert code == 1
    bounds = next(
        r["kwargs"]
        for r in report["results"]
        if (r["expectation"], r["column"]) == ("expect_column_values_to_be_between", "mean radius")
    )
    assert f"expected between {bounds['min_value']} and {bounds['max_value']}" in err
    failed = next(r for r in report["results"] if r["status"] == "FAIL")
    assert failed["unexpected_count"] == 1
    assert failed["examples"] == [1000.0]


def test_renamed_column_reads_as_one_story(suite: Path, tmp_path: Path, capsys) -> None:
    code, report, err = check(capsys, suite, renamed(good_frame()), tmp_path)
    assert code == 1
    failing = {column for _, column in records(report, "FAIL")}
    assert failing == {None, "label"}
    body = err.splitlines()[1:]
    assert "table:" in body[0]  # table-level problems first
    assert all("column 'label'" in line for line in body[1:])


def test_reordered_columns(suite: Path, tmp_path: Path, capsys) -> None:
    frame = good_frame()[["colour", "mean radius", "label", "age"]]
    code, report, err = check(capsys, suite, frame, tmp_path)
    assert code == 1
    assert records(report, "FAIL") == {("expect_table_columns_to_match_ordered_list", None)}
    assert "same columns in another order" in err


def test_extra_column(suite: Path, tmp_path: Path, capsys) -> None:
    code, _report, err = check(capsys, suite, good_frame().assign(extra=1), tmp_path)
    assert code == 1
    assert "unexpected ['extra']" in err


def test_text_in_a_numeric_column(suite: Path, tmp_path: Path, capsys) -> None:
    frame = good_frame().astype({"age": object})
    frame.loc[0, "age"] = "unknown"
    code, report, _err = check(capsys, suite, frame, tmp_path)
    assert code == 1
    assert ("expect_column_values_to_be_in_type_list", "age") in records(report, "FAIL")


def test_no_rows(suite: Path, tmp_path: Path, capsys) -> None:
    code, report, err = check(capsys, suite, good_frame().iloc[0:0], tmp_path)
    assert code == 1
    assert report["rows"] == 0
    assert ("expect_table_row_count_to_be_between", None) in records(report, "FAIL")
    assert "expect_table_row_count_to_be_between  table:" in err


def test_fail_report_records(suite: Path, tmp_path: Path, capsys) -> None:
    _code, report, _err = check(capsys, suite, with_null(good_frame()), tmp_path)
    failed = [r for r in report["results"] if r["status"] == "FAIL"]
    assert len(failed) == 1
    record = failed[0]
    assert set(record) == RECORD_KEYS
    assert record["expectation"] == "expect_column_values_to_not_be_null"
    assert record["column"] == "mean radius"
    assert record["unexpected_count"] == 2
    assert record["unexpected_percent"] == pytest.approx(4.0)
    assert record["kwargs"] == {"column": "mean radius"}
    assert record["error"] is None


# --- GX could not evaluate an expectation: ERROR, exit 2 ------------------------------------------


def test_expectation_gx_cannot_evaluate_is_an_error(tmp_path: Path, capsys) -> None:
    suite = write_suite(
        tmp_path / "suite.json",
        [
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
            {
                "type": "expect_column_mean_to_be_between",
                "kwargs": {"column": "colour", "min_value": 0, "max_value": 1},
            },
        ],
    )
    data, report_path = tmp_path / "data.csv", tmp_path / "report.json"
    good_frame().to_csv(data, index=False)
    code, _out, err = run(capsys, suite, data, "-o", str(report_path))
    assert code == 2
    report = json.loads(report_path.read_text())
    assert report["exit_code"] == 2 and report["success"] is False
    assert report["statistics"] == {"evaluated": 2, "passed": 1, "failed": 0, "errors": 1}
    assert records(report, "ERROR") == {("expect_column_mean_to_be_between", "colour")}
    assert err.startswith("validate ERROR: ")
    assert "ERROR expect_column_mean_to_be_between  column 'colour':" in err
    assert "Traceback" not in err


def test_a_fail_outranks_an_error(tmp_path: Path, capsys) -> None:
    suite = write_suite(
        tmp_path / "suite.json",
        [
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1000}},
            {
                "type": "expect_column_mean_to_be_between",
                "kwargs": {"column": "colour", "min_value": 0, "max_value": 1},
            },
        ],
    )
    data = tmp_path / "data.csv"
    good_frame().to_csv(data, index=False)
    code, _out, _err = run(capsys, suite, data)
    assert code == 1


# --- could not check: exit 2 --------------------------------------------------------------------


def good_csv(tmp_path: Path) -> Path:
    data = tmp_path / "data.csv"
    good_frame().to_csv(data, index=False)
    return data


def test_missing_suite(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nope.json"
    code, out, err = run(capsys, missing, good_csv(tmp_path))
    assert code == 2
    assert out == ""
    assert f"{missing}: expectation suite not found" in err
    assert f"mlgate suite init DATA -o {missing}" in err


@pytest.mark.parametrize("content", ["{not json", "", "\xff"])
def test_suite_that_is_not_json(tmp_path: Path, capsys, content: str) -> None:
    suite = tmp_path / "suite.json"
    suite.write_text(content, encoding="latin-1")
    code, _out, err = run(capsys, suite, good_csv(tmp_path))
    assert code == 2
    assert f"{suite}: not valid JSON" in err


@pytest.mark.parametrize(
    "content",
    [
        {"name": "no expectations"},
        {"name": "wrong shape", "expectations": {"type": "expect_table_row_count_to_equal"}},
        [{"type": "expect_table_row_count_to_equal", "kwargs": {"value": 1}}],
        "just a string",
    ],
)
def test_suite_json_without_expectations(tmp_path: Path, capsys, content: Any) -> None:
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps(content))
    code, _out, err = run(capsys, suite, good_csv(tmp_path))
    assert code == 2
    assert "not a GX suite (expected an object with 'expectations')" in err


def test_unknown_expectation_type_names_number_and_type(tmp_path: Path, capsys) -> None:
    suite = write_suite(
        tmp_path / "suite.json",
        [
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
            {"type": "expect_colum_values_to_be_unique", "kwargs": {"column": "label"}},
        ],
    )
    report = tmp_path / "report.json"
    code, out, err = run(capsys, suite, good_csv(tmp_path), "-o", str(report))
    assert code == 2
    assert out == ""
    assert "expectation #2 (expect_colum_values_to_be_unique) is invalid" in err
    assert "not found" in err
    assert "Traceback" not in err
    assert not report.exists()  # never ran: no verdict to report


def test_expectation_without_a_type(tmp_path: Path, capsys) -> None:
    suite = write_suite(
        tmp_path / "suite.json",
        [
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
            {"kwargs": {"column": "label"}},
        ],
    )
    code, _out, err = run(capsys, suite, good_csv(tmp_path))
    assert code == 2
    assert "expectation #3 has no 'type'" in err


def test_expectation_with_bad_arguments(tmp_path: Path, capsys) -> None:
    suite = write_suite(
        tmp_path / "suite.json",
        [{"type": "expect_column_values_to_be_between", "kwargs": {"min_value": 0}}],
    )
    code, _out, err = run(capsys, suite, good_csv(tmp_path))
    assert code == 2
    assert "expectation #1 (expect_column_values_to_be_between) is invalid" in err


def test_missing_data_file(suite: Path, tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nope.csv"
    code, out, err = run(capsys, suite, missing)
    assert code == 2
    assert out == ""
    assert err.strip() == f"mlgate validate: could not check: {missing}: data file not found"


def test_unreadable_data_file(suite: Path, tmp_path: Path, capsys) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n3,4,5\n")
    code, _out, err = run(capsys, suite, data)
    assert code == 2
    assert "cannot read as csv" in err


def test_suite_name_defaults_to_file_stem(tmp_path: Path, capsys) -> None:
    suite = tmp_path / "my_suite.json"
    suite.write_text(
        json.dumps(
            {"expectations": [{"type": "expect_table_row_count_to_be_between", "kwargs": {}}]}
        )
    )
    code, out, _err = run(capsys, suite, good_csv(tmp_path), "--format", "json")
    assert code == 0
    assert json.loads(out)["suite"] == "my_suite"


# --- output -------------------------------------------------------------------------------------


def test_format_json_prints_the_report_to_stdout(suite: Path, tmp_path: Path, capsys) -> None:
    data, report = good_csv(tmp_path), tmp_path / "report.json"
    code, out, err = run(capsys, suite, data, "--format", "json", "-o", str(report))
    assert code == 0
    assert err == ""
    assert out == report.read_text(encoding="utf-8")
    printed = json.loads(out)
    assert printed["success"] is True and printed["exit_code"] == 0
    assert printed["data"] == str(data) and printed["suite_path"] == str(suite)


def test_format_json_on_failure(suite: Path, tmp_path: Path, capsys) -> None:
    data = tmp_path / "data.csv"
    dropped(good_frame()).to_csv(data, index=False)
    code, out, err = run(capsys, suite, data, "--format", "json")
    assert code == 1
    assert err == ""
    printed = json.loads(out)
    assert printed["success"] is False and printed["exit_code"] == 1
    assert ("expect_column_values_to_be_in_set", "colour") in records(printed, "FAIL")


def test_output_json_is_strict_and_sorted(suite: Path, tmp_path: Path, capsys) -> None:
    frame = with_null(good_frame())
    _code, report, _err = check(capsys, suite, frame, tmp_path)
    text = (tmp_path / "out" / "report.json").read_text(encoding="utf-8")
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    assert list(report) == sorted(report)
    assert text.endswith("}\n")


# --- column names and text columns ----------------------------------------------------------------


def test_column_names_with_spaces(tmp_path: Path, capsys) -> None:
    frame = pd.DataFrame(
        {
            "mean radius": np.linspace(5.0, 25.0, 30),
            "worst  concave points": np.linspace(0.0, 0.3, 30),
            " padded ": np.arange(30),
            "tumour type": ["benign", "malignant", "unknown"] * 10,
        }
    )
    data, suite = tmp_path / "data.csv", tmp_path / "suite.json"
    frame.to_csv(data, index=False)
    assert main(["suite", "init", str(data), "-o", str(suite)]) == 0
    suite_columns = json.loads(suite.read_text())["expectations"][0]["kwargs"]["column_list"]
    assert suite_columns == list(frame.columns)

    code, report, _err = check(capsys, suite, frame, tmp_path)
    assert code == 0, report

    broken = frame.drop(columns=["worst  concave points"])
    broken.loc[0, "tumour type"] = "other"
    code, report, err = check(capsys, suite, broken, tmp_path)
    assert code == 1
    assert "missing ['worst  concave points']" in err
    assert "column 'worst  concave points': not in the data" in err
    assert "expect_column_values_to_be_in_set  column 'tumour type'" in err
    assert ("expect_column_values_to_not_be_null", "worst  concave points") in records(
        report, "FAIL"
    )


def test_text_columns_pass_a_suite_made_from_the_same_data(tmp_path: Path, capsys) -> None:
    """pandas 3 reads text as StringDtype, which GX 1.x's type-list check matches against no
    type name; suite.gx.with_object_strings makes such columns object dtype first."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue", "cyan"], 40),
            "description": [f"sample number {i}" for i in range(40)],  # high cardinality
            "note": ["ok", None] * 20,  # text with nulls
            "value": rng.uniform(0, 1, 40),
        }
    )
    data, suite = tmp_path / "data.csv", tmp_path / "suite.json"
    frame.to_csv(data, index=False)
    if int(pd.__version__.split(".")[0]) >= 3:
        assert isinstance(read_table(data)["colour"].dtype, pd.StringDtype)
    assert main(["suite", "init", str(data), "-o", str(suite)]) == 0
    types = {
        e["kwargs"]["column"]: e["kwargs"]["type_list"]
        for e in json.loads(suite.read_text())["expectations"]
        if e["type"] == "expect_column_values_to_be_in_type_list"
    }
    assert types["colour"] == types["description"] == types["note"] == ["object", "str", "string"]

    code, report, err = check(capsys, suite, frame, tmp_path)
    assert code == 0, err
    assert ("expect_column_values_to_be_in_type_list", "colour") in records(report, "PASS")

    code, report, _err = check(capsys, suite, outside_colour(frame), tmp_path)
    assert code == 1
    assert records(report, "FAIL") == {("expect_column_values_to_be_in_set", "colour")}


def outside_colour(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[0, "colour"] = "magenta"
    return frame


def test_text_columns_from_json_lines_and_parquet(tmp_path: Path, capsys) -> None:
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"colour": ["red", "green", "blue"] * 5, "n": np.arange(15)})
    for suffix, write in [
        (".jsonl", lambda p: frame.to_json(p, orient="records", lines=True)),
        (".parquet", lambda p: frame.to_parquet(p, index=False)),
    ]:
        data, suite = tmp_path / f"data{suffix}", tmp_path / f"suite{suffix}.json"
        write(data)
        assert main(["suite", "init", str(data), "-o", str(suite)]) == 0
        code, _out, err = run(capsys, suite, data)
        assert code == 0, err


def test_with_object_strings() -> None:
    frame = pd.DataFrame(
        {
            "text": pd.array(["a", None, "c"], dtype="string"),
            "n": [1, 2, 3],
            "obj": pd.Series(["x", "y", "z"], dtype=object),
        }
    )
    converted = with_object_strings(frame)
    assert converted["text"].dtype == object
    assert converted["n"].dtype == np.int64
    assert converted["obj"].dtype == object
    assert converted["text"].tolist()[0::2] == ["a", "c"]
    assert pd.isna(converted["text"].tolist()[1])
    assert isinstance(frame["text"].dtype, pd.StringDtype)  # the input is left alone


def test_with_object_strings_returns_a_frame_without_text_unchanged() -> None:
    frame = pd.DataFrame({"n": [1, 2], "x": [0.5, 1.5]})
    assert with_object_strings(frame) is frame


# --- as a command: exit codes -------------------------------------------------------------------


def test_command_exit_0_on_pass(suite: Path, tmp_path: Path, home: Path) -> None:
    data, report = good_csv(tmp_path), tmp_path / "report.json"
    result = mlgate(home, "validate", str(suite), str(data), "-o", str(report))
    assert result.returncode == 0, result.stderr
    assert "validate PASS" in result.stdout
    assert "Calculating Metrics" not in result.stderr, "GX progress bars stay off"
    assert json.loads(report.read_text())["exit_code"] == 0


def test_command_exit_1_on_fail(suite: Path, tmp_path: Path, home: Path) -> None:
    data, report = tmp_path / "data.csv", tmp_path / "report.json"
    renamed(good_frame()).to_csv(data, index=False)
    result = mlgate(home, "validate", str(suite), str(data), "-o", str(report))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "validate FAIL" in result.stderr
    assert "missing ['label']; unexpected ['target']" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(report.read_text())["exit_code"] == 1


@pytest.mark.parametrize("broken", ["suite", "data"])
def test_command_exit_2_when_it_could_not_check(
    suite: Path, tmp_path: Path, home: Path, broken: str
) -> None:
    data = good_csv(tmp_path)
    if broken == "suite":
        suite = tmp_path / "missing.json"
    else:
        data = tmp_path / "missing.csv"
    result = mlgate(home, "validate", str(suite), str(data))
    assert result.returncode == 2
    assert result.stderr.startswith("mlgate validate: could not check: ")
    assert "not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_command_format_json(suite: Path, tmp_path: Path, home: Path) -> None:
    data = tmp_path / "data.csv"
    outside_set(good_frame()).to_csv(data, index=False)
    result = mlgate(home, "validate", str(suite), str(data), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["statistics"]["failed"] == 1
    assert records(report, "FAIL") == {("expect_column_values_to_be_in_set", "colour")}


# --- known bugs: data that fails the suite inferred from it -------------------------------------


def self_check(tmp_path: Path, capsys, data: Path) -> tuple[int, str]:
    suite = tmp_path / "suite.json"
    assert main(["suite", "init", str(data), "-o", str(suite)]) == 0
    code, _out, err = run(capsys, suite, data)
    return code, err


def test_csv_boolean_column_with_nulls(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data.csv"
    pd.DataFrame({"flag": [True, False, None, True], "n": [1, 2, 3, 4]}).to_csv(data, index=False)
    code, err = self_check(tmp_path, capsys, data)
    assert code == 0, err


@pytest.mark.parametrize(
    "values",
    [
        pd.array([1, None, 3, 4] * 8, dtype="Int64"),
        pd.array([1.5, None, 3.0, 4.25] * 8, dtype="Float64"),
        pd.array([True, False] * 16, dtype="boolean"),
    ],
    ids=["Int64", "Float64", "boolean"],
)
def test_parquet_nullable_dtypes(tmp_path: Path, capsys, values) -> None:
    pytest.importorskip("pyarrow")
    data = tmp_path / "data.parquet"
    pd.DataFrame({"c": values}).to_parquet(data, index=False)
    code, err = self_check(tmp_path, capsys, data)
    assert code == 0, err


def test_parquet_datetime_column(tmp_path: Path, capsys) -> None:
    pytest.importorskip("pyarrow")
    data = tmp_path / "data.parquet"
    frame = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=30), "x": range(30)})
    frame.to_parquet(data, index=False)
    code, err = self_check(tmp_path, capsys, data)
    assert code == 0, err
