"""Session fixtures of the template tests: the covering subset, rendered and reproduced once."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from projects import COVERING, render_covering, run
from rendering import COMBINATIONS, combination_id, render_one


@dataclass
class Reproduced:
    name: str
    project: Path
    stdout: str


@pytest.fixture(scope="session")
def reproduced(tmp_path_factory: pytest.TempPathFactory, home: Path) -> dict[str, Reproduced]:
    """Each covering project after one cold `dvc repro` (the expensive part, done once)."""
    output = tmp_path_factory.mktemp("covering")
    result = {}
    for name in COVERING:
        project = render_covering(name, output, home)
        repro = run(["dvc", "repro"], project, home)
        result[name] = Reproduced(name, project, repro.stdout)
    return result


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The covering combinations (every pair of answers), rendered once per session on
    every core; `pytest -m all_combinations` renders all of them."""
    output = tmp_path_factory.mktemp("combinations")
    jobs = [(output, answers) for answers in COMBINATIONS]
    with ProcessPoolExecutor() as pool:
        projects = list(pool.map(render_one, jobs, chunksize=16))
    return {combination_id(a): p for a, p in zip(COMBINATIONS, projects, strict=True)}
