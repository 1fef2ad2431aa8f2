"""GHA: workflows and composite actions that parse, grant little, pin actions, keep tokens safe.

These rules own the defects zizmor's excessive-permissions, unpinned-uses, dangerous-triggers,
artipacked and template-injection audits also find: the runner reports them once, here (see
`runner.OWNED_AUDITS`). Steps are audited in workflows and in composite actions alike.

One class per rule, as repo-review wants; the family is long because it has the most rules.
"""

from __future__ import annotations

import re
from typing import Any

from ..execution import condition, event_contexts, sites
from ..injection import Source, expansions, input_types
from ..model import Finding, NotApplicable, Severity
from ..repo import Repo, Workflow, action_name, is_checkout, run_text, uses_text
from ..yaml_lines import line_in_value, line_of
from .base import Rule

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
PR_HEAD = re.compile(
    r"github\.(event\.pull_request\.head\.(sha|ref)|head_ref)|refs/pull/|"
    r"event\.workflow_run\.head_(sha|branch)|pull_request\.merge_commit_sha"
)
# A script that runs what a checkout brought: build tools, installers, the project's scripts.
RUNS_CODE = re.compile(
    r"(^|[;&|(])\s*(?:sudo\s+)?(make|npm|npx|yarn|pnpm|pip3?|python3?|pytest|tox|nox|uv|poetry|"
    r"go|cargo|mvn|gradle|\./gradlew|skaffold|bazel|docker|podman|bash|sh|node|ruby|bundle|"
    r"dotnet|cmake|\.{0,2}/[\w./-]+)\b",
    re.MULTILINE,
)
# A value only people with write access set (dispatch inputs, matrix values, branch names,
# earlier steps' outputs) is not reported: whoever can set it can edit the workflow too.
SEVERITY_OF = {Source.ATTACKER: Severity.ERROR, Source.UNKNOWN: Severity.WARNING}


class GHA(Rule):
    family = "gha"
    part = "gha"


def step_holders(repo: Repo) -> list[Workflow]:
    """Workflows and composite actions: both hold steps the same rules audit."""
    return [*repo.workflows, *repo.actions]


def where(holder: Workflow, job: str) -> str:
    return "the action" if holder.action else f"job {job!r}"


class GHA101(GHA):
    """Workflows and composite actions parse (a workflow: `on:` and a mapping of jobs)."""

    fix = "Fix the YAML so GitHub can load it (the message says where)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for path in repo.workflow_files:
            parsed = repo.yaml(path)
            data = parsed.data
            if not parsed.ok:
                findings.append(Finding(f"{path} {parsed.problem}", path, parsed.line))
            elif not isinstance(data, dict):
                findings.append(Finding(f"a workflow is a mapping, not {_kind(data)}", path, 1))
            elif "on" not in data and True not in data:
                findings.append(Finding("no `on:` triggers", path, 1))
            elif not isinstance(data.get("jobs"), dict) or not data["jobs"]:
                findings.append(Finding("no `jobs:` mapping", path, line_of(data, "jobs") or 1))
            else:
                findings += [
                    Finding(
                        f"job {name!r} is not a mapping with runs-on or uses",
                        path,
                        line_of(data["jobs"], name),
                    )
                    for name, job in data["jobs"].items()
                    if not isinstance(job, dict) or not ("runs-on" in job or "uses" in job)
                ]
        for path in repo.action_files:
            parsed = repo.yaml(path)
            if not parsed.ok:
                findings.append(Finding(f"{path} {parsed.problem}", path, parsed.line))
        return findings


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", type(None): "empty"}.get(type(value), "a value")


def _grants(value: Any) -> str:
    """'write' when a permissions value grants any write, 'read' for read only, else 'none'."""
    if value in ("write-all",):
        return "write"
    if value in ("read-all",):
        return "read"
    if isinstance(value, dict):
        levels = {str(level) for level in value.values()}
        return "write" if "write" in levels else "read" if "read" in levels else "none"
    return "none"


