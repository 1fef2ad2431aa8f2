"""GATE: mlgate.yaml's gate is valid, wired to the pipeline's metrics, and enforced on GitHub."""

from __future__ import annotations

import json
from typing import Any

from ...errors import CouldNotCheck
from ...gate_policy import GatePolicy
from ...metrics_file import parse_metrics
from ...policy import parse_policy
from ..model import Finding
from ..repo import Repo
from .base import Rule
from .pipeline import paths
from .workflow_facts import (
    GATE_COMMAND,
    is_checkout,
    on_pull_request,
    pushes_image,
    release_workflows,
    steps_running,
    upstream_jobs,
)


class GATE(Rule):
    family = "gate"


def gate_policy(repo: Repo) -> GatePolicy | str:
    text = repo.read("mlgate.yaml")
    if text.text is None:
        return f"mlgate.yaml {text.problem}"
    try:
        return GatePolicy.from_policy(parse_policy(text.text, "mlgate.yaml"), "mlgate.yaml")
    except CouldNotCheck as exc:
        return str(exc)


class GATE101(GATE):
    """mlgate.yaml exists and is a policy (a mapping of known sections)."""

    fix = "Add mlgate.yaml with a `gate:` section (see the template's)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        text = repo.read("mlgate.yaml")
        if text.text is None:
            return [Finding(f"mlgate.yaml {text.problem}", "mlgate.yaml")]
        try:
            parse_policy(text.text, "mlgate.yaml")
        except CouldNotCheck as exc:
            return [Finding(str(exc), "mlgate.yaml")]
        return []


class GATE102(GATE):
    """The gate policy is valid: a metrics file, and every rule with a bound and a direction."""

    requires = frozenset({"GATE101"})
    fix = (
        "Give `gate:` a `metrics:` file and, per metric under `rules:`, `higher_is_better` and "
        "at least one bound (min/max, max_drop/max_drop_rel or max_rise/max_rise_rel)."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        policy = gate_policy(repo)
        return [Finding(policy, "mlgate.yaml")] if isinstance(policy, str) else []


class GATE103(GATE):
    """The gate's metrics file is a DVC metric that a pipeline stage writes."""

    requires = frozenset({"GATE102", "DVC101"})
    fix = "Declare it under the evaluate stage's `metrics:` in dvc.yaml (cache: false)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        policy = gate_policy(repo)
        assert isinstance(policy, GatePolicy)
        declared = {p for stage in repo.stages.values() for p in paths(stage.get("metrics"))}
        if policy.metrics not in declared:
            return [Finding(f"no stage declares {policy.metrics} under `metrics:`", "dvc.yaml")]
        return []


class GATE104(GATE):
    """Every gated metric is one the pipeline produces."""

    requires = frozenset({"GATE103"})
    fix = "Gate only metrics the evaluate stage writes, or write the metric."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        policy = gate_policy(repo)
        assert isinstance(policy, GatePolicy)
        produced = _produced_metrics(repo, policy.metrics)
        return [
            Finding(f"the gate judges {rule.metric!r}, which {where}", "mlgate.yaml")
            for rule in policy.rules
            if (where := _missing_from(rule.metric, produced, policy.metrics))
        ]


def _produced_metrics(repo: Repo, metrics_path: str) -> tuple[set[str] | None, str]:
    """Metric names in the committed metrics file, else the writing stage's Python source."""
    text = repo.read(metrics_path)
    if text.text is not None:
        try:
            return set(parse_metrics(text.text, metrics_path)), ""
        except CouldNotCheck:
            pass
    sources = []
    for stage in repo.stages.values():
        if metrics_path in paths(stage.get("metrics")):
            for dep in paths(stage.get("deps")):
                if dep.endswith(".py"):
                    sources.append(repo.read(dep).text or "")
    return None, "\n".join(sources)


def _missing_from(metric: str, produced: tuple[set[str] | None, str], path: str) -> str:
    names, source = produced
    if names is not None:
        return "" if metric in names else f"{path} does not hold"
    quoted = (json.dumps(metric), f"'{metric}'")
    return "" if any(q in source for q in quoted) else "no evaluate source file names"


def _pr_gate_steps(repo: Repo) -> list[tuple[Any, str, dict[str, Any], int, dict[str, Any]]]:
    return [
        (workflow, *found)
        for workflow in repo.workflows
        if on_pull_request(workflow)
        for found in steps_running(workflow, GATE_COMMAND)
    ]


class GATE105(GATE):
    """A pull-request workflow runs `mlgate gate` in a step that cannot pass by erroring."""

    requires = frozenset({"GHA101"})
    fix = (
        "Run `mlgate gate --baseline origin/<base>` in a job on pull_request, "
        "without continue-on-error."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        found = _pr_gate_steps(repo)
        if not found:
            return [Finding("no workflow on pull_request runs `mlgate gate`", ".github/workflows")]
        findings = []
        for workflow, job_name, job, index, step in found:
            for owner, what in (
                (step, f"step {index + 1} of job {job_name!r}"),
                (job, f"job {job_name!r}"),
            ):
                if owner.get("continue-on-error") not in (None, False):
                    findings.append(
                        Finding(
                            f"{what} sets continue-on-error: the gate cannot fail",
                            workflow.path,
                            workflow.line(owner, "continue-on-error"),
                        )
                    )
        return findings


class GATE106(GATE):
    """The gate job checks out the full history (fetch-depth: 0) to read the baseline."""

    requires = frozenset({"GATE105"})
    fix = "Set `fetch-depth: 0` on the gate job's actions/checkout."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for workflow, job_name, job, _, _ in _pr_gate_steps(repo):
            checkouts = [s for s in workflow.steps(job) if is_checkout(s)]
            full = [
                s
                for s in checkouts
                if isinstance(s.get("with"), dict) and str(s["with"].get("fetch-depth")) == "0"
            ]
            if not full:
                line = workflow.line(checkouts[0]) if checkouts else workflow.line(job)
                findings.append(
                    Finding(
                        f"job {job_name!r} checks out without fetch-depth: 0", workflow.path, line
                    )
                )
        return findings


class GATE107(GATE):
    """A release workflow runs on `v*` tags and gates the model before it pushes an image."""

    requires = frozenset({"GHA101"})
    fix = "Run `mlgate gate` in a job the image-pushing job `needs` (on push: tags: ['v*.*.*'])."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        releases = release_workflows(repo)
        if not releases:
            return [Finding("no workflow runs on pushed `v*` tags", ".github/workflows")]
        findings = []
        for workflow in releases:
            gates = steps_running(workflow, GATE_COMMAND)
            if not gates:
                findings.append(Finding("the release never runs `mlgate gate`", workflow.path))
                continue
            for job_name, job in workflow.jobs.items():
                for index, step in enumerate(workflow.steps(job)):
                    if not pushes_image(step):
                        continue
                    before = upstream_jobs(workflow, job_name)
                    gated = any(
                        g[0] in before or (g[0] == job_name and g[2] < index) for g in gates
                    )
                    if not gated:
                        findings.append(
                            Finding(
                                f"job {job_name!r} pushes an image without a gate before it",
                                workflow.path,
                                workflow.line(step),
                            )
                        )
        return findings
