"""`mlgate validate`: pass, fail with a readable list, or could not check; report always written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlgate.cli import main


def good_frame(rows: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "mean radius": rng.uniform(5, 25, rows).round(3),
            "colour": rng.choice(["red", "green", "blue"], rows),
            "label": rng.integers(0, 2, rows),
        }
    )


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A suite inferred from good data, as a project would commit it."""
    data, path = tmp_path / "good.csv", tmp_path / "suite.json"
    good_frame().to_csv(data, index=False)
    assert main(["suite", "init", str(data), "-o", str(path)]) == 0
    return path


def validate(suite: Path, frame: pd.DataFrame, tmp_path: Path, *extra: str) -> tuple[int, dict]:
    data, report = tmp_path / "data.csv", tmp_path / "report.json"
    frame.to_csv(data, index=False)
    code = main(["validate", str(suite), str(data), "-o", str(report), *extra])
    return code, json.loads(report.read_text())


def test_good_data_passes(suite: Path, tmp_path: Path, capsys) -> None:
    code, report = validate(suite, good_frame(), tmp_path)
    assert code == 0
    assert report["success"] is True and report["exit_code"] == 0
    stats = report["statistics"]
    assert stats["failed"] == stats["errors"] == 0
    assert stats["passed"] == stats["evaluated"] > 5
    assert "validate PASS" in capsys.readouterr().out


def nulls(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[:2, "mean radius"] = None
    return frame


def out_of_range(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[:1, "mean radius"] = 1e6
    return frame


def outside_set(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[:1, "colour"] = "purple"
    return frame


CASES = [
    (nulls, "expect_column_values_to_not_be_null", "mean radius", "3 of 60 rows unexpected"),
    (out_of_range, "expect_column_values_to_be_between", "mean radius", "1000000.0"),
    (outside_set, "expect_column_values_to_be_in_set", "colour", "purple"),
    (lambda f: f.drop(columns=["colour"]), "expect_table_columns_to_match_ordered_list", None,
     "missing ['colour']"),
    (lambda f: f.rename(columns={"label": "y"}), "expect_table_columns_to_match_ordered_list",
     None, "unexpected ['y']"),
    (lambda f: f[["label", "colour", "mean radius"]], "expect_table_columns_to_match_ordered_list",
     None, "same columns in another order"),
]  # fmt: skip


@pytest.mark.parametrize(("corrupt", "expectation", "column", "detail"), CASES)
def test_bad_data_fails_with_a_readable_list(
    corrupt, expectation: str, column: str | None, detail: str, suite: Path, tmp_path: Path, capsys
) -> None:
    code, report = validate(suite, corrupt(good_frame()), tmp_path)
    assert code == 1
    assert report["success"] is False and report["exit_code"] == 1
    failed = [r for r in report["results"] if r["status"] == "FAIL"]
    assert any(r["expectation"] == expectation and r["column"] == column for r in failed)
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if expectation in x and "FAIL" in x)
    assert detail in err
    if column:
        assert f"column {column!r}" in line


def test_missing_column_counts_as_failed_not_as_error(suite: Path, tmp_path: Path) -> None:
    code, report = validate(suite, good_frame().drop(columns=["colour"]), tmp_path)
    assert code == 1
    missing = [r for r in report["results"] if r["column"] == "colour"]
    assert missing and all(r["status"] == "FAIL" and r["error"] == "not in the data"
                           for r in missing)  # fmt: skip
    assert report["statistics"]["errors"] == 0


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("make_suite", "message"),
    [
        (lambda p: p / "absent.json", "expectation suite not found"),
        (lambda p: write(p / "s.json", "{not json"), "not valid JSON"),
        (lambda p: write(p / "s.json", '{"name": "x"}'), "not a GX suite"),
        (lambda p: write(p / "s.json", '{"expectations": [{"kwargs": {}}]}'),
         "expectation #1 has no 'type'"),
        (lambda p: write(p / "s.json", '{"expectations": [{"type": "expect_magic"}]}'),
         "expectation #1 (expect_magic) is invalid"),
        (lambda p: write(p / "s.json", json.dumps({"expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {}}]})),
         "expectation #1 (expect_column_values_to_not_be_null) is invalid"),
    ],
)  # fmt: skip
def test_bad_suite_could_not_check(make_suite, message: str, tmp_path: Path, capsys) -> None:
    data = tmp_path / "d.csv"
    good_frame().to_csv(data, index=False)
    out = tmp_path / "report.json"
    assert main(["validate", str(make_suite(tmp_path)), str(data), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "could not check" in err and message in err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_data_could_not_check(suite: Path, tmp_path: Path, capsys) -> None:
    assert main(["validate", str(suite), str(tmp_path / "nope.csv")]) == 2
    assert "data file not found" in capsys.readouterr().err


def test_json_format_prints_the_report(suite: Path, tmp_path: Path, capsys) -> None:
    code, report = validate(suite, good_frame(), tmp_path, "--format", "json")
    assert code == 0
    assert json.loads(capsys.readouterr().out) == report


def test_parquet_and_json_lines_inputs(suite: Path, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    for name, writer in (("d.parquet", "to_parquet"), ("d.jsonl", None)):
        path = tmp_path / name
        if writer:
            good_frame().to_parquet(path)
        else:
            good_frame().to_json(path, orient="records", lines=True)
        assert main(["validate", str(suite), str(path)]) == 0, name
