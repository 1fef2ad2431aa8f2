"""The generated GitHub workflows, read as files: secure, valid, and shaped as the spec says.

zizmor (pedantic, offline) and the GitHub workflow JSON schema run once per distinct set of
workflow texts: the 1440 renders differ in their workflows only by a few answers.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from rendering import COMBINATIONS, combination_id, render
from support import VENV_BIN, tool_env

WORKFLOWS = ("ci.yml", "release.yml", "drift.yml", "retrain.yml", "template.yml")
PINNED_USES = re.compile(
    r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s+v\d+(\.\d+)*\s*$"
)
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:")
UNTRUSTED = re.compile(r"\$\{\{\s*(github\.event|inputs|github\.head_ref)")
MAKE_CALL = re.compile(r"\bmake\s+((?:-[-\w]+\s+)*)([A-Za-z][\w-]*)")
MAKE_TARGET = re.compile(r"^([A-Za-z][\w.-]*)\s*:(?!=)", re.MULTILINE)
# Write scopes each job may hold; every other grant is `read`, and other jobs hold no write.
WRITE_SCOPES: dict[tuple[str, str], set[str]] = {
    ("ci.yml", "report"): {"pull-requests"},
    ("ci.yml", "check"): {"security-events"},
    ("release.yml", "image"): {"packages", "id-token", "attestations"},
    ("release.yml", "deploy"): {"contents", "pull-requests", "actions"},
    ("drift.yml", "issue"): {"issues"},
    ("drift.yml", "performance-issue"): {"issues"},
    ("drift.yml", "retrain"): {"actions"},
    ("retrain.yml", "retrain"): {"contents", "pull-requests", "actions"},
    ("template.yml", "update"): {"contents", "pull-requests", "actions"},
}


@dataclass
class WorkflowSet:
    """One distinct set of workflow texts and the renders that have it."""

    project: Path  # a render with these texts
    answers: list[dict[str, str]] = field(default_factory=list)

    @property
    def directory(self) -> Path:
        return self.project / ".github" / "workflows"

    def text(self, name: str) -> str:
        return (self.directory / name).read_text(encoding="utf-8")

    def data(self, name: str) -> dict[str, Any]:
        return yaml.safe_load(self.text(name))

    @property
    def deploy(self) -> str:
        return self.answers[0]["deploy"]


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The `on:` mapping (YAML 1.1 reads the bare key `on` as True)."""
    on = workflow.get("on", workflow.get(True))
    return on if isinstance(on, dict) else {}


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps") or []


def all_steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in workflow["jobs"].items() for step in steps(job)]


def uses(step: dict[str, Any]) -> str:
    return str(step.get("uses", "")).split("@")[0]


def runs(workflow: dict[str, Any]) -> list[str]:
    return [str(step["run"]) for _, step in all_steps(workflow) if "run" in step]


def upstream(workflow: dict[str, Any], job: str) -> set[str]:
    """Every job `job` needs, directly or through others."""
    seen: set[str] = set()
    todo = [job]
    while todo:
        needs = workflow["jobs"][todo.pop()].get("needs", [])
        for parent in [needs] if isinstance(needs, str) else needs:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def describe(finding: dict[str, Any]) -> str:
    """A zizmor JSON finding as `audit file:line`."""
    where = (finding.get("locations") or [{}])[0]
    path = where.get("symbolic", {}).get("key", {}).get("Local", {}).get("verbatim_path", "?")
    row = where.get("concrete", {}).get("location", {}).get("start_point", {}).get("row", -1)
    return f"{finding.get('ident')} {path}:{row + 1}"


@pytest.fixture(scope="module")
def workflow_sets(rendered: dict[str, Path]) -> list[WorkflowSet]:
    """The renders grouped by the bytes of their four workflows."""
    groups: dict[str, WorkflowSet] = {}
    for answers in COMBINATIONS:
        project = rendered[combination_id(answers)]
        digest = hashlib.sha256()
        for name in WORKFLOWS:
            digest.update((project / ".github" / "workflows" / name).read_bytes())
        group = groups.setdefault(digest.hexdigest(), WorkflowSet(project))
        group.answers.append(answers)
    return list(groups.values())


