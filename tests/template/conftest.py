"""Session fixtures of the template tests: the covering subset, rendered and reproduced once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from projects import COVERING, render_covering, run


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
