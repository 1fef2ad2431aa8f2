"""Paths and the subprocess environment shared by every test module."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def tool_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for subprocesses: this venv's tools first, a private HOME, no analytics.

    HOME is private so the local DVC remote (`~/.dvc-storage/...`) and git's global config
    of the machine are never touched by a test.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DVC_", "PYTHON"))}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        HOME=str(home),
        DVC_NO_ANALYTICS="1",
        GX_ANALYTICS_ENABLED="false",
        GIT_AUTHOR_NAME="Test Author",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test Author",
        GIT_COMMITTER_EMAIL="test@example.com",
        RUFF_CACHE_DIR=str(home / ".ruff_cache"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env
