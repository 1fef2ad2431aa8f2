"""Render the template as users do (cookiecutter's API on a clean copy), for both test trees."""

from __future__ import annotations

import atexit
import functools
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from support import REPO_ROOT


@functools.cache
def clean_template() -> Path:
    """The template as `mlgate new` renders it: a copy without tool caches, committed to a git
    repository of its own (once a process)."""
    from mlgate.new import clean_copy

    tmp = Path(tempfile.mkdtemp(prefix="mlgate-template-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    template = clean_copy(REPO_ROOT, tmp / "mlgate")
    # a git checkout of its own, as users render from (a clone, or cookiecutter's of a URL):
    # the render's .cruft.json records its commit
    identity = ["-c", "user.name=mlgate tests", "-c", "user.email=tests@example.com"]
    for args in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "template"]):
        subprocess.run(["git", *identity, *args], cwd=template, check=True, capture_output=True)
    return template


def render(output_dir: Path, **answers: Any) -> Path:
    """Render with cookiecutter's API; returns the project directory."""
    from cookiecutter.main import cookiecutter

    from mlgate.new import private_tempdir

    context = {"mlgate_source": str(REPO_ROOT), "git_init": "no", **answers}
    template = str(clean_template())
    with private_tempdir():
        project = cookiecutter(
            template, no_input=True, extra_context=context, output_dir=output_dir
        )
    return Path(project)
