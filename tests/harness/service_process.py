"""A generated project's model service as a real process on 127.0.0.1 (uvicorn, random port)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from rendering import module_of
from support import VENV_BIN, free_port, tool_env

START_TIMEOUT_S = 90


@dataclass
class Service:
    url: str
    process: subprocess.Popen[str]
    log: Path  # the request log
    output: Path  # the server's stdout and stderr

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, as Kubernetes sends it: uvicorn finishes what is in flight, then exits.

        0 when the shutdown was graceful (uvicorn re-raises the signal once it is done, so the
        exit status alone is -15 either way: its last words tell), else the exit status.
        """
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(timeout)
        graceful = "Application shutdown complete" in self.text()
        return 0 if status in (0, -signal.SIGTERM) and graceful else status or -1

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")


def start_service(project: Path, home: Path, folder: Path, **settings: str) -> Service:
    """`python -m <module>.serve` with SERVICE_* settings; returns once /ready answers 200."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log, output = folder / "requests.jsonl", folder / "server.out"
    env = tool_env(home, PYTHONPATH=str(project / "src"), SERVICE_HOST="127.0.0.1",
                   SERVICE_PORT=str(port), SERVICE_REQUEST_LOG=str(log), **settings)  # fmt: skip
    with output.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", f"{module_of(project)}.serve"],
            cwd=project, env=env, stdout=sink, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
    service = Service(f"http://127.0.0.1:{port}", process, log, output)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode}:\n{service.text()}")
        try:
            if requests.get(f"{service.url}/ready", timeout=2).status_code == 200:
                return service
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError(f"the service was not ready within {START_TIMEOUT_S} s:\n{service.text()}")
