from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from project.data import fetch, prepare, split, write_csv
from project.params import ParamsError, load_params
from project_modules import PACKAGE, ROOT


def test_split_is_seeded_and_disjoint(sample_frame: pd.DataFrame, params: dict) -> None:
    data = params["data"]
    kwargs = {"target": data["target"], "task": data["task"], "test_size": 0.25, "seed": 7}
    train, test = split(sample_frame, **kwargs)
    again_train, again_test = split(sample_frame, **kwargs)
    pd.testing.assert_frame_equal(train, again_train)
    pd.testing.assert_frame_equal(test, again_test)
    assert set(train.index).isdisjoint(test.index)
    assert len(train) + len(test) == len(sample_frame)
    assert len(test) == pytest.approx(0.25 * len(sample_frame), abs=1)


def test_classification_split_keeps_every_class(sample_frame: pd.DataFrame, params: dict) -> None:
    data = params["data"]
    if data["task"] != "classification":
        pytest.skip("regression data has no classes")
    train, test = split(sample_frame, target=data["target"], task="classification",
                        test_size=0.2, seed=0)  # fmt: skip
    assert set(train[data["target"]]) == set(test[data["target"]])


def test_prepare_writes_train_and_test(
    sample_frame: pd.DataFrame, params: dict, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(sample_frame, params["data"]["raw"])
    train_path, test_path = prepare(params)
    train, test = pd.read_csv(train_path), pd.read_csv(test_path)
    assert list(train.columns) == [str(c) for c in sample_frame.columns]
    assert len(train) + len(test) == len(sample_frame)


def test_fetch_writes_the_sample(params: dict, tmp_path, monkeypatch) -> None:
    if params["data"].get("dataset") == "custom":
        pytest.skip("custom data is added with `dvc add`, not fetched")
    monkeypatch.chdir(tmp_path)
    path = fetch(params)
    frame = pd.read_csv(path)
    assert params["data"]["target"] in frame.columns
    assert len(frame) > 100


def test_bad_params_are_reported(tmp_path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("data: {raw: x.csv, target: y, task: clustering}\n")
    with pytest.raises(ParamsError, match="missing section 'split'"):
        load_params(path)


def test_a_stage_says_what_is_wrong_with_params_yaml(tmp_path) -> None:
    """What `dvc repro` shows: the stage's own words on stderr, and exit 2."""
    (tmp_path / "params.yaml").write_text(
        "data: {raw: data.csv, target: price, task: regression}\n"
        "split: {test_size: 0.2, train: train.csv, test: test.csv}\n"
        "model: {name: linear}\n"
    )
    (tmp_path / "data.csv").write_text("rooms,area\n1,2\n3,4\n5,6\n7,8\n9,10\n")
    paths = [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    stage = subprocess.run([sys.executable, "-m", f"{PACKAGE}.data", "prepare"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)  # fmt: skip
    assert stage.returncode == 2, stage.stderr
    assert stage.stderr.strip() == (
        "error: params.yaml: data.target 'price' is not a column of the data; set it to the "
        "column to predict, one of: rooms, area"
    ), stage.stderr
