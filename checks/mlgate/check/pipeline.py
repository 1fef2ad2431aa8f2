"""Facts about dvc.yaml shared by several families: stage commands, outputs, metrics."""

from __future__ import annotations

import re
import shlex
from typing import Any

from .repo import Repo
from .yaml_lines import line_of


def command(stage: dict[str, Any]) -> str:
    cmd = stage.get("cmd")
    if isinstance(cmd, list):
        return " && ".join(str(part) for part in cmd)
    return str(cmd) if cmd is not None else ""


def paths(entries: Any) -> list[str]:
    """Paths of a deps/outs/metrics list (entries are strings or one-key mappings)."""
    if not isinstance(entries, list):
        return []
    result = []
    for entry in entries:
        if isinstance(entry, str):
            result.append(entry)
        elif isinstance(entry, dict):
            result.extend(str(key) for key in entry)
    return result


def stages_line(repo: Repo) -> int | None:
    """The line of `stages:` in dvc.yaml, where a missing stage would go."""
    data = repo.pipeline.data
    return line_of(data, "stages") if isinstance(data, dict) else None


def params(stage: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(file, key) for a stage's `params:`: `key` (params.yaml), `file.yaml: [key, ...]`,
    or `file.yaml:` alone (the whole file: key None)."""
    entries = stage.get("params")
    found: list[tuple[str, str | None]] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str):
            found.append(("params.yaml", entry))
        elif isinstance(entry, dict):
            for file, keys in entry.items():
                if isinstance(keys, list) and keys:
                    found += [(str(file), str(key)) for key in keys]
                else:
                    found.append((str(file), None))
    return found


def outputs(stage: dict[str, Any]) -> list[str]:
    return [*paths(stage.get("outs")), *paths(stage.get("metrics")), *paths(stage.get("plots"))]


def producers(repo: Repo) -> dict[str, str]:
    """Output path -> the stage that writes it."""
    return {
        path.rstrip("/"): name for name, stage in repo.stages.items() for path in outputs(stage)
    }


def upstream(repo: Repo, stage_name: str) -> set[str]:
    """Every stage whose outputs `stage_name` depends on, transitively."""
    made_by = producers(repo)
    seen: set[str] = set()
    todo = [stage_name]
    while todo:
        stage = repo.stages.get(todo.pop(), {})
        for dep in paths(stage.get("deps")):
            dep = dep.rstrip("/")
            for out, producer in made_by.items():
                if (dep == out or dep.startswith(out + "/") or out.startswith(dep + "/")) and (
                    producer not in seen
                ):
                    seen.add(producer)
                    todo.append(producer)
    return seen


def stages_running(repo: Repo, pattern: str) -> list[str]:
    """Stages whose command matches a regular expression."""
    return [name for name, stage in repo.stages.items() if re.search(pattern, command(stage))]


def command_args(stage: dict[str, Any], program: str) -> list[str]:
    """Arguments after `program` (e.g. 'mlgate validate') in a stage's command."""
    text = command(stage)
    index = text.find(program)
    if index < 0:
        return []
    try:
        words = shlex.split(text[index + len(program) :].split("&&")[0])
    except ValueError:
        return []
    return words
