"""GX: a committed Great Expectations suite validates the data in a pipeline stage."""

from __future__ import annotations

import json
import re
from typing import Any

from ..model import Finding, NotApplicable
from ..pipeline import command_args, paths, stages_line, stages_running
from ..repo import Repo
from ..yaml_lines import line_of
from .base import Rule

COLUMN_SET = {"expect_table_columns_to_match_set", "expect_table_columns_to_match_ordered_list"}


class GX(Rule):
    family = "gx"
    part = "gx"


def suites(repo: Repo) -> list[tuple[str, str]]:
    """(stage, suite path) for every `mlgate validate SUITE DATA` stage."""
    found = []
    for stage in stages_running(repo, r"mlgate validate"):
        args = [
            a for a in command_args(repo.stages[stage], "mlgate validate") if not a.startswith("-")
        ]
        if args:
            found.append((stage, args[0]))
    return found


def load_suite(repo: Repo, path: str) -> dict[str, Any] | str:
    text = repo.read(path)
    if text.text is None:
        return f"{path} {text.problem}"
    try:
        suite = json.loads(text.text)
    except ValueError as exc:
        return f"{path} is not JSON: {exc}"
    if not isinstance(suite, dict) or not isinstance(suite.get("expectations"), list):
        return f"{path} is not a GX suite (no `expectations` list)"
    return suite


class GX101(GX):
    """A pipeline stage validates the data with a committed GX suite that has expectations."""

    requires = frozenset({"DVC101"})
    fix = "Add data then `mlgate suite init DATA -o gx/expectations/raw_data.json`; review it."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        found = suites(repo)
        if not found:
            return [
                Finding("no stage runs `mlgate validate SUITE DATA`", "dvc.yaml", stages_line(repo))
            ]
        findings = []
        for _, path in found:
            suite = load_suite(repo, path)
            if isinstance(suite, str):
                findings.append(Finding(suite, path))
            elif not suite["expectations"]:
                findings.append(Finding("the suite has no expectations", path))
        return findings


class GX102(GX):
    """Every expectation names a GX Core expectation type and gives its arguments."""

    requires = frozenset({"GX101"})
    fix = "Use GX Core 1.x names (`expect_...`) with a `kwargs` mapping."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for _, path in suites(repo):
            suite = load_suite(repo, path)
            assert isinstance(suite, dict)
            for index, item in enumerate(suite["expectations"]):
                kind = item.get("type") if isinstance(item, dict) else None
                if not isinstance(kind, str) or not re.fullmatch(r"expect_[a-z0-9_]+", kind):
                    findings.append(Finding(f"expectation {index} has no valid type", path))
                elif not isinstance(item.get("kwargs", {}), dict):
                    findings.append(Finding(f"expectation {index} ({kind}): kwargs", path))
        return findings


class GX103(GX):
    """The validating stage depends on its suite, so a changed suite re-runs validation."""

    requires = frozenset({"GX101"})
    fix = "List the suite under the stage's `deps:`."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return [
            Finding(
                f"stage {stage!r} does not list {path} in deps",
                "dvc.yaml",
                line_of(repo.pipeline.data.get("stages"), stage),
            )
            for stage, path in suites(repo)
            if path not in paths(repo.stages[stage].get("deps"))
        ]


class GX104(GX):
    """The suite pins the data's columns, so a dropped or renamed column fails validation."""

    requires = frozenset({"GX101"})
    fix = "Add `expect_table_columns_to_match_set` (or `..._ordered_list`) with the columns."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for _, path in suites(repo):
            suite = load_suite(repo, path)
            assert isinstance(suite, dict)
            kinds = {i.get("type") for i in suite["expectations"] if isinstance(i, dict)}
            if not kinds & COLUMN_SET:
                findings.append(Finding("no expectation pins the column set", path))
        if not findings and not suites(repo):
            raise NotApplicable("no suite")
        return findings
