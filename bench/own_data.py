"""A user's own table through the generated pipeline: column roles against the template before
them, in the same run.

Issue 18: a house-listings table (tests/harness/houses.py: an id, a listing date, free-text
notes, counts, gaps, an 80-value district, a price) in a `dataset=custom` regression project
with gradient boosting. For each size: `mlgate suite init --roles` and every stage of the
render's dvc.yaml, timed (the commands read from dvc.yaml, as the workflow tests read `run:`
steps); then the held-out r2 and the training time of the same split with the template as it
was before roles (commit c8bd941's features.py and train.py: every text column one-hot
encoded, one category per date and per note). The peer is skipped where its one-hot matrix
would not fit in memory; the table says how large it would be.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tests" / "harness")]

from houses import houses  # noqa: E402
from steps import print_table, render_default  # noqa: E402

BEFORE = "c8bd941"  # the last commit before column roles reached the model
PEER_MEMORY_LIMIT = 4e9  # bytes of a dense float64 one-hot matrix the peer may build


def project_env(project: Path) -> dict[str, str]:
    """This venv (which holds every package a render's groups name) and the project's src."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return dict(os.environ, PATH=path, PYTHONPATH=str(project / "src"), DVC_NO_ANALYTICS="1",
                GX_ANALYTICS_ENABLED="false")  # fmt: skip


def run(args: list[str], project: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=project, env=project_env(project), capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.perf_counter() - start


def stage_commands(project: Path) -> list[tuple[str, str]]:
    stages = yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    target = yaml.safe_load((project / "params.yaml").read_text())["data"]["target"]
    return [(name, spec["cmd"].replace("${data.target}", target)) for name, spec in stages.items()]


def before_package(folder: Path) -> Path:
    """The template's src as it was at BEFORE, importable as `before`."""
    package = folder / "before"
    package.mkdir(parents=True)
    source = "{{cookiecutter.project_slug}}/src/{{cookiecutter.module_name}}"
    for name in ("__init__", "params", "data", "features", "train"):
        text = subprocess.run(["git", "show", f"{BEFORE}:{source}/{name}.py"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout  # fmt: skip
        (package / f"{name}.py").write_text(text, encoding="utf-8")
    return folder


def peer(project: Path, folder: Path) -> tuple[str, str, str]:
    """r2 and training time of the template before roles on the project's own split."""
    import pandas as pd

    train = pd.read_csv(project / "data/processed/train.csv")
    text = [c for c in train.columns if not pd.api.types.is_numeric_dtype(train[c])]
    width = sum(train[c].nunique() for c in text)
    size = width * len(train) * 8
    if size > PEER_MEMORY_LIMIT:
        return "—", "—", f"{width:,} one-hot columns: {size / 1e9:,.0f} GB dense, not run"
    code = (
        "import json, sys, time, pandas as pd\n"
        "from sklearn.metrics import r2_score\n"
        "from before.params import load_params\n"
        "from before.train import train\n"
        "params = load_params()\n"
        "tr = pd.read_csv('data/processed/train.csv')\n"
        "te = pd.read_csv('data/processed/test.csv')\n"
        "t = time.perf_counter(); pipe, _ = train(tr, params); fit = time.perf_counter() - t\n"
        "r2 = r2_score(te['price'], pipe.predict(te.drop(columns=['price'])))\n"
        "print(json.dumps([r2, fit]))\n"
    )
    env = dict(project_env(project), PYTHONPATH=str(folder))  # `before`, not the render's src
    done = subprocess.run([sys.executable, "-c", code], cwd=project, env=env, capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode:
        return "—", "—", f"failed: {done.stderr.strip().splitlines()[-1][:80]}"
    r2, fit = json.loads(done.stdout.strip().splitlines()[-1])
    return f"{r2:.3f}", f"{fit:.1f}", f"{width:,} one-hot columns"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000, 100_000])
    args = parser.parse_args()
    rows_out: list[list[str]] = []
    stages: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mlgate-own-data-") as scratch:
        scratch_path = Path(scratch)
        folder = before_package(scratch_path / "peer")
        for rows in args.rows:
            _, project = render_default(
                scratch_path / f"render-{rows}", "dataset=custom", "task=regression",
                "model=gradient_boosting", "git_init=no",
            )  # fmt: skip
            raw = project / "data/raw/data.csv"
            raw.parent.mkdir(parents=True, exist_ok=True)
            houses(rows).to_csv(raw, index=False)
            suite = ["suite", "init", str(raw), "-o", "gx/expectations/raw_data.json"]
            init = run([sys.executable, "-m", "mlgate", *suite, "--roles", "roles.yaml"], project)
            params = project / "params.yaml"
            params.write_text(params.read_text().replace("  target: target", "  target: price"))
            commands = stage_commands(project)
            stages = [name for name, _ in commands]
            times = {name: run(["bash", "-c", cmd], project) for name, cmd in commands}
            r2 = json.loads((project / "reports/metrics.json").read_text())["r2"]
            peer_r2, peer_fit, note = peer(project, folder)
            stage_times = [f"{t:.1f}" for t in times.values()]
            total = f"{sum(times.values()):.1f}"
            rows_out.append(
                [f"{rows:,}", f"{init:.1f}", *stage_times, total, f"{r2:.3f}", peer_r2, peer_fit,
                 note]
            )  # fmt: skip
    print_table(["rows", "suite init s", *(f"{s} s" for s in stages), "pipeline s", "r2 roles",
                 "r2 before", "train before s", "before"], rows_out)  # fmt: skip


if __name__ == "__main__":
    main()
