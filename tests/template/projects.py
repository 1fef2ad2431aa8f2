"""Rendered projects that run their pipeline: the covering subset and its helpers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
from rendering import render
from support import tool_env

# Each data set, each model (linear both as logistic and as ridge), each task and each
# remote at least once. Only these run `dvc repro`; every combination is rendered elsewhere.
COVERING: dict[str, dict[str, str]] = {
    "default": {},
    "wine": {"dataset": "wine", "model": "gradient_boosting", "dvc_remote": "s3",
             "python_version": "3.12", "license": "Apache-2.0"},
    "diabetes": {"dataset": "diabetes", "model": "linear", "dvc_remote": "gcs",
                 "deploy": "none", "license": "BSD-3-Clause"},
    "custom": {"dataset": "custom", "task": "classification", "model": "linear",
               "dvc_remote": "azure", "license": "Proprietary"},
}  # fmt: skip

PLAUSIBLE = {  # metric, bound, direction
    "default": ("accuracy", 0.9, "min"),
    "wine": ("accuracy", 0.85, "min"),
    "diabetes": ("r2", 0.3, "min"),
    "custom": ("accuracy", 0.75, "min"),
}


def run(
    args: list[str],
    project: Path,
    home: Path,
    *,
    check: bool = True,
    timeout: int = 600,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command in a project with this venv's tools and the project's src on the path."""
    result = subprocess.run(
        args,
        cwd=project,
        env=tool_env(home, PYTHONPATH=str(project / "src"), **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} failed ({result.returncode}) in {project}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def custom_data(rows: int = 400, seed: int = 3) -> pd.DataFrame:
    """A user's own data: numeric and categorical columns, spaces in names, some nulls."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], rows)
    size = rng.normal(10, 2, rows)
    age = rng.integers(1, 90, rows).astype(float)
    age[rng.choice(rows, 20, replace=False)] = np.nan
    signal = size + (colour == "red") * 3 + rng.normal(0, 1, rows)
    return pd.DataFrame(
        {
            "size cm": size.round(3),
            "colour": colour,
            "age years": age,
            "target": (signal > np.median(signal)).astype(int),
        }
    )


def add_custom_data(project: Path, home: Path) -> None:
    """What the generated README tells a user with their own data to do."""
    raw = project / "data" / "raw" / "data.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    custom_data().to_csv(raw, index=False)
    run(["dvc", "add", "data/raw/data.csv"], project, home)
    run(["mlgate", "suite", "init", "data/raw/data.csv", "-o", "gx/expectations/raw_data.json",
         "--roles", "roles.yaml"], project, home)  # fmt: skip
    # the suite exists now: its GX101 ignore would waive nothing (SEC102 says so)
    policy = project / "mlgate.yaml"
    text = policy.read_text(encoding="utf-8")
    start = text.index("  ignore:\n    - rule: GX101\n")
    end = text.index("\n", text.index("      reason:", start)) + 1
    policy.write_text(text[:start] + "  ignore: []\n" + text[end:], encoding="utf-8")
    run(["git", "add", "data/raw/data.csv.dvc", "data/raw/.gitignore", "gx/expectations",
         "roles.yaml", "mlgate.yaml"], project, home)  # fmt: skip
    run(["git", "commit", "-q", "-m", "Add our data and its suite"], project, home)


def render_covering(name: str, output: Path, home: Path) -> Path:
    project = render(output, project_name=f"cover {name}", git_init="yes", **COVERING[name])
    if COVERING[name].get("dataset") == "custom":
        add_custom_data(project, home)
    return project
