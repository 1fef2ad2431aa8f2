"""Read params.yaml and fail with a clear message when a key the pipeline needs is missing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path("params.yaml")
TASKS = ("classification", "regression")


class ParamsError(ValueError):
    """A bad params.yaml (or a file it names): the stage stops with exit 2 and this message."""

    def __init__(self, message: str, source: str = "params.yaml") -> None:
        super().__init__(f"{source}: {message}")


def run_stage(main: Callable[[], object]) -> None:
    """A stage's `python -m` entry: a bad params.yaml ends it with exit 2 and one line on
    stderr. (A SystemExit cannot do both: Python prints its message only with exit 1.)"""
    try:
        main()
    except ParamsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def load_params(path: str | Path = DEFAULT_PATH) -> dict[str, Any]:
    path = Path(path)
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParamsError(f"{path} not found (run from the project root)") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"invalid YAML: {exc}") from None
    if not isinstance(params, dict):
        raise ParamsError("expected a mapping at the top level")
    for section, keys in {
        "data": ("raw", "target", "task"),
        "split": ("test_size", "train", "test"),
        "model": ("name",),
    }.items():
        block = params.get(section)
        if not isinstance(block, dict):
            raise ParamsError(f"missing section {section!r}")
        for key in keys:
            if key not in block:
                raise ParamsError(f"missing key {section}.{key}")
    if params["data"]["task"] not in TASKS:
        raise ParamsError(f"data.task must be one of {TASKS}, got {params['data']['task']!r}")
    names = params["data"].get("class_names")
    if names is not None and not isinstance(names, dict):
        raise ParamsError(f"data.class_names must map classes to names, got {names!r}")
    test_size = params["split"]["test_size"]
    if not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
        raise ParamsError(f"split.test_size must be a fraction between 0 and 1, got {test_size!r}")
    params.setdefault("seed", 0)
    params["model"].setdefault("params", {})
    if params["model"]["params"] is None:
        params["model"]["params"] = {}
    return params
