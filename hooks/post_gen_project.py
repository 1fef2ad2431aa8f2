"""Finish the rendered project: drop what the answers did not choose, then git.

Only what conditional file names cannot do lives here: cookiecutter cannot skip a whole
directory by an empty name, and it cannot run git or uv. The DVC repository itself (`.dvc/`,
`.dvcignore`, the default remote) is rendered from template files, so rendering needs no
DVC installed and no network. With a first commit, uv.lock is written before it when uv and
the package index are reachable; otherwise the first `make setup` writes it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ANSWERS: dict = json.loads(r"""{{ cookiecutter | jsonify }}""")

# answer -> value -> paths (relative to the project) that exist only for other values
DROP_UNLESS_CHOSEN: dict[str, dict[str, list[str]]] = {
    "deploy": {"none": ["deploy"]},
}


def drop_unchosen(project: Path) -> None:
    for key, by_value in DROP_UNLESS_CHOSEN.items():
        for path in by_value.get(str(ANSWERS[key]), []):
            target = project / path
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()


def git(project: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": ANSWERS["author_name"],
        "GIT_AUTHOR_EMAIL": ANSWERS["author_email"],
        "GIT_COMMITTER_NAME": ANSWERS["author_name"],
        "GIT_COMMITTER_EMAIL": ANSWERS["author_email"],
    }
    subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)


def uv_command() -> list[str] | None:
    """The `uv` package beside cookiecutter (`mlgate[new]` brings it), else uv on the PATH."""
    if importlib.util.find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    if found := shutil.which("uv"):
        return [found]
    return None


def run_uv(uv: list[str], project: Path, *args: str) -> str | None:
    """None when `uv ARGS` worked, else why not (its last line)."""
    try:
        result = subprocess.run(
            [*uv, *args], cwd=project, capture_output=True, text=True, timeout=600
        )
    except subprocess.TimeoutExpired:
        return "it took over 10 minutes and was stopped"
    if result.returncode == 0:
        return None
    return (result.stderr.strip().splitlines() or ["no message"])[-1]


def vendor(uv: list[str], project: Path, checkout: str) -> str | None:
    """mlgate from a local checkout: its sdist unpacked into vendor/mlgate, as `make vendor`
    does; None when done, else why not."""
    target = project / "vendor"
    shutil.rmtree(target, ignore_errors=True)
    problem = run_uv(uv, project, "build", "--quiet", "--sdist", "--out-dir", str(target), checkout)
    if problem:
        return problem
    archives = sorted(target.glob("mlgate-*.tar.gz"))
    if len(archives) != 1:
        return f"{checkout} built no mlgate sdist: is it an mlgate checkout?"
    with tarfile.open(archives[0]) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and newer: no links out, no devices
            sdist.extractall(target, filter="data")
        else:
            sdist.extractall(target)  # our own sdist, just built
    archives[0].unlink()
    (target / top).rename(target / "mlgate")
    for path in (target / "mlgate").rglob("*"):  # the sdist's fixed dates would let uv reuse
        os.utime(path)  # an older build of the same path from its cache
    return None


def lock(project: Path) -> None:
    """Resolve uv.lock, so that the first commit already pins every package."""
    later = "the first `make setup` writes uv.lock: commit it"
    uv = uv_command()
    if uv is None:
        print(f"note: uv not found; {later}", file=sys.stderr)
        return
    checkout = str(ANSWERS["mlgate_source"]).strip()
    if checkout.startswith("/") and (problem := vendor(uv, project, checkout)):
        print(f"note: uv build of {checkout} failed ({problem}); {later}", file=sys.stderr)
        return
    if problem := run_uv(uv, project, "lock", "--quiet"):
        print(f"note: uv lock failed ({problem}); {later}", file=sys.stderr)


def init_git(project: Path) -> None:
    if shutil.which("git") is None:
        print("warning: git not found; skipped 'git init' and the first commit", file=sys.stderr)
        return
    try:
        git(project, "init", "--quiet", "--initial-branch=main")
        git(project, "add", "--all")
        git(project, "commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m",
            "Initial commit from the mlgate template")  # fmt: skip
    except subprocess.CalledProcessError as exc:
        reason = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
        print(f"error: git {exc.cmd[1]} failed: {reason[-1] if reason else exc}", file=sys.stderr)
        raise SystemExit(1) from None


def next_steps(project: Path) -> str:
    """The first three commands, on stderr (stdout's last line is the path `mlgate new` gives)."""
    setup = "make setup"
    if not (project / ".git").is_dir():  # the gate compares with main: start it
        setup = 'git init -b main && git add -A && git commit -m "From the template" && ' + setup
    first = f"cd {shlex.quote(str(project))} && {setup} && . .venv/bin/activate"
    if ANSWERS.get("dataset") == "custom":
        second = 'add your data and train: README.md, "Your data"'
    else:  # the gate compares with the metrics committed on main: commit the first ones
        second = 'dvc repro && git add dvc.lock data models reports && git commit -m "First model"'
    steps = [first, second, "make gate && make check"]
    return "Next:\n" + "".join(f"  {step}\n" for step in steps)


def main() -> int:
    project = Path.cwd()
    drop_unchosen(project)
    if str(ANSWERS.get("git_init")).lower() in {"true", "yes", "y", "1"}:
        lock(project)
        init_git(project)
    print(next_steps(project), end="", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
