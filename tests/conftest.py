"""Fixtures shared by the tests of mlgate and of the template.

tests/harness/ (paths and environment, the fake GitHub API, the workflow runner, the service
process) is put on the import path here, so every test imports it by module name.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "harness"))

from fake_github import FakeGitHub, serve
from support import run_mlgate


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private HOME for subprocesses (see support.tool_env)."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """A fresh fake GitHub REST API on 127.0.0.1 (see fake_github.py)."""
    yield from serve()


@pytest.fixture
def mlgate(home: Path) -> Callable[..., object]:
    """`mlgate(*args, cwd=..., env={...})`: the CLI as CI runs it (see support.run_mlgate)."""

    def run(*args: str, **options: object) -> object:
        return run_mlgate(home, *args, **options)  # type: ignore[arg-type]

    return run


# modules whose tests all start from the reproduced default project (see tests/template)
USES_THE_DEFAULT_PROJECT = {
    f"tests/template/{name}.py"
    for name in ("test_serve", "test_gate_history", "test_remote", "test_container")
}


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """How `make test` shares the work between processes (pytest-xdist, `--dist loadscope`).

    A module's tests go to one process, so its module fixtures (a rendered project, a running
    service) are built once; tests/template/test_pipeline.py is split by its parameter, the
    covering project, so each project's `dvc repro` runs once, in the process that judges it
    (the modules that start from the default project go with it). The scopes marked
    `pipeline` or `spark` (minutes each) are handed out first, the quick modules fill in after.
    (xdist's own `loadgroup` marks do not take effect with pytest 9.2: xdist renames
    `item._nodeid`, which pytest no longer reads.)
    """
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    tests = Path(__file__).parent
    slow = {
        str(path.relative_to(tests.parent))
        for path in tests.rglob("test_*.py")
        if any(
            mark in path.read_text(encoding="utf-8")
            for mark in ("pytest.mark.pipeline", "pytest.mark.spark")
        )
    }

    class ByModuleAndProject(LoadScopeScheduling):
        ordered = False

        def _assign_work_unit(self, node: Any) -> None:
            # Longest first: xdist orders scopes by their number of tests, which sends a
            # one-test module that runs `make setup` and `dvc repro` last, to run alone.
            if not self.ordered:
                scopes = sorted(self.workqueue.items(), key=lambda s: not self._is_slow(s[0]))
                self.workqueue.clear()
                self.workqueue.update(scopes)
                self.ordered = True
            super()._assign_work_unit(node)

        @staticmethod
        def _is_slow(scope: str) -> bool:
            return scope.startswith("covering project") or scope in slow

        def _split_scope(self, nodeid: str) -> str:
            module, _, test = nodeid.partition("::")
            if module.endswith("template/test_pipeline.py") and test.endswith("]"):
                return "covering project " + test[test.index("[") + 1 : -1]
            if module in USES_THE_DEFAULT_PROJECT:
                return "covering project default"
            return module

    return ByModuleAndProject(config, log)
