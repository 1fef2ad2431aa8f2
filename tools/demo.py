"""`make demo`: render the default project into ./demo, install it, run its pipeline.

Each stage runs on its own (`dvc repro --single-item`) so the table can say how long each
took; the metrics come from the project's reports/metrics.json.
"""

from __future__ import annotations

import json
import sys

import yaml
from steps import ROOT, print_table, project_env, render_default, require, setup, timed


def main() -> int:
    render, project = render_default(ROOT / "demo")
    print(f"rendered {project.relative_to(ROOT)} in {render.seconds:.1f} s; installing ...")
    install = require(setup(project))
    env = project_env(project)
    stages = list(yaml.safe_load((project / "dvc.yaml").read_text())["stages"])
    rows = [
        ["render", f"{render.seconds:.1f}", "ok"],
        ["make setup", f"{install.seconds:.1f}", "ok"],
    ]
    for stage in stages:
        step = timed(stage, ["dvc", "repro", "--single-item", stage], project, env)
        rows.append([stage, f"{step.seconds:.1f}", "ok" if step.ok else "FAILED"])
        if not step.ok:
            print_table(["step", "seconds", "result"], rows)
            print(step.output[-3000:], file=sys.stderr)
            return 1
    print()
    print_table(["step", "seconds", "result"], rows)
    metrics = json.loads((project / "reports" / "metrics.json").read_text())
    print()
    print_table(["metric", "value"], [[k, f"{v:.4f}"] for k, v in metrics.items()])
    print(f"\nThe project is in {project}; `cd` there and try `dvc repro`, `make test`.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
