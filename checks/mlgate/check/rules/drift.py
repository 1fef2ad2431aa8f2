"""DRIFT: a valid schedule checks production data against a profile the pipeline makes."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from ...errors import CouldNotCheck
from ...policy import DriftPolicy, parse_policy
from ..cron import cron_problem
from ..execution import find_runs, mlgate_command, runs_of
from ..model import Finding, NotApplicable, Severity
from ..pipeline import command, outputs, stages_line
from ..repo import Repo, Workflow
from ..yaml_lines import line_of
from .base import Rule

DEFAULT_REFERENCE = "models/reference_profile.json"


class DRIFT(Rule):
    family = "drift"
    part = "drift"


def drift_workflows(repo: Repo) -> list[Workflow]:
    """Workflows that run `mlgate drift` (a run, not a mention)."""
    return [w for w in repo.workflows if runs_of(repo, w, mlgate_command("drift"))]


def dispatched(repo: Repo, workflow: Workflow, switch: str = "drift.retrain") -> list[str]:
    """The workflow files `mlgate dispatch FILE` starts from this workflow when `switch` is on:
    dispatches under `--if-policy switch`, or under no switch at all."""
    targets: list[str] = []

    def is_dispatch(words: list[str]) -> bool:
        found = mlgate_command("dispatch")(words)
        if found and _under(words, switch):
            target = next((w for w in words[2:] if not w.startswith("-") and w != switch), "")
            if target and target not in targets:
                targets.append(target)
        return found

    find_runs(repo, workflow, is_dispatch)  # not remembered: the predicate collects
    return targets


def _under(words: list[str], switch: str) -> bool:
    """Whether `mlgate dispatch ...` runs when `switch` is true (its --if-policy, or none)."""
    switches = [b for a, b in pairwise(words) if a == "--if-policy"]
    switches += [w.split("=", 1)[1] for w in words if w.startswith("--if-policy=")]
    return not switches or switch in switches


def schedules(workflow: Workflow) -> list[object]:
    entries = workflow.triggers.get("schedule")
    if not isinstance(entries, list):
        return []
    return [e.get("cron") if isinstance(e, dict) else e for e in entries]


class DRIFT101(DRIFT):
    """A scheduled workflow runs `mlgate drift`, on a valid cron."""

    requires = frozenset({"GHA101"})
    fix = "Add drift.yml: `on: schedule: - cron: '17 6 * * 1'` running `mlgate drift`."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        running = drift_workflows(repo)
        scheduled = [w for w in running if "schedule" in w.triggers]
        if not scheduled:
            if running:
                first = running[0]
                line = first.on_line
                return [Finding("runs `mlgate drift`, but not on a schedule", first.path, line)]
            return [Finding("no scheduled workflow runs `mlgate drift`", ".github/workflows")]
        findings = []
        for workflow in scheduled:
            crons = schedules(workflow)
            if not crons:
                findings.append(Finding("`schedule:` lists no cron", workflow.path))
            for cron in crons:
                problem = cron_problem(cron)
                if problem:
                    findings.append(
                        Finding(
                            f"invalid cron: {problem}",
                            workflow.path,
                            workflow.line(workflow.triggers["schedule"]),
                        )
                    )
        return findings


class DRIFT102(DRIFT):
    """The pipeline produces the reference profile that drift checks compare with."""

    requires = frozenset({"DVC101"})
    fix = "Add a stage `mlgate profile data/processed/train.csv -o <drift.reference>`."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        reference = repo.policy_section("drift").get("reference", DEFAULT_REFERENCE)
        makers = [
            name
            for name, stage in repo.stages.items()
            if "mlgate profile" in command(stage) and reference in outputs(stage)
        ]
        if not makers:
            return [
                Finding(
                    f"no stage runs `mlgate profile` with output {reference}",
                    "dvc.yaml",
                    stages_line(repo),
                )
            ]
        return []


class DRIFT103(DRIFT):
    """The drift policy in mlgate.yaml is valid."""

    requires = frozenset({"GATE101"})
    fix = (
        "Fix `drift:` as the message says: reference, current (path; url and token_env; or "
        "dvc), drift_share in (0, 1], per-column method / threshold / ignore."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return section_findings(repo, "drift", DriftPolicy.from_policy)


def section_findings(
    repo: Repo, name: str, read: Callable[[dict[str, Any], str], object]
) -> list[Finding]:
    """The problem `read` (a policy class's from_policy) finds in mlgate.yaml's section."""
    text = repo.read("mlgate.yaml").text
    if text is None:
        raise NotApplicable(f"no mlgate.yaml ({name} defaults apply)")
    try:
        policy = parse_policy(text, "mlgate.yaml")
        if name not in policy:
            raise NotApplicable(f"no {name} section (defaults apply)")
        read(policy, "mlgate.yaml")
    except CouldNotCheck as exc:
        data = repo.policy.data
        return [Finding(str(exc), "mlgate.yaml", line_of(data, name) if data else None)]
    return []


class DRIFT104(DRIFT):
    """The drift workflow can also be started by hand (`workflow_dispatch`)."""

    requires = frozenset({"DRIFT101"})
    severity = Severity.WARNING
    fix = "Add `workflow_dispatch:` to the drift workflow's triggers."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return [
            Finding(
                "no workflow_dispatch trigger",
                w.path,
                w.on_line,
            )
            for w in drift_workflows(repo)
            if "schedule" in w.triggers and "workflow_dispatch" not in w.triggers
        ]


class DRIFT105(DRIFT):
    """With `drift.retrain: true`, the drift workflow starts a retrain workflow that exists."""

    requires = frozenset({"DRIFT101", "DRIFT103"})
    fix = (
        "In the drift workflow, on drift: `mlgate dispatch retrain.yml --if-policy "
        "drift.retrain` in a job with `actions: write`; retrain.yml needs `workflow_dispatch:`."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return retrain_findings(repo, drift_workflows(repo), "drift")


class DRIFT106(DRIFT):
    """The engine section in mlgate.yaml is valid (arrow, or spark with spark.* settings)."""

    requires = frozenset({"GATE101"})
    fix = (
        "Fix `engine:` as the message says: name arrow or spark; for spark, optionally master "
        "(e.g. local[2]) and spark: {spark.some.setting: value}."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        from ...policy import EngineSettings

        return section_findings(repo, "engine", EngineSettings.from_policy)


def retrain_findings(repo: Repo, workflows: list[Workflow], section: str) -> list[Finding]:
    """With `<section>.retrain: true`: something in `workflows` starts a workflow under that
    switch, and what it starts exists and can be started."""
    switch = f"{section}.retrain"
    if repo.policy_section(section).get("retrain") is not True:
        raise NotApplicable(f"{switch} is not true")
    targets = [(w, target) for w in workflows for target in dispatched(repo, w, switch)]
    if not targets:
        message = (f"{switch} is true, but no {section} workflow runs `mlgate dispatch` under "
                   f"it (`--if-policy {switch}`)")  # fmt: skip
        return [Finding(message, "mlgate.yaml", line_of(repo.policy_section(section), "retrain"))]
    known = {w.path.rsplit("/", 1)[-1]: w for w in repo.workflows}
    findings = []
    for workflow, target in dict.fromkeys(targets):
        started = known.get(target)
        if started is None:
            message = f"dispatches {target}, which is not a workflow here"
            findings.append(Finding(message, workflow.path, 1))
        elif "workflow_dispatch" not in started.triggers:
            message = f"{target} has no workflow_dispatch trigger"
            findings.append(Finding(message, started.path, started.on_line))
    return findings
