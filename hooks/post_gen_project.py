"""Finish the rendered project: drop what the answers did not choose, record where it came
from (.cruft.json), then git.

Only what conditional file names cannot do lives here: cookiecutter cannot skip a whole
directory by an empty name, and it cannot run git or uv. .cruft.json is cruft's record of
the template and commit a project was rendered from, with the answers: `mlgate update` (or
`cruft update`) brings the template's later changes from there. It is written whichever way
the project was rendered: `mlgate new` says the origin in MLGATE_TEMPLATE_* variables (it
renders from a clean copy), plain cookiecutter and cruft from a git checkout of the template
are read from the checkout itself. The DVC repository itself (`.dvc/`,
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


# What a template update never touches: the project's own data, models, results and locks.
SKIP = ["data", "models", "reports", "logs", "dvc.lock", "uv.lock", "vendor"]
MACHINE_KEYS = ("_output_dir", "_repo_dir")  # paths of the rendering machine, not answers


def template_commit(repo_dir: str) -> str | None:
    """The commit of the template checkout rendered from; None when it is not a git checkout
    of its own."""
    if not repo_dir or shutil.which("git") is None or not Path(repo_dir).is_dir():
        return None
    found = subprocess.run(["git", "-C", repo_dir, "rev-parse", "--show-toplevel", "HEAD"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    lines = found.stdout.split()
    if found.returncode != 0 or len(lines) != 2 or Path(lines[0]) != Path(repo_dir).resolve():
        return None  # not a checkout of its own (a folder inside another repository)
    return lines[1]


def record_origin(project: Path) -> None:
    """.cruft.json, as `cruft create` writes it (cruft itself writes its own after)."""
    target = project / ".cruft.json"
    origin = os.environ.get("MLGATE_TEMPLATE_ORIGIN") or str(ANSWERS.get("_template", ""))
    commit = (os.environ.get("MLGATE_TEMPLATE_COMMIT") or ANSWERS.get("_commit")
              or template_commit(str(ANSWERS.get("_repo_dir", ""))))  # fmt: skip
    checkout = os.environ.get("MLGATE_TEMPLATE_CHECKOUT") or ANSWERS.get("_checkout")
    context = {k: v for k, v in ANSWERS.items() if k not in MACHINE_KEYS}
    context.update(_template=origin, _commit=commit)
    record = {"template": origin, "commit": commit, "checkout": checkout,
              "context": {"cookiecutter": context}, "directory": None, "skip": SKIP}  # fmt: skip
    target.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if commit is None:
        print("note: the template is not a git checkout: .cruft.json records no commit, and "
              "`mlgate update` cannot bring its later changes", file=sys.stderr)  # fmt: skip


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
    if os.environ.get("MLGATE_RENDER_FOR_UPDATE"):
        return 0  # `mlgate update` renders the template twice to diff it: no git, no uv
    record_origin(project)
    if str(ANSWERS.get("git_init")).lower() in {"true", "yes", "y", "1"}:
        lock(project)
        init_git(project)
    print(next_steps(project), end="", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
