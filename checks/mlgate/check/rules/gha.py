"""GHA: workflows that parse, start from no permissions, pin actions, and keep secrets safe."""

from __future__ import annotations

import re
from typing import Any

from ..model import Finding, NotApplicable, Severity
from ..repo import Repo, Workflow, run_text, uses_text
from .base import Rule
from .workflow_facts import is_checkout, on_pull_request

SHA = re.compile(r"^[0-9a-f]{40}$")
SCOPES = {
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
}
UNTRUSTED = re.compile(
    r"\$\{\{[^}]*\b(github\.event\.|github\.head_ref|inputs\.|steps\.[^}]*\.outputs\.)"
)


class GHA(Rule):
    family = "gha"


class GHA101(GHA):
    """Workflows exist and each parses as a GitHub workflow (`on:` and a mapping of jobs)."""

    fix = "Add .github/workflows/ (the template's ci.yml, release.yml, drift.yml) and fix the YAML."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        if not repo.workflow_files:
            return [Finding("no workflows in .github/workflows", ".github/workflows")]
        findings = []
        for path in repo.workflow_files:
            parsed = repo.yaml(path)
            data = parsed.data
            if not parsed.ok:
                findings.append(Finding(f"{path} {parsed.problem}", path))
            elif not isinstance(data, dict):
                findings.append(Finding(f"a workflow is a mapping, not {_kind(data)}", path))
            elif "on" not in data and True not in data:
                findings.append(Finding("no `on:` triggers", path))
            elif not isinstance(data.get("jobs"), dict) or not data["jobs"]:
                findings.append(Finding("no `jobs:` mapping", path))
            else:
                findings += [
                    Finding(
                        f"job {name!r} is not a mapping with runs-on or uses",
                        path,
                        Workflow(path, data).line(data["jobs"], name),
                    )
                    for name, job in data["jobs"].items()
                    if not isinstance(job, dict) or not ("runs-on" in job or "uses" in job)
                ]
        return findings


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", type(None): "empty"}.get(type(value), "a value")


class GHA102(GHA):
    """Every workflow starts from no permissions: `permissions: {{}}` at the top."""

    requires = frozenset({"GHA101"})
    fix = "Add `permissions: {}` at the top and grant each job only what it needs."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return [
            Finding("top-level permissions are not `{}`", w.path, w.line(w.data, "permissions"))
            for w in repo.workflows
            if w.data.get("permissions") != {}
        ]


class GHA103(GHA):
    """Jobs get named scopes only (never read-all / write-all), each read, write or none."""

    requires = frozenset({"GHA101"})
    fix = "Replace blanket grants by the scopes the job uses, e.g. `contents: read`."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for workflow in repo.workflows:
            owners = [("the workflow", workflow.data)] + [
                (f"job {name!r}", job) for name, job in workflow.jobs.items()
            ]
            for what, owner in owners:
                if "permissions" not in owner:
                    continue
                value, line = owner["permissions"], workflow.line(owner, "permissions")
                if isinstance(value, str) or value is None:
                    findings.append(Finding(f"{what} grants `{value}`", workflow.path, line))
                elif isinstance(value, dict):
                    for scope, level in value.items():
                        if scope not in SCOPES or level not in ("read", "write", "none"):
                            findings.append(
                                Finding(
                                    f"{what}: `{scope}: {level}` is not a scope grant",
                                    workflow.path,
                                    line,
                                )
                            )
        return findings


class GHA104(GHA):
    """Every action is pinned to a full commit SHA."""

    requires = frozenset({"GHA101"})
    fix = "Use `owner/action@<40-hex sha> # vX.Y.Z` (Dependabot keeps pins current)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for workflow in repo.workflows:
            for name, job in workflow.jobs.items():
                targets = [(job, "uses")] + [(s, "uses") for s in workflow.steps(job)]
                for owner, key in targets:
                    uses = uses_text(owner)
                    if not uses or uses.startswith("./") or _pinned(uses):
                        continue
                    findings.append(
                        Finding(
                            f"job {name!r} uses `{uses}`, not a commit SHA",
                            workflow.path,
                            workflow.line(owner, key),
                        )
                    )
        return findings


def _pinned(uses: str) -> bool:
    if uses.startswith("docker://"):
        return "@sha256:" in uses
    _, _, ref = uses.partition("@")
    return bool(SHA.match(ref))


class GHA105(GHA):
    """No workflow runs on `pull_request_target` (it hands fork code a write token)."""

    requires = frozenset({"GHA101"})
    fix = "Use `pull_request`; post comments from a separate job with its own permissions."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return [
            Finding(
                "runs on pull_request_target", w.path, w.line(w.data, "on") or w.line(w.data, True)
            )
            for w in repo.workflows
            if "pull_request_target" in w.triggers
        ]


class GHA106(GHA):
    """Checkouts do not persist credentials (`persist-credentials: false`)."""

    requires = frozenset({"GHA101"})
    fix = "Add `with: {persist-credentials: false}`; push with an explicit token where needed."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for workflow in repo.workflows:
            for name, _, step in workflow.all_steps():
                with_ = step.get("with") if isinstance(step.get("with"), dict) else {}
                if is_checkout(step) and str(with_.get("persist-credentials")).lower() != "false":
                    findings.append(
                        Finding(
                            f"a checkout in job {name!r} keeps the token",
                            workflow.path,
                            workflow.line(step),
                        )
                    )
        return findings


class GHA107(GHA):
    """Untrusted input reaches `run:` only through `env:`, never as `${{{{ }}}}` in a script."""

    requires = frozenset({"GHA101"})
    fix = 'Map the value to an env variable (`env: TITLE: ${{ ... }}`) and use "$TITLE".'

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for workflow in repo.workflows:
            for name, _, step in workflow.all_steps():
                match = UNTRUSTED.search(run_text(step))
                if match:
                    findings.append(
                        Finding(
                            f"job {name!r} expands `{match.group(0)}...` in a script",
                            workflow.path,
                            workflow.line(step, "run"),
                        )
                    )
        return findings


class GHA108(GHA):
    """Every job has a `timeout-minutes`, so a hung step cannot hold a runner for 6 hours."""

    requires = frozenset({"GHA101"})
    severity = Severity.WARNING
    fix = "Add `timeout-minutes:` to the job."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return [
            Finding(f"job {name!r} has no timeout-minutes", w.path, w.line(w.jobs, name))
            for w in repo.workflows
            for name, job in w.jobs.items()
            if "runs-on" in job and "timeout-minutes" not in job
        ]


class GHA109(GHA):
    """Pull-request workflows cancel superseded runs (`concurrency` with cancel-in-progress)."""

    requires = frozenset({"GHA101"})
    severity = Severity.WARNING
    fix = (
        "Add `concurrency: {group: ${{ github.workflow }}-${{ github.ref }}, "
        "cancel-in-progress: true}`."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        pr = [w for w in repo.workflows if on_pull_request(w)]
        if not pr:
            raise NotApplicable("no pull-request workflow")
        return [
            Finding("no concurrency group cancels superseded runs", w.path)
            for w in pr
            if not _cancels(w.data.get("concurrency"))
        ]


def _cancels(concurrency: Any) -> bool:
    return isinstance(concurrency, dict) and concurrency.get("cancel-in-progress") not in (
        None,
        False,
        "false",
    )
