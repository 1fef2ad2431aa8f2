"""Steps shared by the demo and the time-to-green benchmark: render, install, run, time."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Step:
    name: str
    seconds: float
    returncode: int
    output: str  # stdout then stderr
    stdout: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def project_env(project: Path) -> dict[str, str]:
    """The project's own venv first on PATH, no analytics, nothing of this repo's venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    venv_bin = str(project / ".venv" / "bin")
    ours = str(Path(sys.executable).parent)
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p != ours]
    env.update(
        PATH=os.pathsep.join([venv_bin, *path]), DVC_NO_ANALYTICS="1", GX_ANALYTICS_ENABLED="false"
    )
    return env


def free_port() -> int:
    """A port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def timed(name: str, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Step:
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    return Step(name, seconds, result.returncode, result.stdout + result.stderr, result.stdout)


def render_default(output_dir: Path, *answers: str) -> tuple[Step, Path]:
    """`mlgate new --no-input` into output_dir (replaced), mlgate from this checkout."""
    if output_dir.exists():
        shutil.rmtree(output_dir)
    output_dir.mkdir(parents=True)
    step = timed(
        "render",
        [sys.executable, "-m", "mlgate", "new", "--no-input", "-o", str(output_dir),
         f"mlgate_source={ROOT}", *answers],
        ROOT,
    )  # fmt: skip
    if not step.ok:
        raise SystemExit(f"render failed:\n{step.output}")
    return step, Path(step.stdout.strip().splitlines()[-1])  # stderr has the next steps


def setup(project: Path) -> Step:
    python = getattr(sys, "_base_executable", sys.executable)
    return timed("make setup", ["make", "setup", f"PYTHON={python}"], project, project_env(project))


def require(step: Step) -> Step:
    if not step.ok:
        raise SystemExit(f"{step.name} failed:\n{step.output[-4000:]}")
    return step


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, ["-" * w for w in widths], *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