class GHA102(GHA):
    """Every workflow starts from no permissions: `permissions: {{}}` at the top."""

    requires = frozenset({"GHA101"})
    fix = "Add `permissions: {}` at the top and grant each job only what it needs."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for workflow in repo.workflows:
            data = workflow.data
            if data.get("permissions") == {}:
                continue
            # a job that runs steps or calls a reusable workflow takes the top-level grant
            own = all("permissions" in job for job in workflow.jobs.values())
            if "permissions" not in data:
                if not own:  # every job states its own: the top-level default reaches none
                    findings.append(
                        Finding(
                            "no top-level permissions: jobs without their own get the "
                            "repository's default token",
                            workflow.path,
                            line_of(data) or 1,
                            severity=Severity.WARNING,
                        )
                    )
                continue
            granted = _grants(data["permissions"])
            if own:
                continue
            # one job that takes the top-level grant: the same as granting it on the job
            alone = len(workflow.jobs) == 1
            severity = Severity.ERROR if granted == "write" and not alone else Severity.INFO
            findings.append(
                Finding(
                    f"top-level permissions grant {granted} access to every job, not `{{}}`",
                    workflow.path,
                    line_of(data, "permissions"),
                    severity=severity,
                )
            )
        return findings


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
                value, line = owner["permissions"], line_of(owner, "permissions")
                if value == "write-all":
                    findings.append(Finding(f"{what} grants write-all", workflow.path, line))
                elif value == "read-all":
                    findings.append(
                        Finding(
                            f"{what} grants read-all",
                            workflow.path,
                            line,
                            severity=Severity.WARNING,
                        )
                    )
                elif isinstance(value, dict):
                    for scope, level in value.items():
                        if scope not in SCOPES or level not in ("read", "write", "none"):
                            findings.append(
                                Finding(
                                    f"{what}: `{scope}: {level}` is not a scope grant",
                                    workflow.path,
                                    line_of(value, scope) or line,
                                )
                            )
                elif value is not None and value != {}:
                    findings.append(Finding(f"{what} grants `{value}`", workflow.path, line))
        return findings


class GHA104(GHA):
    """Every action and reusable workflow is pinned to a full commit SHA."""

    requires = frozenset({"GHA101"})
    fix = "Use `owner/action@<40-hex sha> # vX.Y.Z` (Dependabot keeps pins current)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for holder in step_holders(repo):
            for name, job in holder.jobs.items():
                for owner in [job, *holder.steps(job)]:
                    uses = uses_text(owner)
                    if not uses or uses.startswith("./") or _pinned(uses):
                        continue
                    findings.append(
                        Finding(
                            f"{where(holder, name)} uses `{uses}`, not a commit SHA",
                            holder.path,
                            line_of(owner, "uses"),
                        )
                    )
        return findings


def _pinned(uses: str) -> bool:
    if uses.startswith("docker://"):
        return "@sha256:" in uses
    _, _, ref = uses.partition("@")
    return bool(SHA.match(ref))


