"""The committed GX suite accepts the sample data and rejects broken copies of it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from project.data import write_csv

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "gx" / "expectations" / "raw_data.json"

pytestmark = pytest.mark.skipif(
    not SUITE.is_file(),
    reason=f"no suite yet: run `mlgate suite init data/raw/data.csv -o {SUITE.relative_to(ROOT)}`",
)


def run_suite(frame: pd.DataFrame, tmp_path: Path) -> tuple[int, dict]:
    from mlgate.cli import main  # the command line is mlgate's contract; its modules may move

    data, report = tmp_path / "data.csv", tmp_path / "validation.json"
    write_csv(frame, data)
    code = main(["validate", str(SUITE), str(data), "--output", str(report)])
    return code, json.loads(report.read_text())


@pytest.fixture
def data_frame(sample_frame: pd.DataFrame, is_real_data: bool) -> pd.DataFrame:
    if not is_real_data:
        pytest.skip("no data yet (`dvc pull`): the suite describes your data, not a stand-in")
    return sample_frame


def test_the_data_meets_the_suite(data_frame: pd.DataFrame, tmp_path) -> None:
    code, report = run_suite(data_frame, tmp_path)
    assert code == 0, report
    assert report["statistics"]["failed"] == 0


def test_nulls_in_a_required_column_fail(data_frame: pd.DataFrame, tmp_path) -> None:
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    required = [e["kwargs"]["column"] for e in suite["expectations"]
                if e["type"] == "expect_column_values_to_not_be_null"]  # fmt: skip
    if not required:
        pytest.skip("the suite has no not-null expectation")
    broken = data_frame.copy()
    column = required[0]
    broken.loc[broken.index[:3], column] = None
    code, report = run_suite(broken, tmp_path)
    assert code == 1
    failed = {(r["expectation"], r["column"]) for r in report["results"] if r["status"] == "FAIL"}
    assert ("expect_column_values_to_not_be_null", str(column)) in failed


def test_a_dropped_column_fails(data_frame: pd.DataFrame, tmp_path) -> None:
    code, report = run_suite(data_frame.drop(columns=[data_frame.columns[1]]), tmp_path)
    assert code == 1
    failed = {r["expectation"] for r in report["results"] if r["status"] == "FAIL"}
    assert "expect_table_columns_to_match_ordered_list" in failed
