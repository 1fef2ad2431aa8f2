"""Paths, the subprocess environment and the loopback server runner shared by test modules."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import HTTPServer
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
MLGATE = str(VENV_BIN / "mlgate")


def tool_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for subprocesses: this venv's tools first, a private HOME, no analytics.

    HOME is private so the local DVC remote (`~/.dvc-storage/...`) and git's global config
    of the machine are never touched by a test; nor is a CI runner's own job summary, unless a
    test sets GITHUB_STEP_SUMMARY itself. uv's package cache stays the machine's: `make venv`
    filled it, so a rendered project's `uv lock` and `make setup` read wheels from disk.
    """
    skipped = ("GIT_", "DVC_", "PYTHON", "PYTEST_", "GITHUB_STEP_SUMMARY")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skipped)}
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
        UV_CACHE_DIR=os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv")),
    )
    env.update(extra)
    return env


def run_mlgate(
    home: Path,
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`mlgate ARGS` as CI runs it: this venv's entry point, `tool_env(home)` plus `env`."""
    return subprocess.run(
        [MLGATE, *args], cwd=cwd, env=tool_env(home, **(env or {})), input=stdin,
        capture_output=True, text=True, check=False, timeout=timeout,
    )  # fmt: skip


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
