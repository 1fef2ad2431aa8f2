"""`mlgate check` on the default rendered project against issue 6's limit, and where time goes.

Limit: < 1 s wall for `mlgate check` including zizmor and hadolint. The same run times, for
the breakdown: the interpreter alone, importing the checker, each rule family in-process on
one shared parse cache (a file's parse is charged to the first family that reads it), and
zizmor and hadolint called directly as mlgate calls them. repo-review running the same rules
is shown as the peer. Medians over --runs.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from steps import print_table, render_default

from mlgate.check.repo import Repo
from mlgate.check.rules import ALL_RULES, FAMILIES
from mlgate.check.rules.tools import tool

BIN = Path(sys.executable).parent
LIMIT_S = 1.0


def median_wall(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def command(args: list[str], cwd: Path) -> Callable[[], object]:
    return lambda: subprocess.run(args, cwd=cwd, capture_output=True, check=False)


def family_times(project: Path, runs: int) -> dict[str, float]:
    """Median seconds per family of mlgate's own rules (tools excluded), one Repo per run."""
    totals: dict[str, list[float]] = {}
    for _ in range(runs):
        repo = Repo(project)  # a fresh parse cache, as one `mlgate check` has
        spent: dict[str, float] = {}
        for rule in ALL_RULES:
            if rule.family == "tools":
                continue
            start = time.perf_counter()
            with contextlib.suppress(Exception):  # skipped / not-run rules cost time too
                rule.evaluate(repo)
            spent[rule.family] = spent.get(rule.family, 0.0) + time.perf_counter() - start
        for family, seconds in spent.items():
            totals.setdefault(family, []).append(seconds)
    return {family: statistics.median(values) for family, values in totals.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11, help="runs per measurement (median)")
    args = parser.parse_args()
    mlgate = str(BIN / "mlgate")
    with tempfile.TemporaryDirectory(prefix="mlgate-bench-check-") as tmp:
        _, project = render_default(Path(tmp) / "out")
        check = [mlgate, "check", str(project)]
        verdict = subprocess.run(check, capture_output=True, text=True, check=False)
        if verdict.returncode != 0:
            print(verdict.stdout[-3000:], verdict.stderr[-2000:])
            raise SystemExit(f"mlgate check exit {verdict.returncode} on the default render")
        total = median_wall(command(check, project), args.runs)
        rules = f"all {len(ALL_RULES)} rules, both tools"
        rows = [[f"mlgate check ({rules})", f"{total * 1000:.0f}",
                 f"{LIMIT_S * 1000:.0f}", "ok" if total < LIMIT_S else "OVER"]]  # fmt: skip
        parts = [
            ("  python -c pass", [sys.executable, "-c", "pass"]),
            ("  + import the checker", [sys.executable, "-c", "import mlgate.check.command"]),
            ("  zizmor (offline, JSON)", [tool("zizmor"), "--offline", "--no-progress",
                                          "--format", "json", ".github/workflows"]),
            ("  hadolint (JSON)", [tool("hadolint"), "--no-fail", "--format", "json",
                                   "Dockerfile"]),
        ]  # fmt: skip
        for name, argv in parts:
            rows.append([name, f"{median_wall(command(argv, project), args.runs) * 1000:.0f}",
                         "—", "—"])  # fmt: skip
        by_family = family_times(project, args.runs)
        for family, seconds in sorted(by_family.items(), key=lambda kv: FAMILIES[kv[0]]["order"]):
            rows.append([f"  rules: {FAMILIES[family]['name']}", f"{seconds * 1000:.1f}", "—",
                         "—"])  # fmt: skip
        peer = [str(BIN / "repo-review"), str(project), "--format", "json"]
        peer_s = median_wall(command(peer, project), args.runs)
        rows.append(["repo-review, same rules (peer)", f"{peer_s * 1000:.0f}", "—", "—"])
    print(f"mlgate check on the default render, Python {platform.python_version()}, "
          f"{args.runs} runs each, median wall (ms)")  # fmt: skip
    print_table(["measure", "ms", "limit", "verdict"], rows)
    return 0 if rows[0][3] == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
