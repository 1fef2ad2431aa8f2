"""Exit codes and the one exception that means "could not check".

Every command keeps three outcomes apart: 0 pass, 1 fail, 2 could not check. A missing
input or a broken config is never a pass, so it has its own exception that the CLI turns
into exit 2 with the message a person needs to fix it.
"""

from __future__ import annotations

PASS = 0
FAIL = 1
COULD_NOT_CHECK = 2


class CouldNotCheck(Exception):
    """The command could not reach a verdict: bad input, missing file, missing tool."""


def missing_extra(module: str, extra: str | None) -> str:
    """The one line that says which package is missing and what to install."""
    top = module.split(".")[0]
    install = f"pip install 'mlgate[{extra}]'" if extra else f"pip install {top}"
    return f"this command needs the Python package {top!r}, which is not installed: {install}"


def require(module: str, extra: str) -> None:
    """Fail with an install hint when an optional dependency is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise CouldNotCheck(missing_extra(module, extra))
