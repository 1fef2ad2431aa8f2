"""GATE: mlgate.yaml's gate is valid, wired to the pipeline's metrics, and enforced on GitHub.

One class per rule, as repo-review wants (about 310 lines for the family).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...errors import CouldNotCheck
from ...io.metrics import parse_metrics
from ...policy import GatePolicy, parse_policy
from ...scores import CLASSIFICATION, REGRESSION
from ..execution import (
    Obligation,
    Run,
    Site,
    condition,
    event_contexts,
    mlgate_command,
    obligations,
    runs_of,
    sites,
    step_pushes_image,
    upstream,
)
from ..model import Finding, NotApplicable
from ..pipeline import paths, stages_line
from ..repo import Repo, Workflow, is_checkout, run_text
from .base import Rule

IS_GATE = mlgate_command("gate")


class GATE(Rule):
    family = "gate"
    part = "gate"


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
            return [
                Finding(
                    f"no stage declares {policy.metrics} under `metrics:`",
                    "dvc.yaml",
                    stages_line(repo),
                )
            ]
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
                    source = repo.read(dep).text or ""
                    sources.append(source)
                    if "mlgate.scores" in source:  # the names mlgate's shared scoring writes
                        sources.append(" ".join(json.dumps(n) for n in CLASSIFICATION + REGRESSION))
    return None, "\n".join(sources)


def _missing_from(metric: str, produced: tuple[set[str] | None, str], path: str) -> str:
    names, source = produced
    if names is not None:
        return "" if metric in names else f"{path} does not hold"
    quoted = (json.dumps(metric), f"'{metric}'")
    return "" if any(q in source for q in quoted) else "no evaluate source file names"


class GATE105(GATE):
    """A pull-request workflow runs `mlgate gate` where its failure provably fails the check."""

    requires = frozenset({"GHA101"})
    fix = (
        "Run `mlgate gate` as its own command in a job on pull_request: no `|| true`, "
        "`set +e`, pipe without pipefail, `continue-on-error` or `if:` that skips it."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        wired = pr_gates(repo)
        if not wired:
            return [_no_pr_gate(repo)]
        if any(not problems for _, problems in wired):
            return []
        return [
            Finding(
                f"`mlgate gate` in job {run.site.job_name!r}: {p.message}",
                p.path,
                p.line,
                severity=p.severity,
            )
            for run, problems in wired
            for p in problems
        ]


def _no_pr_gate(repo: Repo) -> Finding:
    """Where to look when no pull request runs the gate: a workflow that runs it on other
    events, else the pull-request workflow that does not run it."""
    message = "no workflow on pull_request runs `mlgate gate`"
    elsewhere = [w for w in repo.workflows if runs_of(repo, w, IS_GATE)]
    on_pr = [w for w in repo.workflows if "pull_request" in w.triggers]
    for workflow, note in (
        *((w, "it runs here, on other events") for w in elsewhere),
        *((w, "this one runs on pull requests") for w in on_pr),
    ):
        line = workflow.on_line
        return Finding(f"{message}: {note}", workflow.path, line)
    return Finding(message, ".github/workflows")


def pr_gates(repo: Repo) -> list[tuple[Run, list[Obligation]]]:
    """Every `mlgate gate` a pull-request workflow runs, with what keeps it from gating."""
    return [
        (run, obligations(repo, run, "pull_request"))
        for workflow in repo.workflows
        if "pull_request" in workflow.triggers
        for run in runs_of(repo, workflow, IS_GATE)
    ]


class GATE106(GATE):
    """The gate's job fetches the history the baseline needs (fetch-depth: 0) before it runs."""

    requires = frozenset({"GATE105"})
    fix = "Set `fetch-depth: 0` on the gate job's actions/checkout (or `git fetch` the base)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        wired = [run for run, problems in pr_gates(repo) if not problems]
        findings = []
        for run in wired:
            earlier = [
                s
                for s in sites(repo, run.site.workflow)
                if s.job_name == run.site.job_name and s.index < run.site.index
            ]
            checkouts = [s for s in earlier if is_checkout(s.step)]
            if any(_full_history(s.step) for s in earlier):
                continue
            line = checkouts[0].line() if checkouts else run.line
            path = checkouts[0].holder.path if checkouts else run.site.holder.path
            findings.append(
                Finding(
                    f"job {run.site.job_name!r} checks out without fetch-depth: 0, so the "
                    "baseline ref is missing",
                    path,
                    line,
                )
            )
        return findings


def _full_history(step: dict[str, Any]) -> bool:
    if is_checkout(step):
        with_ = step.get("with")
        return isinstance(with_, dict) and str(with_.get("fetch-depth")).strip() == "0"
    script = run_text(step)
    return bool(re.search(r"\bgit\s+fetch\b[^\n]*(--unshallow|\borigin\s+\S)", script))


class GATE107(GATE):
    """Images are pushed only by a release-tag workflow, after a gate that provably fails it."""

    requires = frozenset({"GHA101"})
    fix = (
        "Push images from a workflow on `push: tags: ['v*.*.*']`, in a job that `needs` the "
        "gate's job (or after the gate step), without `if: always()` around the push."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        pushing = False
        for workflow in repo.workflows:
            pushes = [s for s in sites(repo, workflow) if step_pushes_image(repo, s)]
            if not pushes:
                continue
            pushing = True
            event = "push" if tag_patterns(workflow) else ""
            if not event and "release" in workflow.triggers:
                event = "release"
            if not event:
                line = workflow.on_line
                findings.append(
                    Finding(
                        "pushes an image from a workflow no release tag starts", workflow.path, line
                    )
                )
                continue
            gates = [
                run for run in runs_of(repo, workflow, IS_GATE) if not obligations(repo, run, event)
            ]
            for push in pushes:
                if not any(_gated_before(workflow, gate, push) for gate in gates):
                    findings.append(
                        Finding(
                            f"job {push.job_name!r} pushes an image without a gate that provably "
                            "stops it",
                            push.holder.path,
                            push.line(),
                        )
                    )
        if not pushing:
            raise NotApplicable("no workflow pushes an image")
        return findings


def _gated_before(workflow: Workflow, gate: Run, push: Site) -> bool:
    """The push cannot run when the gate fails: after it in the same job, or in a job that
    needs the gate's job, with no `if:` that runs it after a failure."""
    failed = event_contexts("push", failed=True)
    if gate.site.job_name == push.job_name:
        if gate.site.index >= push.index:
            return False
        return condition(push.step.get("if"), failed) is False
    top = workflow.jobs
    gate_job, push_job = gate.site.job_name.split("/")[0], push.job_name.split("/")[0]
    if gate_job not in upstream(workflow, push_job):
        return False
    # every job on a `needs` path from the gate's job to the push's is skipped after a failure
    between = {push_job} | {
        name for name in upstream(workflow, push_job) if gate_job in upstream(workflow, name)
    }
    return all(condition(top[name].get("if"), failed) is False for name in between)


def tag_patterns(workflow: Workflow) -> list[str]:
    push = workflow.triggers.get("push")
    tags = push.get("tags") if isinstance(push, dict) else None
    if isinstance(tags, str):
        return [tags]
    return [str(t) for t in tags] if isinstance(tags, list) else []
