"""Make the project's package importable as `project` in the tests.

The package's real name is a template answer; tests import `project.data`,
`project.train`, ... instead, so they hold no template code. The name is read from
pyproject.toml, and conftest.py imports this module before any test module is loaded.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE = Path(_pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"][0]).name

_package = importlib.import_module(PACKAGE)
sys.modules["project"] = _package
for _module in pkgutil.iter_modules(_package.__path__):
    sys.modules[f"project.{_module.name}"] = importlib.import_module(f"{PACKAGE}.{_module.name}")
