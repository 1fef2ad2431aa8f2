"""TEMPLATE: a project made from a template records where from, so template updates can reach it."""

from __future__ import annotations

import json
import re

from ..model import Finding
from ..repo import Repo
from .base import Rule

RECORD = ".cruft.json"
# a commit (SHA-1 or SHA-256, or abbreviated, as a development wheel records it) or a release tag
COMMIT = re.compile(r"^([0-9a-f]{7,64}|v\d+\.\d+\.\d+\S*)$")


class TEMPLATE(Rule):
    family = "template"
    part = "template"


class TEMPLATE101(TEMPLATE):
    """The project records the template and the commit (or release) it came from (`.cruft.json`)."""

    fix = (
        "Render with `mlgate new` (or cookiecutter / cruft from a git checkout of the template): "
        "it writes .cruft.json with the template's location, its commit (or release tag) and "
        "the answers."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        text = repo.read(RECORD).text
        if text is None:
            return [Finding(f"no {RECORD}: template updates cannot reach this project", RECORD)]
        try:
            record = json.loads(text)
        except ValueError as exc:
            return [Finding(f"{RECORD} is not JSON: {exc}", RECORD, 1)]
        if not isinstance(record, dict):
            return [Finding(f"{RECORD} is not a JSON object", RECORD, 1)]
        findings = []
        if not isinstance(record.get("template"), str) or not record["template"].strip():
            findings.append(Finding(f"{RECORD} names no template", RECORD, 1))
        commit = record.get("commit")
        if not isinstance(commit, str) or not COMMIT.match(commit):
            findings.append(Finding(
                f"{RECORD} records no template commit ({commit!r}): an update would not know "
                "what changed since", RECORD, 1))  # fmt: skip
        context = record.get("context")
        if not isinstance(context, dict) or not isinstance(context.get("cookiecutter"), dict):
            message = (f"{RECORD} holds no answers (context.cookiecutter): an update could not "
                       "render the template again")  # fmt: skip
            findings.append(Finding(message, RECORD, 1))
        return findings
