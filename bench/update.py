"""`mlgate update` on the default project against plain `cruft update`, in the same run.

Issue 20 asks for the time of `mlgate update` on the default project. The peer is cruft itself
(`cruft update -y`, with MLGATE_RENDER_FOR_UPDATE=1 so this template's hooks stand aside, as
they must for cruft). Each run is a fresh process on a fresh copy of the same committed
project, after the template moved on by one commit (a hardened workflow); "nothing to do" is
the same project right after its update. mlgate does more than cruft: it reads the template's
history first (a bare clone), says what changed and what conflicts, and relocks uv.lock when
pyproject.toml changed (it does not, here).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "checks"))

from steps import print_table  # noqa: E402

BIN = Path(sys.executable).parent
SLUG = "{{cookiecutter.project_slug}}"
IDENTITY = ["-c", "user.name=Bench", "-c", "user.email=bench@example.com"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *IDENTITY, *args], cwd=cwd, capture_output=True, text=True,
                          check=True)  # fmt: skip
    return done.stdout.strip()


def setup(scratch: Path) -> tuple[Path, Path]:
    """The template at commit A, a project rendered from it and committed, the template at B."""
    from mlgate.new import clean_copy

    template = clean_copy(ROOT, scratch / "template")
    git(template, "init", "--quiet", "--initial-branch=main")
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "-m", "A")
    subprocess.run([str(BIN / "mlgate"), "new", "--no-input", "--template", str(template),
                    "-o", str(scratch / "out"), "project_slug=bench", "git_init=no",
                    "mlgate_source=pypi"], check=True, capture_output=True)  # fmt: skip
    project = scratch / "out" / "bench"
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Rendered")
    drift = template / SLUG / ".github" / "workflows" / "drift.yml"
    drift.write_text(drift.read_text().replace("timeout-minutes: 60", "timeout-minutes: 45"))
    git(template, "commit", "--quiet", "-am", "B: a hardened workflow")
    return template, project


def timed(command: list[str], project: Path, env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, check=False)
    return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "MLGATE_RENDER_FOR_UPDATE": "1", "GIT_TERMINAL_PROMPT": "0"}
    contenders = {
        "mlgate update": [str(BIN / "mlgate"), "update"],
        "cruft update -y": [str(BIN / "cruft"), "update", "-y"],
    }
    rows = []
    with tempfile.TemporaryDirectory(prefix="mlgate-update-") as folder:
        scratch = Path(folder)
        _, project = setup(scratch)
        for name, command in contenders.items():
            updates, noops, codes = [], [], set()
            for index in range(args.repeat):
                copy = scratch / f"{name.split()[0]}-{index}"
                shutil.copytree(project, copy, symlinks=True)
                wall, code = timed(command, copy, env)
                updates.append(wall)
                codes.add(code)
                git(copy, "add", "--all")
                git(copy, "commit", "--quiet", "-m", "Update")
                wall, code = timed(command, copy, env)
                noops.append(wall)
                codes.add(code)
            exits = ",".join(map(str, sorted(codes)))
            rows.append([name, f"{statistics.median(updates):.2f}", f"{min(updates):.2f}",
                         f"{statistics.median(noops):.2f}", exits])  # fmt: skip
    print_table(["command", "update s (median)", "min", "nothing to do s (median)", "exit codes"],
                rows)  # fmt: skip


if __name__ == "__main__":
    main()
