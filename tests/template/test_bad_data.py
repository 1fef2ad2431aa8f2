"""Bad raw data stops `dvc repro` at `validate`, names the expectation, and writes no model.

Each corruption is judged by the validate stage's own command (read from dvc.yaml, run as CI
runs mlgate); one of them also goes through `dvc repro`, for what the pipeline does with a
failed validation: that part is the same whichever expectation failed, and a `dvc repro` per
corruption cost 11 s each for nothing more.
"""

from __future__ import annotations

import json
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml
from projects import run
from rendering import render
from support import run_mlgate

pytestmark = pytest.mark.pipeline


def nulls_in_required_column(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[frame.index[:5], "mean radius"] = None
    return frame


def out_of_range(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[frame.index[:3], "mean area"] = 1e7
    return frame


def dropped_column(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["worst symmetry"])


def renamed_column(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={"mean radius": "radius_mean"})


def unknown_label(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[frame.index[:2], "target"] = 7
    return frame


CORRUPTIONS: list[tuple[Callable[[pd.DataFrame], pd.DataFrame], str, str | None]] = [
    (nulls_in_required_column, "expect_column_values_to_not_be_null", "mean radius"),
    (out_of_range, "expect_column_values_to_be_between", "mean area"),
    (dropped_column, "expect_table_columns_to_match_ordered_list", None),
    (renamed_column, "expect_table_columns_to_match_ordered_list", None),
    (unknown_label, "expect_column_values_to_be_in_set", "target"),
]


@pytest.fixture(scope="module")
def fetched(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Path:
    """The default project with its raw data fetched, and `fetch` frozen.

    Frozen, `dvc repro` keeps the raw file as we break it instead of fetching it again: the
    same as a pipeline whose upstream data arrives broken.
    """
    project = render(tmp_path_factory.mktemp("bad-data"), project_name="bad data", git_init="yes")
    run(["dvc", "repro", "fetch"], project, home)
    run(["dvc", "freeze", "fetch"], project, home)
    return project


def corrupted_copy(
    fetched: Path, tmp_path: Path, corrupt: Callable[[pd.DataFrame], pd.DataFrame]
) -> Path:
    project = tmp_path / "project"
    shutil.copytree(fetched, project, symlinks=True)
    raw = project / "data" / "raw" / "data.csv"
    corrupt(pd.read_csv(raw)).to_csv(raw, index=False)
    return project


def assert_names_the_failure(
    output: str, project: Path, expectation: str, column: str | None
) -> None:
    assert "validate FAIL" in output
    failing = [line for line in output.splitlines() if line.strip().startswith("FAIL")]
    assert any(expectation in line for line in failing), output
    if column:
        assert any(f"column {column!r}" in line for line in failing), output
    report = json.loads((project / "reports" / "validation.json").read_text())
    assert report["success"] is False
    assert any(r["expectation"] == expectation and r["status"] == "FAIL" for r in report["results"])


@pytest.mark.parametrize(
    ("corrupt", "expectation", "column"), CORRUPTIONS, ids=[c[0].__name__ for c in CORRUPTIONS]
)
def test_the_validate_stage_fails_on_bad_data_and_names_the_expectation(
    corrupt: Callable[[pd.DataFrame], pd.DataFrame],
    expectation: str,
    column: str | None,
    fetched: Path,
    tmp_path: Path,
    home: Path,
) -> None:
    """The stage's command exactly as dvc.yaml gives it, on each kind of bad data."""
    project = corrupted_copy(fetched, tmp_path, corrupt)
    stages = yaml.safe_load((project / "dvc.yaml").read_text())["stages"]
    program, *args = shlex.split(stages["validate"]["cmd"])
    assert program == "mlgate"

    result = run_mlgate(home, *args, cwd=project)

    assert result.returncode == 1, result.stdout + result.stderr
    assert_names_the_failure(result.stdout + result.stderr, project, expectation, column)


def test_bad_data_stops_the_pipeline_at_validate(fetched: Path, tmp_path: Path, home: Path) -> None:
    """A failed validation stops `dvc repro` before `prepare`: no split, no model."""
    corrupt, expectation, column = CORRUPTIONS[0]
    project = corrupted_copy(fetched, tmp_path, corrupt)

    result = run(["dvc", "repro"], project, home, check=False)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "failed to reproduce 'validate'" in output
    assert "Running stage 'prepare'" not in output
    assert_names_the_failure(output, project, expectation, column)
    assert not (project / "models" / "model.joblib").exists()
    assert not (project / "data" / "processed" / "train.csv").exists()