class GHA105(GHA):
    """pull_request_target and workflow_run workflows never run the pull request's code."""

    requires = frozenset({"GHA101"})
    fix = (
        "Use `pull_request` to build and test contributions; keep pull_request_target for "
        "labelling or commenting, without checking out or running the pull request's code."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for workflow in repo.workflows:
            risky = [t for t in ("pull_request_target", "workflow_run") if t in workflow.triggers]
            if not risky:
                continue
            on_line = workflow.on_line
            pwned = _runs_checked_out_code(repo, workflow)
            if pwned:
                findings += pwned
                continue
            findings.append(
                Finding(
                    f"runs on {risky[0]} (a write token and secrets on outsiders' pull "
                    "requests); it does not check out their code",
                    workflow.path,
                    on_line,
                    severity=Severity.WARNING,
                )
            )
        return findings


def _runs_checked_out_code(repo: Repo, workflow: Workflow) -> list[Finding]:
    """A checkout of the pull request's head, then a step that runs code from it."""
    findings = []
    checked_out: dict[str, int | None] = {}
    for site in sites(repo, workflow):
        with_ = site.step.get("with") if isinstance(site.step.get("with"), dict) else {}
        uses = action_name(site.step)
        if uses == "actions/checkout" and PR_HEAD.search(str(with_.get("ref", ""))):
            checked_out[site.job_name] = site.line()
            continue
        if site.job_name not in checked_out:
            continue
        local_action = bool(site.callers) or uses_text(site.step).startswith("./")
        if RUNS_CODE.search(run_text(site.step)) or local_action:
            findings.append(
                Finding(
                    f"job {site.job_name!r} checks out the pull request's code (line "
                    f"{checked_out[site.job_name]}) and runs it with a write token and secrets",
                    site.holder.path,
                    site.line(),
                )
            )
            del checked_out[site.job_name]
    return findings


class GHA106(GHA):
    """Checkouts do not persist credentials (`persist-credentials: false`)."""

    requires = frozenset({"GHA101"})
    severity = Severity.WARNING
    fix = "Add `with: {persist-credentials: false}`; push with an explicit token where needed."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for holder in step_holders(repo):
            for name, _, step in holder.all_steps():
                with_ = step.get("with") if isinstance(step.get("with"), dict) else {}
                if is_checkout(step) and str(with_.get("persist-credentials")).lower() != "false":
                    findings.append(
                        Finding(
                            f"a checkout in {where(holder, name)} keeps the token",
                            holder.path,
                            line_of(step),
                        )
                    )
        return findings


class GHA107(GHA):
    """Values outsiders write reach `run:` scripts only through `env:`, never as `${{{{ }}}}`."""

    requires = frozenset({"GHA101"})
    fix = 'Map the value to an env variable (`env: TITLE: ${{ ... }}`) and use "$TITLE".'

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for holder in step_holders(repo):
            types = input_types(holder.data)
            for name, job in holder.jobs.items():
                steps = holder.steps(job)
                actions = {str(s["id"]): action_name(s) for s in steps if "id" in s}
                env = {**_env(holder.data), **_env(job)}
                findings += _injections(holder, name, steps, types, actions, env)
        return findings


def _injections(
    holder: Workflow,
    job: str,
    steps: list[dict[str, Any]],
    types: dict[str, str],
    actions: dict[str, str],
    env: dict[str, Any],
) -> list[Finding]:
    """One finding per step and context (the first place it is expanded)."""
    findings = []
    for step in steps:
        seen: set[str] = set()
        step_env = {**env, **_env(step)}
        for key, text in _scripts(step):
            for found in expansions(text, types, actions, step_env):
                severity = SEVERITY_OF.get(found.source)
                if severity is None or found.context in seen:
                    continue
                seen.add(found.context)
                findings.append(
                    Finding(
                        f"{where(holder, job)} expands `${{{{ {found.expression} }}}}` "
                        f"in a script: {_source_words(found.source, found.context)}",
                        holder.path,
                        line_in_value(step, key, text, found.offset)
                        if key == "run"
                        else line_of(step, key),  # github-script: the `with:` line
                        severity=severity,
                    )
                )
    return findings


def _env(owner: Any) -> dict[str, Any]:
    env = owner.get("env") if isinstance(owner, dict) else None
    return {str(k): v for k, v in env.items()} if isinstance(env, dict) else {}


def _scripts(step: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    if run_text(step):
        found.append(("run", run_text(step)))
    if action_name(step) == "actions/github-script":
        with_ = step.get("with")
        if isinstance(with_, dict) and isinstance(with_.get("script"), str):
            found.append(("with", with_["script"]))
    return found


def _source_words(source: Source, context: str) -> str:
    if source is Source.ATTACKER:
        return f"{context} is written by whoever opens the pull request, issue or comment"
    if source is Source.UNKNOWN:
        return f"{context} may carry text an outsider wrote"
    return f"{context} is set by maintainers or an earlier step; prefer env:"


class GHA108(GHA):
    """Every job has a `timeout-minutes`, so a hung step cannot hold a runner for 6 hours."""

    requires = frozenset({"GHA101"})
    severity = Severity.WARNING
    fix = "Add `timeout-minutes:` to the job."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return [
            Finding(f"job {name!r} has no timeout-minutes", w.path, line_of(w.data["jobs"], name))
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
        pr = [w for w in repo.workflows if _supersedable(w.triggers.get("pull_request", False))]
        if not pr:
            raise NotApplicable("no pull-request workflow")
        return [
            Finding(
                "no concurrency group cancels superseded runs",
                w.path,
                line_of(w.data, "concurrency") or w.on_line,
            )
            for w in pr
            if not _cancels(w)
        ]


def _supersedable(spec: Any) -> bool:
    """Runs on pull requests that a new push supersedes (not only on `closed`, `labeled`...)."""
    if spec is False:
        return False
    types = spec.get("types") if isinstance(spec, dict) else None
    if types is None:
        return True
    listed = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    return "synchronize" in listed


def _cancels(workflow: Workflow) -> bool:
    owners = [workflow.data.get("concurrency")] + [
        job.get("concurrency") for job in workflow.jobs.values()
    ]
    for concurrency in owners:
        if not isinstance(concurrency, dict):
            continue
        cancel = concurrency.get("cancel-in-progress")
        if cancel is True or (isinstance(cancel, str) and cancel.strip().lower() == "true"):
            return True
        expression = isinstance(cancel, str) and "${{" in cancel
        if expression and condition(cancel, event_contexts("pull_request")) is not False:
            return True
    return False
