"""Time to green: how long a newcomer waits from `mlgate new` to a passing project.

Renders the default project into a temporary directory, then times `make setup` (venv +
install; the pip cache makes a second run faster, so the table says which run this is),
a cold `dvc repro`, a no-op `dvc repro`, the project's own tests and `ruff check`.
No limit is named for this benchmark: the table is the baseline later changes answer to.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from steps import print_table, project_env, render_default, require, setup, timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("answers", nargs="*", help="template answers, key=value")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlgate-bench-") as tmp:
        render, project = render_default(Path(tmp), *args.answers)
        env = project_env(project)
        steps = [render, require(setup(project))]
        steps.append(require(timed("dvc repro (cold)", ["dvc", "repro"], project, env)))
        steps.append(require(timed("dvc repro (no-op)", ["dvc", "repro"], project, env)))
        tests = require(timed("pytest (generated tests)", ["pytest", "-q"], project, env))
        steps.append(tests)
        steps.append(require(timed("ruff check", ["ruff", "check", "."], project, env)))
    total = sum(s.seconds for s in steps)
    print(f"time to green, {platform.python_version()} on {platform.machine()}, "
          f"answers: {' '.join(args.answers) or 'defaults'}")  # fmt: skip
    rows = [[s.name, f"{s.seconds:.1f}"] for s in steps] + [["total", f"{total:.1f}"]]
    print_table(["step", "seconds"], rows)
    summary = [line for line in tests.output.splitlines() if " passed" in line]
    print(f"generated tests: {summary[-1].strip() if summary else 'no summary'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
