"""Session fixtures of the template tests: the covering subset, rendered and reproduced once."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from projects import COVERING, render_covering, run
from rendering import COMBINATIONS, combination_id, render


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


def _render_one(args: tuple[Path, dict[str, str]]) -> Path:
    output, answers = args
    # a short slug (Kubernetes names allow 63 characters): bre-cla-ran-loc-kub-311-mit
    slug = "-".join(value.lower().replace(".", "")[:3] for value in answers.values())
    return render(output, project_name=slug, **answers)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """All combinations, rendered once per session on every core."""
    output = tmp_path_factory.mktemp("all-combinations")
    jobs = [(output, answers) for answers in COMBINATIONS]
    with ProcessPoolExecutor() as pool:
        projects = list(pool.map(_render_one, jobs, chunksize=16))
    return {combination_id(a): p for a, p in zip(COMBINATIONS, projects, strict=True)}
