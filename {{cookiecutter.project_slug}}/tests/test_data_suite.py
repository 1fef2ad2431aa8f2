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
    from mlgate.validate import run_validation

    data, report = tmp_path / "data.csv", tmp_path / "validation.json"
    write_csv(frame, data)
    code = run_validation(str(SUITE), str(data), output=str(report), fmt="text")
    return code, json.loads(report.read_text())


def test_sample_data_meets_the_suite(sample_frame: pd.DataFrame, params: dict, tmp_path) -> None:
    if params["data"].get("dataset") == "custom":
        pytest.skip("the sample frame is synthetic; the suite describes your data")
    code, report = run_suite(sample_frame, tmp_path)
    assert code == 0, report
    assert report["statistics"]["failed"] == 0


def test_nulls_in_a_required_column_fail(sample_frame: pd.DataFrame, tmp_path) -> None:
    broken = sample_frame.copy()
    column = broken.columns[0]
    broken.loc[broken.index[:3], column] = None
    code, report = run_suite(broken, tmp_path)
    assert code == 1
    failed = {(r["expectation"], r["column"]) for r in report["results"] if r["status"] == "FAIL"}
    assert ("expect_column_values_to_not_be_null", str(column)) in failed


def test_a_dropped_column_fails(sample_frame: pd.DataFrame, tmp_path) -> None:
    code, report = run_suite(sample_frame.drop(columns=[sample_frame.columns[1]]), tmp_path)
    assert code == 1
    assert report["statistics"]["failed"] >= 1
