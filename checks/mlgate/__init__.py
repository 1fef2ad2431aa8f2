"""mlgate: the template's checker and the runtime gates its workflows call."""

from __future__ import annotations

import functools


@functools.cache
def version() -> str:
    """The installed distribution's version, which the build took from the git tag
    (hatch-vcs). Read on first use, so `mlgate --help` does not pay for importlib.metadata."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("mlgate")
    except PackageNotFoundError:  # a source tree on sys.path, never installed
        return "0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return version()
    raise AttributeError(f"module 'mlgate' has no attribute {name!r}")