@pytest.fixture(scope="module")
def custom_answers(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    """A render with answers the combinations keep at their defaults."""
    answers = {"drift_schedule": "*/30 2 * * 1-5", "github_owner": "Mixed-Case-Org"}
    return answers, render(tmp_path_factory.mktemp("custom-answers"), **answers)


def test_the_answers_that_vary_the_workflows(workflow_sets: list[WorkflowSet]) -> None:
    """Only deploy and python_version change the workflow texts (2 x 3 distinct sets)."""
    keys = {(s.answers[0]["deploy"], s.answers[0]["python_version"]) for s in workflow_sets}
    assert len(workflow_sets) == len(keys) == 6


def test_zizmor_pedantic_finds_nothing(workflow_sets: list[WorkflowSet], home: Path) -> None:
    """zizmor --persona pedantic, offline, default policy: zero findings on every set, and on
    everything else it collects from a project (dependabot.yml: its cooldown audit)."""
    zizmor = shutil.which("zizmor", path=str(VENV_BIN))
    assert zizmor, "zizmor is not installed in the test environment"
    args = [zizmor, "--offline", "--no-config", "--persona", "pedantic", "--format", "json"]
    done = subprocess.run(
        [*args, *(str(s.project) for s in workflow_sets)],
        capture_output=True, text=True, env=tool_env(home), timeout=300, check=False,
    )  # fmt: skip
    findings = json.loads(done.stdout or "null")
    assert findings == [], [describe(f) for f in findings]
    assert done.returncode == 0, done.stderr[-3000:]


def test_workflows_match_the_github_schema(workflow_sets: list[WorkflowSet], home: Path) -> None:
    """check-jsonschema's vendored GitHub workflow schema accepts every workflow."""
    files = [str(s.directory / name) for s in workflow_sets for name in WORKFLOWS]
    done = subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True, text=True, env=tool_env(home), timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_each_workflow_is_a_mapping_with_named_jobs(workflow_sets: list[WorkflowSet]) -> None:
    """Each file parses to a mapping with a name, triggers and jobs, each job timed out."""
    for wset in workflow_sets:
        for name in WORKFLOWS:
            workflow = wset.data(name)
            assert isinstance(workflow, dict), name
            assert workflow.get("name") and triggers(workflow), name
            for job_name, job in workflow["jobs"].items():
                assert job.get("name"), (name, job_name)
                assert isinstance(job.get("timeout-minutes"), int), (name, job_name)


def test_permissions_start_empty_and_grow_only_where_needed(
    workflow_sets: list[WorkflowSet],
) -> None:
    """`permissions: {}` on top; write scopes only in the jobs that need them."""
    for wset in workflow_sets:
        for name in WORKFLOWS:
            workflow = wset.data(name)
            assert workflow["permissions"] == {}, name
            assert "pull_request_target" not in triggers(workflow), name
            for job_name, job in workflow["jobs"].items():
                grants = job.get("permissions", {})
                assert isinstance(grants, dict), (name, job_name, grants)
                writes = {scope for scope, level in grants.items() if level == "write"}
                assert writes == WRITE_SCOPES.get((name, job_name), set()), (name, job_name)
                assert set(grants.values()) <= {"read", "write"}, (name, job_name)


def test_actions_are_pinned_to_shas_with_version_comments(
    workflow_sets: list[WorkflowSet],
) -> None:
    """Every `uses:` is owner/repo@<40-hex sha> # vX.Y.Z."""
    for wset in workflow_sets:
        for name in WORKFLOWS:
            lines = [ln for ln in wset.text(name).splitlines() if USES_LINE.match(ln)]
            bad = [ln.strip() for ln in lines if not PINNED_USES.match(ln)]
            assert bad == [], (name, bad)
            used = [s for _, s in all_steps(wset.data(name)) if "uses" in s]
            assert len(used) == len(lines), name


def test_checkouts_do_not_persist_credentials(workflow_sets: list[WorkflowSet]) -> None:
    for wset in workflow_sets:
        for name in WORKFLOWS:
            for job_name, step in all_steps(wset.data(name)):
                if uses(step) == "actions/checkout":
                    assert step["with"]["persist-credentials"] is False, (name, job_name)


def test_no_expression_inside_a_run_script(workflow_sets: list[WorkflowSet]) -> None:
    """Untrusted context never reaches a script; no `${{ }}` reaches one at all (use env:)."""
    for wset in workflow_sets:
        for name in WORKFLOWS:
            for script in runs(wset.data(name)):
                assert not UNTRUSTED.search(script), (name, script)
                assert "${{" not in script, (name, script)


def test_run_steps_call_make_targets_that_exist(workflow_sets: list[WorkflowSet]) -> None:
    """Every `make X` in a workflow is a target of the rendered Makefile."""
    for wset in workflow_sets:
        makefile = (wset.project / "Makefile").read_text(encoding="utf-8")
        targets = set(MAKE_TARGET.findall(makefile))
        for name in WORKFLOWS:
            for script in runs(wset.data(name)):
                for _, target in MAKE_CALL.findall(script):
                    assert target in targets, (name, target, sorted(targets))


def test_python_version_comes_from_the_answer(workflow_sets: list[WorkflowSet]) -> None:
    for wset in workflow_sets:
        for name in WORKFLOWS:
            workflow = wset.data(name)
            assert workflow["env"]["PYTHON_VERSION"] == wset.answers[0]["python_version"]
            for _, step in all_steps(workflow):
                if uses(step) == "actions/setup-python":
                    assert step["with"]["python-version"] == "${{ env.PYTHON_VERSION }}"


def test_ci_gate(workflow_sets: list[WorkflowSet]) -> None:
    """The PR gate: its own step, never continue-on-error, full history, a stable job name."""
    for wset in workflow_sets:
        ci = wset.data("ci.yml")
        assert set(triggers(ci)) == {"pull_request", "push", "workflow_dispatch"}
        assert triggers(ci)["push"]["branches"] == ["main"]
        assert ci["concurrency"]["cancel-in-progress"]
        assert set(ci["jobs"]) == {"test", "pipeline", "report", "check"}
        gates = [
            (job_name, step)
            for job_name, step in all_steps(ci)
            if re.search(r"\bmlgate\s+gate\b", str(step.get("run", "")))
        ]
        assert len(gates) == 1
        job_name, step = gates[0]
        job = ci["jobs"][job_name]
        assert job["name"] == "gate"
        assert "continue-on-error" not in job and "continue-on-error" not in step
        assert "if" not in step
        assert '--baseline "origin/${BASE_BRANCH}"' in step["run"]
        assert "--json" in step["run"]
        assert "github.base_ref" in step["env"]["BASE_BRANCH"]
        checkout = next(s for s in steps(job) if uses(s) == "actions/checkout")
        assert checkout["with"]["fetch-depth"] == 0
        cache = next(s for s in steps(job) if uses(s) == "actions/cache")
        assert "hashFiles('dvc.lock')" in cache["with"]["key"]
        assert cache["with"]["path"] == ".dvc/cache"
        assert any(uses(s) == "actions/upload-artifact" for s in steps(job))


def test_ci_comment_and_code_scanning(workflow_sets: list[WorkflowSet]) -> None:
    """The sticky comment runs only for same-repo PRs; mlgate check uploads SARIF."""
    for wset in workflow_sets:
        jobs = wset.data("ci.yml")["jobs"]
        report = jobs["report"]
        assert report["needs"] == "pipeline"
        assert "github.event.pull_request.head.repo.full_name == github.repository" in report["if"]
        assert any("mlgate comment" in str(s.get("run", "")) for s in steps(report))
        check = jobs["check"]
        assert any("mlgate check --format sarif" in str(s.get("run", "")) for s in steps(check))
        assert any(uses(s) == "github/codeql-action/upload-sarif" for s in steps(check))


def test_release(workflow_sets: list[WorkflowSet]) -> None:
    """Tags v*.*.*: gate, then build and push with provenance; no caches anywhere."""
    for wset in workflow_sets:
        release = wset.data("release.yml")
        assert triggers(release) == {"push": {"tags": ["v*.*.*"]}}
        jobs = release["jobs"]
        assert any("mlgate gate" in str(s.get("run", "")) for s in steps(jobs["gate"]))
        pushers = [
            job_name
            for job_name, step in all_steps(release)
            if uses(step) == "docker/build-push-action" and step["with"].get("push") is True
        ]
        assert pushers == ["image"]
        assert "gate" in upstream(release, "image")
        image = jobs["image"]
        assert any(uses(s) == "actions/attest-build-provenance" for s in steps(image))
        assert any("${GITHUB_REPOSITORY,,}" in str(s.get("run", "")) for s in steps(image))
        for _, step in all_steps(release):
            assert uses(step) != "actions/cache"
            assert "cache" not in step.get("with", {}), step
            assert not any(k.startswith("cache-") for k in step.get("with", {})), step
        expected = {"gate", "image"} | ({"deploy", "verify"} if wset.deploy != "none" else set())
        assert set(jobs) == expected


def test_release_deploys_by_pull_request_then_verifies(workflow_sets: list[WorkflowSet]) -> None:
    for wset in workflow_sets:
        jobs = wset.data("release.yml")["jobs"]
        makefile = (wset.project / "Makefile").read_text(encoding="utf-8")
        if wset.deploy == "none":
            assert "deploy" not in jobs and "set-digest:" not in makefile
            continue
        deploy = jobs["deploy"]
        scripts = [str(s.get("run", "")) for s in steps(deploy)]
        assert "make set-digest" in scripts
        # the pull request changes the overlay and nothing else
        overlay = "deploy/overlays/production/kustomization.yaml"
        assert any("mlgate pr" in s and s.rstrip().endswith(overlay) for s in scripts)
        assert not any("gh " in s or "git push" in s for s in scripts)
        verify = jobs["verify"]
        assert verify["environment"]["name"] == "production"
        assert "deploy" in upstream(wset.data("release.yml"), "verify")
        assert any(
            'mlgate verify "$SERVICE_URL" --expect-version' in str(s.get("run", ""))
            for s in steps(verify)
        )


def test_drift_schedule_and_issue(
    workflow_sets: list[WorkflowSet], custom_answers: tuple[dict[str, str], Path]
) -> None:
    """The cron is the answer; the drift and monitor jobs read only; on drift (1) the issue job
    runs, on a performance failure (1) the performance issue job; the retrain job starts
    retrain.yml only when mlgate.yaml says so for what was found (drift.retrain,
    monitor.retrain), and once."""
    answers, project = custom_answers
    custom = yaml.safe_load((project / ".github" / "workflows" / "drift.yml").read_text())
    assert triggers(custom)["schedule"] == [{"cron": answers["drift_schedule"]}]
    for wset in workflow_sets:
        drift = wset.data("drift.yml")
        assert triggers(drift)["schedule"] == [{"cron": "17 6 * * 1"}]
        assert "workflow_dispatch" in triggers(drift)
        jobs = drift["jobs"]
        assert jobs["drift"]["permissions"] == {"contents": "read"}
        assert any("mlgate drift" in str(s.get("run", "")) for s in steps(jobs["drift"]))
        assert jobs["issue"]["needs"] == "drift"
        assert "needs.drift.outputs.status == '1'" in jobs["issue"]["if"]
        assert any("mlgate issue" in str(s.get("run", "")) for s in steps(jobs["issue"]))
        assert jobs["monitor"]["permissions"] == {"contents": "read"}
        assert any("mlgate monitor" in str(s.get("run", "")) for s in steps(jobs["monitor"]))
        assert jobs["performance-issue"]["needs"] == "monitor"
        assert "needs.monitor.outputs.status == '1'" in jobs["performance-issue"]["if"]
        assert jobs["retrain"]["needs"] == ["drift", "monitor"]
        assert "needs.drift.outputs.status == '1'" in jobs["retrain"]["if"]
        assert "needs.monitor.outputs.status == '1'" in jobs["retrain"]["if"]
        assert [s["run"] for s in steps(jobs["retrain"]) if "mlgate" in str(s.get("run"))] == [
            "mlgate dispatch retrain.yml --if-policy drift.retrain",
            "mlgate dispatch retrain.yml --if-policy monitor.retrain",
        ]


def test_retrain_opens_a_pull_request(workflow_sets: list[WorkflowSet]) -> None:
    for wset in workflow_sets:
        retrain = wset.data("retrain.yml")
        assert set(triggers(retrain)) == {"workflow_dispatch", "repository_dispatch"}
        scripts = runs(retrain)
        assert "make pipeline" in scripts
        assert any(s.strip().startswith("mlgate pr ") and " dvc.lock " in s for s in scripts)
        assert not any("gh " in s or "git push" in s for s in scripts)


def test_template_updates_arrive_by_pull_request(workflow_sets: list[WorkflowSet]) -> None:
    """Weekly and by hand: make template-update, then one pull request from template/update,
    whose CI is started (a GITHUB_TOKEN push starts none); every PR-opening workflow does so."""
    for wset in workflow_sets:
        template = wset.data("template.yml")
        assert set(triggers(template)) == {"schedule", "workflow_dispatch"}
        (job,) = template["jobs"].values()
        checkout = next(s for s in steps(job) if uses(s) == "actions/checkout")
        assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
        scripts = runs(template)
        assert scripts[:2] == ["make ci-setup", "make template-update"]
        assert scripts[2].startswith("mlgate pr --branch template/update ")
        assert "--body-file logs/template-update.md --checks ci.yml" in scripts[2]
        for name in ("retrain.yml", "release.yml"):
            proposing = [s for s in runs(wset.data(name)) if "mlgate pr " in s]
            assert proposing or name == "release.yml", name  # deploy=none: no deploy job
            assert all("--checks ci.yml" in s for s in proposing), name


def test_owner_and_repository_are_never_hard_coded(
    custom_answers: tuple[dict[str, str], Path],
) -> None:
    """The image name comes from the GitHub context at run time, not from the answers."""
    answers, project = custom_answers
    for name in WORKFLOWS:
        text = (project / ".github" / "workflows" / name).read_text(encoding="utf-8")
        assert answers["github_owner"].lower() not in text.lower(), name
        assert project.name not in text, name


def test_make_set_digest_rewrites_only_the_digest_line(
    rendered: dict[str, Path], tmp_path: Path, home: Path
) -> None:
    """What the deploy job runs: a valid digest lands in the overlay; anything else exits 2."""
    answers = next(a for a in COMBINATIONS if a["deploy"] != "none")
    project = shutil.copytree(rendered[combination_id(answers)], tmp_path / "project")
    overlay = project / "deploy" / "overlays" / "production" / "kustomization.yaml"
    before = overlay.read_text(encoding="utf-8")
    env = tool_env(home)
    subprocess.run(["git", "init", "--quiet"], cwd=project, env=env, check=True)
    digest = "sha256:" + "ab" * 32
    done = subprocess.run(
        ["make", "set-digest"], cwd=project, env={**env, "DIGEST": digest},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    after = overlay.read_text(encoding="utf-8")
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert changed == [(f"    digest: sha256:{'0' * 64}", f"    digest: {digest}")]
    bad = subprocess.run(
        ["make", "set-digest"], cwd=project, env={**env, "DIGEST": "latest; rm -rf ."},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode != 0 and "DIGEST must be" in bad.stderr
    assert overlay.read_text(encoding="utf-8") == after
