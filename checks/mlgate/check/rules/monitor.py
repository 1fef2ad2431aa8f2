"""MONITOR: production judged on its real outcomes, on a schedule, against the deployed release."""

from __future__ import annotations

import re
from typing import Any

from ...policy import DEFAULT_HELD_OUT, DEPLOYED, MonitorPolicy
from ..execution import Site, mlgate_command, runs_of
from ..manifests import Manifest, deployables, members
from ..model import Finding, NotApplicable, Severity
from ..pipeline import command, outputs, stages_line
from ..repo import Repo, Workflow
from ..yaml_lines import line_of
from .base import Rule
from .drift import retrain_findings, schedules, section_findings

CHECKOUT = "actions/checkout"
# What the service's alerts must watch (issue 19): each by the metric its expression reads.
WATCHED = {
    "the error rate": "http_requests_total",
    "the p95 latency": "http_request_duration_seconds_bucket",
    "readiness": "model_ready",
    "log write failures": "log_write_errors_total",
    "unseen categories": "unseen_categories_total",
}
THRESHOLD = re.compile(r">\s*([0-9][0-9.]*(?:[eE][-+]?[0-9]+)?)\s*$")


class MONITOR(Rule):
    family = "monitor"
    part = "monitor"


def monitor_workflows(repo: Repo) -> list[Workflow]:
    """Workflows that run `mlgate monitor` (a run, not a mention)."""
    return [w for w in repo.workflows if runs_of(repo, w, mlgate_command("monitor"))]


