"""Paths, the subprocess environment and the loopback server runner shared by test modules."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import socket
import subprocess
import sys
import threading
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import HTTPServer
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
MLGATE = str(VENV_BIN / "mlgate")


def free_port() -> int:
    """A port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
    """`mlgate ARGS` as CI runs it, in this process (as click's CliRunner does): `main(ARGS)`
    with `tool_env(home)` plus `env` as the environment, `cwd` as the working directory, `stdin`
    as standard input, and stdout / stderr captured; an exception is a traceback and exit 1,
    as from a process. A process per call cost 0.2 s (requests) to 5 s (Great Expectations)
    of imports each time; the process itself (exit codes, import on dispatch, a missing extra)
    is tested in tests/mlgate/test_cli.py and test_base_install.py. `timeout` is not applied.
    """
    from mlgate.cli import main

    out, err = io.StringIO(), io.StringIO()
    state = _process_state(tool_env(home, **(env or {})), cwd, stdin or "")
    with state, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as stop:
            code = _exit_code(stop.code)
        except Exception:  # what a process would print before dying with exit 1
            traceback.print_exc()
            code = 1
    return subprocess.CompletedProcess(["mlgate", *args], code, out.getvalue(), err.getvalue())


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


@contextmanager
def _process_state(env: dict[str, str], cwd: Path | None, stdin: str) -> Iterator[None]:
    """os.environ, the working directory, sys.argv, stdin, logging and warnings as a new
    process would have them: log records of WARNING and above, and warnings, on stderr."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_argv, saved_stdin = sys.argv, sys.stdin
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    os.environ.clear()
    os.environ.update(env)
    sys.argv, sys.stdin = ["mlgate"], io.StringIO(stdin)
    root.handlers, root.level = [], logging.WARNING  # logging.lastResort writes to stderr
    try:
        with warnings.catch_warnings():
            warnings.resetwarnings()  # Python's defaults, not pytest's capture
            for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning,
                             ResourceWarning):  # fmt: skip
                warnings.simplefilter("ignore", category)
            warnings.showwarning = _show_warning
            if cwd is not None:
                os.chdir(cwd)
            yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.argv, sys.stdin = saved_argv, saved_stdin
        root.handlers, root.level = saved_handlers, saved_level


def _show_warning(message: Any, category: Any, filename: str, lineno: int, *_: Any) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno))


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
