"""Render the template as users do (cookiecutter's API on a clean copy), for both test trees."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from support import REPO_ROOT


@functools.cache
def clean_template() -> Path:
    """The template as `mlgate new` renders it: a copy without tool caches (once a process)."""
    from mlgate.new import clean_copy

    tmp = Path(tempfile.mkdtemp(prefix="mlgate-template-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    return clean_copy(REPO_ROOT, tmp / "mlgate")


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
