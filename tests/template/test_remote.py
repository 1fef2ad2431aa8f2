"""`dvc push` to the default local remote and `dvc pull` into a fresh clone lose nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import Reproduced
from projects import run

pytestmark = pytest.mark.pipeline

TRACKED = [
    "data/raw/data.csv",
    "data/processed/train.csv",
    "data/processed/test.csv",
    "models/model.joblib",
    "models/schema.json",
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_push_then_pull_into_a_fresh_clone(
    reproduced: dict[str, Reproduced], tmp_path: Path, home: Path
) -> None:
    project = reproduced["default"].project
    run(["git", "add", "--all"], project, home)
    run(["git", "commit", "-q", "-m", "Run the pipeline"], project, home)
    pushed = run(["dvc", "push"], project, home)
    assert "pushed" in pushed.stdout
    storage = home / ".dvc-storage" / project.name
    assert storage.is_dir(), "the default remote is ~/.dvc-storage/<slug>"

    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(project), str(clone)], tmp_path, home)
    assert not (clone / "models" / "model.joblib").exists()
    run(["dvc", "pull"], clone, home)
    for path in TRACKED:
        assert digest(clone / path) == digest(project / path), path
    for path in ("reports/metrics.json", "reports/validation.json"):
        assert (clone / path).read_bytes() == (project / path).read_bytes(), path
    status = run(["dvc", "status"], clone, home)
    assert "Data and pipelines are up to date" in status.stdout
