"""Finish the rendered project: drop what the answers did not choose, then git.

Only what conditional file names cannot do lives here: cookiecutter cannot skip a whole
directory by an empty name, and it cannot run git. The DVC repository itself (`.dvc/`,
`.dvcignore`, the default remote) is rendered from template files, so rendering needs no
DVC installed and no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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


def main() -> int:
    project = Path.cwd()
    drop_unchosen(project)
    if str(ANSWERS.get("git_init")).lower() in {"true", "yes", "y", "1"}:
        init_git(project)
    return 0


if __name__ == "__main__":
    sys.exit(main())
