"""Paths, the subprocess environment and the loopback server runner shared by test modules."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import HTTPServer
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


@contextmanager
def running(server: HTTPServer, poll_interval: float = 0.5) -> Iterator[HTTPServer]:
    """A loopback test server answering on its own thread; shut down and closed on exit."""
    thread = threading.Thread(target=server.serve_forever, args=(poll_interval,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
