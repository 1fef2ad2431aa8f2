"""Stages `fetch` and `prepare`: write the raw data set, then a seeded train/test split."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from mlgate.io.tabular import zero_padded_columns
from sklearn import datasets
from sklearn.model_selection import train_test_split

from .params import ParamsError, load_params, run_stage

SAMPLE_DATASETS = {
    "breast_cancer": datasets.load_breast_cancer,
    "wine": datasets.load_wine,
    "diabetes": datasets.load_diabetes,
}


def load_sample(name: str, target: str = "target") -> pd.DataFrame:
    """A data set bundled with scikit-learn (no download), features first, target last."""
    if name not in SAMPLE_DATASETS:
        raise ParamsError(
            f"data.dataset {name!r} is not a sample data set; choose one of "
            f"{sorted(SAMPLE_DATASETS)} or add your own file with `dvc add`"
        )
    frame = SAMPLE_DATASETS[name](as_frame=True).frame
    return frame.rename(columns={"target": target})


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")


def read_csv(path: str | Path) -> pd.DataFrame:
    """A CSV as mlgate reads it: digits with leading zeros (a zip code) stay text."""
    path = Path(path)
    if not path.is_file():
        raise SystemExit(f"{path}: not found; run `dvc repro` to produce it")
    return pd.read_csv(path, dtype=dict.fromkeys(zero_padded_columns(path), str))


def split(
    frame: pd.DataFrame, *, target: str, task: str, test_size: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded split; stratified by class for classification so both sides see every class."""
    if target not in frame.columns:
        columns = ", ".join(map(str, frame.columns[:12])) + (", ..." if frame.shape[1] > 12 else "")
        raise ParamsError(
            f"data.target {target!r} is not a column of the data; set it to the column to "
            f"predict, one of: {columns}"
        )
    stratify = frame[target] if task == "classification" else None
    train, test = train_test_split(frame, test_size=test_size, random_state=seed, stratify=stratify)
    return train.sort_index(), test.sort_index()


def fetch(params: dict) -> Path:
    data = params["data"]
    frame = load_sample(data.get("dataset", ""), data["target"])
    write_csv(frame, data["raw"])
    return Path(data["raw"])


def prepare(params: dict) -> tuple[Path, Path]:
    data, cfg = params["data"], params["split"]
    frame = read_csv(data["raw"])
    train, test = split(
        frame,
        target=data["target"],
        task=data["task"],
        test_size=cfg["test_size"],
        seed=params["seed"],
    )
    write_csv(train, cfg["train"])
    write_csv(test, cfg["test"])
    return Path(cfg["train"]), Path(cfg["test"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", choices=["fetch", "prepare"])
    parser.add_argument("--params", default="params.yaml")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    if args.step == "fetch":
        print(f"wrote {fetch(params)}")
    else:
        train, test = prepare(params)
        print(f"wrote {train} and {test}")


if __name__ == "__main__":
    run_stage(main)
