"""CLI start-up and gate latency against the limits of issue 4, with `python -c pass` as floor.

Limits: `mlgate --help` < 0.3 s and `mlgate gate` < 1 s wall on the default project. The
default project is rendered and reproduced once (its pipeline uses this venv's tools), its
outputs committed on main, then each command runs several times; the table shows the median.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from steps import print_table, render_default, require, timed

BIN = Path(sys.executable).parent
HEAVY = ("pandas", "great_expectations", "sklearn", "dvc", "requests", "numpy")
PROBE = """
import contextlib, io, sys
from mlgate.cli import main
with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
    main(sys.argv[1:])
print(",".join(m for m in {heavy} if m in sys.modules) or "none")
"""


def wall(args: list[str], cwd: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return times


def prepare(tmp: Path) -> Path:
    """The default project with its pipeline run and committed on main."""
    _, project = render_default(tmp / "out")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(project / "src"), "DVC_NO_ANALYTICS": "1"}  # fmt: skip
    require(timed("dvc repro", ["dvc", "repro"], project, env))
    require(timed("git add", ["git", "add", "-A"], project))
    require(timed("git commit", ["git", "commit", "-q", "-m", "metrics on main"], project))
    return project


def heavy_imports(project: Path, *args: str) -> str:
    probe = PROBE.format(heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", probe, *args], cwd=project, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="runs per command (median shown)")
    args = parser.parse_args()
    mlgate = str(BIN / "mlgate")
    with tempfile.TemporaryDirectory(prefix="mlgate-bench-") as tmp:
        project = prepare(Path(tmp))
        cases = [
            ("python -c pass (floor)", [sys.executable, "-c", "pass"], None, ()),
            ("mlgate --version", [mlgate, "--version"], None, ("--version",)),
            ("mlgate --help", [mlgate, "--help"], 0.3, ("--help",)),
            ("mlgate gate --baseline main", [mlgate, "gate", "--baseline", "main"], 1.0,
             ("gate", "--baseline", "main")),
            ("mlgate gate --format json", [mlgate, "gate", "--baseline", "main", "--format",
                                           "json"], 1.0, ("gate", "--baseline", "main")),
        ]  # fmt: skip
        rows = []
        for name, command, limit, probe_args in cases:
            times = wall(command, project, args.runs)
            median = statistics.median(times)
            verdict = "—" if limit is None else ("ok" if median < limit else "OVER")
            heavy = heavy_imports(project, *probe_args) if probe_args else "—"
            rows.append([
                name, f"{median * 1000:.0f}", f"{min(times) * 1000:.0f}",
                f"{max(times) * 1000:.0f}", "—" if limit is None else f"{limit * 1000:.0f}",
                verdict, heavy,
            ])  # fmt: skip
    print(f"CLI start-up, Python {platform.python_version()}, {args.runs} runs each (ms)")
    print_table(["command", "median", "min", "max", "limit", "verdict", "heavy imports"], rows)
    return 0 if all(row[5] in ("ok", "—") for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
