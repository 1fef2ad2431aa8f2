"""A trained sample project for the serving tests: the default render's own training code.

mlgate.serve serves what generated projects train, so its tests train with a render's
features.py and train.py (imported from the render, not copied), on the render's sample data
or on the synthetic frame its own tests use.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pandas as pd
import pytest
from renders import render


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """The default render's package modules (data, params, features, train, serve) and the
    helpers of its tests/conftest.py."""
    root = render(tmp_path_factory.mktemp("sample-project"), project_name="sample project")
    sys.path[:0] = [str(root / "src"), str(root / "tests")]
    modules = {name: importlib.import_module(f"sample_project.{name}")
               for name in ("data", "params", "features", "train", "serve")}  # fmt: skip
    return SimpleNamespace(root=root, tests=_module(root / "tests" / "conftest.py"), **modules)


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("sample_project_tests_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def params(sample_project: SimpleNamespace) -> dict:
    """The render's params.yaml, a fresh copy for each test to change."""
    return copy.deepcopy(sample_project.params.load_params(sample_project.root / "params.yaml"))


@pytest.fixture(scope="session")
def sample_frame(sample_project: SimpleNamespace) -> pd.DataFrame:
    data = sample_project.params.load_params(sample_project.root / "params.yaml")["data"]
    return sample_project.data.load_sample(data["dataset"], data["target"])


@pytest.fixture(scope="module")
def model_dir(
    sample_project: SimpleNamespace, sample_frame: pd.DataFrame, tmp_path_factory
) -> Path:
    """The render's own training on its sample data, saved as a service loads it."""
    params = sample_project.params.load_params(sample_project.root / "params.yaml")
    folder = tmp_path_factory.mktemp("models")
    sample_project.train.save(*sample_project.train.train(sample_frame, params), folder)
    return folder
