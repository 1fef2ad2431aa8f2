"""Fixtures shared by the tests of mlgate and of the template."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_github import FakeGitHub, serve


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private HOME for subprocesses (see support.tool_env)."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """A fresh fake GitHub REST API on 127.0.0.1 (see fake_github.py)."""
    yield from serve()
