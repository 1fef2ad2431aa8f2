"""Facts about workflows several families need: which one gates PRs, releases, checks drift."""

from __future__ import annotations

import re
from typing import Any

from ..repo import Repo, Workflow, run_text, uses_text

GATE_COMMAND = re.compile(r"\bmlgate\s+gate\b")
DRIFT_COMMAND = re.compile(r"\bmlgate\s+drift\b")
DISPATCH_COMMAND = re.compile(r"\bmlgate\s+dispatch\s+([\"']?)([\w.-]+)\1")


def on_pull_request(workflow: Workflow) -> bool:
    return "pull_request" in workflow.triggers


def tag_patterns(workflow: Workflow) -> list[str]:
    push = workflow.triggers.get("push")
    tags = push.get("tags") if isinstance(push, dict) else None
    if isinstance(tags, str):
        return [tags]
    return [str(t) for t in tags] if isinstance(tags, list) else []


def release_workflows(repo: Repo) -> list[Workflow]:
    return [w for w in repo.workflows if any(p.startswith("v") for p in tag_patterns(w))]


def steps_running(
    workflow: Workflow, pattern: re.Pattern[str]
) -> list[tuple[str, dict[str, Any], int, dict[str, Any]]]:
    """(job name, job, step index, step) for steps whose `run:` matches."""
    found = []
    for name, job in workflow.jobs.items():
        for index, step in enumerate(workflow.steps(job)):
            if pattern.search(run_text(step)):
                found.append((name, job, index, step))
    return found


def is_checkout(step: dict[str, Any]) -> bool:
    return uses_text(step).split("@")[0].lower() == "actions/checkout"


def needs(job: dict[str, Any]) -> list[str]:
    value = job.get("needs")
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def upstream_jobs(workflow: Workflow, job_name: str) -> set[str]:
    jobs = workflow.jobs
    seen: set[str] = set()
    todo = [job_name]
    while todo:
        for parent in needs(jobs.get(todo.pop(), {})):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def pushes_image(step: dict[str, Any]) -> bool:
    uses = uses_text(step).split("@")[0].lower()
    if uses == "docker/build-push-action":
        with_ = step.get("with")
        push = with_.get("push") if isinstance(with_, dict) else None
        return push not in (None, False, "false")
    return bool(re.search(r"\bdocker\s+push\b|\bbuildx\s+build\b.*--push", run_text(step)))
