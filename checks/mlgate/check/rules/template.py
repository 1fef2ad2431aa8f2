"""TEMPLATE: a project made from a template records where from, so template updates can reach it."""

from __future__ import annotations

import json
import re

from ...errors import CouldNotCheck
from ...io.template_repo import cloned, reachable
from ..execution import Run, mlgate_command, runs_of
from ..model import Finding, NotApplicable, NotRun
from ..repo import Repo, Workflow, is_fixture
from ..yaml_lines import line_of
from .base import Rule
from .drift import schedules
from .monitor import full_history

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


def update_runs(repo: Repo) -> list[tuple[Workflow, Run]]:
    """Steps of any workflow that run `mlgate update` (a run, not a mention)."""
    return [(w, run) for w in repo.workflows for run in runs_of(repo, w, mlgate_command("update"))]


class TEMPLATE102(TEMPLATE):
    """A scheduled workflow runs `mlgate update` and proposes the result with `mlgate pr`."""

    requires = frozenset({"GHA101", "TEMPLATE101"})
    fix = (
        "Add template.yml (as the template has it): checkout with `fetch-depth: 0`, weekly "
        "`make template-update` (mlgate update --body-file ...), then `mlgate pr --branch "
        "template/update --body-file ... --checks ci.yml` in the same job."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        found = update_runs(repo)
        if not found:
            message = ("no workflow runs `mlgate update`: template changes never reach this "
                       "project unless someone runs it")  # fmt: skip
            return [Finding(message, ".github/workflows")]
        findings = []
        for workflow, run in found:
            if not schedules(workflow):
                findings.append(Finding("runs `mlgate update`, but not on a schedule",
                                        workflow.path, workflow.on_line))  # fmt: skip
                continue
            proposals = [p for p in runs_of(repo, workflow, mlgate_command("pr"))
                         if p.site.job_name == run.site.job_name
                         and p.site.index > run.site.index]  # fmt: skip
            if not proposals:
                findings.append(Finding(
                    f"job {run.site.job_name} runs `mlgate update` but proposes nothing after "
                    "it (`mlgate pr`): the update is lost with the runner", workflow.path,
                    run.line))  # fmt: skip
            elif not full_history(run.site):
                findings.append(Finding(
                    f"job {run.site.job_name} checks out without `fetch-depth: 0`: the "
                    "three-way merge cannot find the files as first rendered, so every "
                    "conflict becomes a .rej file", workflow.path, run.line))  # fmt: skip
            else:
                return []
        return findings


CONFLICT = re.compile(r"^<{7} .*?^={7}$.*?^>{7}(?: |$)", re.MULTILINE | re.DOTALL)
NOT_TEXT = {"png", "jpg", "jpeg", "gif", "pdf", "zip", "gz", "joblib", "pkl", "parquet", "npy"}


class TEMPLATE103(TEMPLATE):
    """No template update is left half-merged: no conflict markers, no `.rej` files."""

    fix = (
        "Resolve each conflict (keep your lines, the template's, or both) and delete the "
        "markers; apply each .rej file's change by hand, then delete it."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for path in repo.files:
            if path.endswith(".rej"):
                findings.append(Finding("a change a template update could not apply", path))
                continue
            if path.rsplit(".", 1)[-1].lower() in NOT_TEXT or is_fixture(path):
                continue
            text = repo.read(path, keep=False).text  # read once: not kept for other rules
            if text is None or "<<<<<<< " not in text:
                continue
            found = CONFLICT.search(text)
            if found:
                line = text.count("\n", 0, found.start()) + 1
                findings.append(Finding("holds unresolved conflict markers", path, line))
        return findings


class TEMPLATE104(TEMPLATE):
    """The project is at most `check.template.max_releases_behind` template releases behind."""

    requires = frozenset({"TEMPLATE101"})
    fix = (
        "Merge the template update pull request (template.yml), or run `mlgate update` and "
        "commit. Reading the template's releases needs its repository: offline this rule is "
        "not run, never passed."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        limit = max_releases_behind(repo)
        if isinstance(limit, Finding):
            return [limit]
        record = json.loads(repo.read(RECORD).text or "{}")
        template, commit = str(record.get("template", "")), str(record.get("commit", ""))
        if not template or not commit:
            raise NotApplicable  # TEMPLATE101 says what is missing
        template = reachable(template, repo.root)
        try:
            with cloned(template) as history:
                recorded = history.resolve(commit)
                if recorded is None:
                    return [Finding(f"the template {template} has no commit {commit}: "
                                    "`mlgate update --adopt` finds the one this project "
                                    "matches", RECORD, 1)]  # fmt: skip
                missing = history.releases_behind(recorded, record.get("directory"))
        except CouldNotCheck as exc:
            raise NotRun(str(exc)) from None
        if len(missing) <= limit:
            return []
        listed = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        return [Finding(f"{len(missing)} template releases behind ({listed}); at most {limit} "
                        "allowed by check.template.max_releases_behind", RECORD, 1)]  # fmt: skip


def max_releases_behind(repo: Repo) -> int | Finding:
    """The limit from mlgate.yaml; NotApplicable when none is set; a Finding when it is bad."""
    section = repo.policy_section("check").get("template")
    if section is None:
        raise NotApplicable("no check.template.max_releases_behind in mlgate.yaml")
    value = section.get("max_releases_behind") if isinstance(section, dict) else section
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return Finding("check.template.max_releases_behind must be a whole number of 0 or "
                       f"more, not {value!r}", "mlgate.yaml",
                       line_of(repo.policy_section("check"), "template"))  # fmt: skip
    return value
