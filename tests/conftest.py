"""Fixtures shared by the tests of mlgate and of the template."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private HOME for subprocesses (see support.tool_env)."""
    return tmp_path_factory.mktemp("home")
