"""DOCKER: the image runs as non-root, says when it is healthy, and builds from pinned bases."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Finding
from ..repo import Repo
from .base import Rule

DOCKERFILE = "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    args: str


def instructions(text: str) -> list[Instruction]:
    """Dockerfile instructions with continuation lines joined (comments dropped)."""
    result: list[Instruction] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        result.append(Instruction(start, keyword.upper(), args.strip()))
    if pending.strip():
        keyword, _, args = pending.strip().partition(" ")
        result.append(Instruction(start, keyword.upper(), args.strip()))
    return result


def final_stage(items: list[Instruction]) -> list[Instruction]:
    starts = [i for i, item in enumerate(items) if item.keyword == "FROM"]
    return items[starts[-1] :] if starts else []


def parsed(repo: Repo) -> list[Instruction]:
    text = repo.read(DOCKERFILE).text
    return instructions(text) if text is not None else []


class DOCKER(Rule):
    family = "docker"


class DOCKER101(DOCKER):
    """A Dockerfile at the root builds the service image."""

    fix = "Add the template's multi-stage Dockerfile."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        text = repo.read(DOCKERFILE)
        if text.text is None:
            return [Finding(f"Dockerfile {text.problem}", DOCKERFILE)]
        if not any(item.keyword == "FROM" for item in instructions(text.text)):
            return [Finding("no FROM instruction", DOCKERFILE)]
        return []


class DOCKER102(DOCKER):
    """The image runs as a non-root user (a final USER that is not root or 0)."""

    requires = frozenset({"DOCKER101"})
    fix = "Create a user and end with `USER 10001` (numeric, so Kubernetes can verify it)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        users = [item for item in final_stage(parsed(repo)) if item.keyword == "USER"]
        if not users:
            return [Finding("the final stage has no USER: it runs as root", DOCKERFILE)]
        name = users[-1].args.split(":")[0].strip()
        if name in ("root", "0", ""):
            return [Finding(f"the last USER is {name or 'empty'}", DOCKERFILE, users[-1].line)]
        return []


class DOCKER103(DOCKER):
    """The image declares a HEALTHCHECK."""

    requires = frozenset({"DOCKER101"})
    fix = "Add `HEALTHCHECK CMD python -c ...` calling the service's /health."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        checks = [i for i in final_stage(parsed(repo)) if i.keyword == "HEALTHCHECK"]
        if not checks:
            return [Finding("no HEALTHCHECK in the final stage", DOCKERFILE)]
        if checks[-1].args.upper().startswith("NONE"):
            return [Finding("HEALTHCHECK NONE switches the check off", DOCKERFILE, checks[-1].line)]
        return []


class DOCKER104(DOCKER):
    """Every base image is pinned: an explicit tag other than `latest`, or a digest."""

    requires = frozenset({"DOCKER101"})
    fix = "Write `FROM python:3.11-slim-bookworm` (or `@sha256:...`), never a bare or latest tag."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        items = parsed(repo)
        stages: set[str] = set()
        findings = []
        for item in items:
            if item.keyword != "FROM":
                continue
            words = [w for w in item.args.split() if not w.startswith("--")]
            if not words:
                findings.append(Finding("FROM without an image", DOCKERFILE, item.line))
                continue
            image = words[0]
            if len(words) >= 3 and words[1].lower() == "as":
                stages.add(words[2].lower())
            if image.lower() in stages or image == "scratch" or "@sha256:" in image:
                continue
            tag = re.sub(r"^.*/", "", image).partition(":")[2]
            if not tag or tag == "latest" or "$" in image:
                findings.append(Finding(f"`{image}` is not pinned to a tag", DOCKERFILE, item.line))
        return findings


class DOCKER105(DOCKER):
    """.dockerignore keeps .git, the virtualenv and the data out of the build context."""

    requires = frozenset({"DOCKER101"})
    fix = "Add `.git`, `.venv` and `data/` to .dockerignore."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        text = repo.read(".dockerignore")
        if text.text is None:
            return [Finding(f".dockerignore {text.problem}", ".dockerignore")]
        patterns = {line.strip().strip("/").removeprefix("**/") for line in text.text.splitlines()}
        missing = [p for p in (".git", ".venv", "data") if p not in patterns]
        if missing:
            return [Finding(f"does not exclude {', '.join(missing)}", ".dockerignore")]
        return []
