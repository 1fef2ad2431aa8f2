"""Session fixtures of the template tests: the covering subset, rendered and reproduced once."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from projects import render_covering, run
from rendering import COMBINATIONS, combination_id, render_one
from template_lab import template_repo


@dataclass
class Reproduced:
    name: str
    project: Path
    stdout: str


class Reproductions(dict[str, Reproduced]):
    """Covering projects after one cold `dvc repro`, each made the first time a test asks for
    it: a test process (one xdist worker) pays only for the projects its tests use."""

    def __init__(self, output: Path, home: Path) -> None:
        super().__init__()
        self.output, self.home = output, home

    def __missing__(self, name: str) -> Reproduced:
        project = render_covering(name, self.output, self.home)
        repro = run(["dvc", "repro"], project, self.home)
        self[name] = Reproduced(name, project, repro.stdout)
        return self[name]


@pytest.fixture(scope="session")
def reproduced(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Reproductions:
    """Each covering project after one cold `dvc repro` (the expensive part, done once)."""
    return Reproductions(tmp_path_factory.mktemp("covering"), home)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The covering combinations (every pair of answers), rendered once per session on
    every core; `pytest -m all_combinations` renders all of them."""
    output = tmp_path_factory.mktemp("combinations")
    jobs = [(output, answers) for answers in COMBINATIONS]
    with ProcessPoolExecutor() as pool:
        projects = list(pool.map(render_one, jobs, chunksize=16))
    return {combination_id(a): p for a, p in zip(COMBINATIONS, projects, strict=True)}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """This repository's template as a git repository of its own, at commit "A" (the template
    update tests: test_update*.py)."""
    return template_repo(tmp_path / "template")