class MONITOR101(MONITOR):
    """A scheduled workflow runs `mlgate monitor`."""

    requires = frozenset({"GHA101"})
    fix = (
        "Add a job to the scheduled drift workflow: `make window`, `make outcomes`, then "
        "`mlgate monitor` (drift.yml in the template)."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        running = monitor_workflows(repo)
        if any("schedule" in w.triggers and schedules(w) for w in running):
            return []
        if running:
            first = running[0]
            return [Finding("runs `mlgate monitor`, but not on a schedule", first.path,
                            first.on_line)]  # fmt: skip
        return [Finding("no scheduled workflow runs `mlgate monitor`", ".github/workflows")]


class MONITOR102(MONITOR):
    """The monitoring policy in mlgate.yaml is valid."""

    requires = frozenset({"GATE101"})
    fix = (
        "Fix `monitor:` as the message says: outcomes (path; url and token_env; or dvc), "
        "baseline (deployed or a tag), min_labels of at least 1, held_out, rules, retrain."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return section_findings(repo, "monitor", MonitorPolicy.from_policy)


class MONITOR103(MONITOR):
    """The pipeline keeps the model's held-out answers and profiles them for prediction drift."""

    requires = frozenset({"DVC101"})
    severity = Severity.WARNING
    fix = (
        "Have the evaluate stage write each test row's prediction, probabilities and outcome "
        "to models/held_out.jsonl (an out), and run `mlgate profile ... --outputs "
        "models/held_out.jsonl`: prediction drift and the label-free estimate need them."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        held_out = repo.policy_section("monitor").get("held_out", DEFAULT_HELD_OUT)
        held_out = held_out if isinstance(held_out, str) else DEFAULT_HELD_OUT
        if not any(held_out in outputs(stage) for stage in repo.stages.values()):
            return [Finding(f"no stage writes {held_out} (the model's answers on the test split)",
                            "dvc.yaml", stages_line(repo))]  # fmt: skip
        profiling = [s for s in repo.stages.values() if "mlgate profile" in command(s)]
        if profiling and not any(f"--outputs {held_out}" in command(s) for s in profiling):
            return [Finding(f"the `mlgate profile` stage does not profile {held_out} "
                            "(`--outputs`): the model's answers are not watched",
                            "dvc.yaml", stages_line(repo))]  # fmt: skip
        return []


class MONITOR104(MONITOR):
    """With `monitor.baseline: deployed`, the monitor job can ask the service and find its tag."""

    requires = frozenset({"MONITOR101", "MONITOR102"})
    fix = (
        "In the job that runs `mlgate monitor`: `env: SERVICE_URL: ${{ vars.SERVICE_URL }}` "
        "(the service's /version names the release) and actions/checkout with "
        "`fetch-depth: 0` (the release tags)."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        if repo.policy_section("monitor").get("baseline") != DEPLOYED:
            raise NotApplicable("monitor.baseline is not 'deployed'")
        findings = []
        for workflow in monitor_workflows(repo):
            for run in runs_of(repo, workflow, mlgate_command("monitor")):
                site = run.site
                if not _sets(site, "SERVICE_URL"):
                    findings.append(Finding(
                        "`mlgate monitor` runs without SERVICE_URL in its environment: "
                        "monitor.baseline 'deployed' cannot ask the service which release it runs",
                        site.holder.path, run.line))  # fmt: skip
                if not full_history(site):
                    findings.append(Finding(
                        f"job {site.job_name!r} checks out without `fetch-depth: 0`: the "
                        "release tags monitor.baseline 'deployed' compares with are missing",
                        site.holder.path, run.line))  # fmt: skip
        return findings


def _sets(site: Site, name: str) -> bool:
    """Whether the step, its job or its workflow puts `name` in the environment."""
    places: list[Any] = [site.step.get("env"), site.job.get("env"), site.workflow.data.get("env")]
    return any(isinstance(env, dict) and name in env for env in places)


def full_history(site: Site) -> bool:
    """Whether the job's checkout fetches every commit and tag (`fetch-depth: 0`)."""
    for step in site.job.get("steps") or []:
        uses = step.get("uses") if isinstance(step, dict) else None
        if isinstance(uses, str) and uses.split("@")[0] == CHECKOUT:
            depth = (step.get("with") or {}).get("fetch-depth")
            return str(depth) == "0"
    return True  # no checkout here: nothing to say about its depth


class MONITOR105(MONITOR):
    """With `monitor.retrain: true`, the monitor workflow starts a retrain workflow that exists."""

    requires = frozenset({"MONITOR101", "MONITOR102"})
    fix = (
        "In the monitor workflow, on a performance failure: `mlgate dispatch retrain.yml "
        "--if-policy monitor.retrain` in a job with `actions: write`; retrain.yml needs "
        "`workflow_dispatch:`."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return retrain_findings(repo, monitor_workflows(repo), "monitor")


class MONITOR106(MONITOR):
    """What is deployed is scraped and alerted on, the latency alert at verify.p95_ms."""

    requires = frozenset({"DEPLOY101"})
    severity = Severity.WARNING
    fix = (
        "Deploy a ServiceMonitor for the service and a PrometheusRule alerting on the error "
        "rate, the p95 latency of /predict (at verify.p95_ms), model_ready, "
        "log_write_errors_total and unseen_categories_total (deploy/monitoring/ in the template)."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        found = deployables(repo)
        if not found.workloads():
            raise NotApplicable("no workload is deployed")
        built = [m for leaf in found.leaves for m in members(found, leaf)] or found.manifests
        where = found.leaves[0] if found.leaves else found.workloads()[0].path
        findings = []
        if not any(m.kind in ("ServiceMonitor", "PodMonitor") for m in built):
            findings.append(Finding("nothing deployed has Prometheus scrape the service "
                                    "(no ServiceMonitor or PodMonitor)", where))  # fmt: skip
        rules = [m for m in built if m.kind == "PrometheusRule"]
        if not rules:
            findings.append(Finding("no PrometheusRule alerts on the service", where))
            return findings
        alerts = [(m, rule) for m in rules for rule in _alert_rules(m)]
        exprs = " ".join(str(rule.get("expr", "")) for _, rule in alerts)
        unwatched = [what for what, metric in WATCHED.items() if metric not in exprs]
        if unwatched:
            findings.append(Finding(f"no alert watches {', '.join(unwatched)}", rules[0].path,
                                    line_of(rules[0].document, "spec")))  # fmt: skip
        budget_ms = _p95_budget(repo)
        for manifest, rule in alerts:
            expr = str(rule.get("expr", ""))
            if "histogram_quantile(0.95" not in expr.replace(" ", ""):
                continue
            match = THRESHOLD.search(expr.strip())
            if match and abs(float(match.group(1)) * 1000 - budget_ms) > 1e-6:
                findings.append(Finding(
                    f"alert {rule.get('alert')!r} fires above {match.group(1)} s, but "
                    f"verify.p95_ms is {budget_ms:g} ms: one budget, two numbers",
                    manifest.path, line_of(rule, "expr")))  # fmt: skip
        return findings


def _alert_rules(manifest: Manifest) -> list[dict[str, Any]]:
    groups = (manifest.document.get("spec") or {}).get("groups")
    return [
        rule
        for group in groups if isinstance(groups, list) and isinstance(group, dict)
        for rule in group.get("rules") or [] if isinstance(rule, dict) and "alert" in rule
    ]  # fmt: skip


def _p95_budget(repo: Repo) -> float:
    """verify.p95_ms of mlgate.yaml (200 when not set or not a number)."""
    value = repo.policy_section("verify").get("p95_ms", 200)
    return float(value) if type(value) in (int, float) else 200.0
