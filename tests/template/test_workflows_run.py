"""A user's path, then the generated workflows really run: their own jobs and steps, read
from the YAML.

The project (default answers) is made as its README tells a new user: render, `make setup`
(a venv of its own, so a broken dependency list shows up here: the other template tests share
this repository's environment), `make test` (before any data: the project's tests on a fresh
sample-data checkout), `make repro`, `make gate`, `make lint`, `make check`. That trained
project is then committed and pushed to a local bare `origin` (one render and one training
for both parts; they were two modules that each paid for them); the fake GitHub REST API from
tests/fake_github.py stands in for api.github.com. gha_runner executes the jobs (see its
docstring for how `uses:` steps map to local equivalents). Each scenario is what a user does
on GitHub: open a pull request, tag a release, wait for the drift schedule, retrain.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
import requests
import yaml
from fake_github import REPOSITORY, TOKEN, FakeGitHub, serve
from gha_runner import Event, GitHubSide, JobRun, WorkflowRun
from projects import run
from rendering import render
from service_process import start_service
from support import VENV_BIN, tool_env

pytestmark = pytest.mark.pipeline


@dataclass
class Lab:
    """The developer's clone, GitHub's side of things, and the fake API."""

    dev: Path
    side: GitHubSide
    api: FakeGitHub
    home: Path
    root: Path

    def git(self, *args: str) -> str:
        return run(["git", *args], self.dev, self.home).stdout.strip()

    def sha(self, ref: str) -> str:
        return self.git("rev-parse", ref)

    def workflow(self, name: str) -> Path:
        return self.dev / ".github" / "workflows" / name

    def branch(self, name: str, message: str, edit: dict[str, str]) -> str:
        """A branch from main with these files changed, pushed to origin; its head sha."""
        self.git("switch", "--quiet", "-C", name, "main")
        for path, text in edit.items():
            (self.dev / path).write_text(text, encoding="utf-8")
        self.git("commit", "--quiet", "-am", message)
        self.git("push", "--quiet", "--force", "origin", name)
        head = self.sha("HEAD")
        self.git("switch", "--quiet", "main")
        return head

    def run(self, workflow: str, event: Event, *jobs: str, **given: dict) -> dict[str, JobRun]:
        return WorkflowRun(self.side, self.workflow(workflow), event, given=given,
                           root=self.root).run(*jobs)  # fmt: skip


def pull_request(lab: Lab, branch: str) -> Event:
    """The event of a pull request from `branch` to main (opened on the fake on first use)."""
    opened = [n for n, p in lab.api.pulls.items() if p["head"]["ref"] == branch]
    number = opened[0] if opened else lab.api.add_pull(branch)["number"]
    head, base = lab.sha(f"origin/{branch}"), lab.sha("origin/main")
    repo = {"full_name": REPOSITORY, "default_branch": "main"}
    payload = {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "head": {"ref": branch, "sha": head, "repo": repo},
            "base": {"ref": "main", "sha": base, "repo": repo},
        },
        "repository": repo,
    }
    return Event("pull_request", head, f"refs/pull/{number}/merge", payload, "main", branch)


@pytest.fixture(scope="module")
def api() -> Iterator[FakeGitHub]:
    yield from serve()


def make(target: str, project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    # The base interpreter, not this venv's: `make setup` must build a venv of its own.
    python = getattr(sys, "_base_executable", sys.executable)
    env = tool_env(home, PIP_DISABLE_PIP_VERSION_CHECK="1")
    # drop this venv from PATH (`make test` may have put it there twice)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != str(VENV_BIN))
    result = subprocess.run(
        ["make", target, f"PYTHON={python}"], cwd=project, env=env, capture_output=True,
        text=True, timeout=1200,
    )  # fmt: skip
    output = f"make {target}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert result.returncode == 0, output
    return result


@dataclass
class FirstSteps:
    """The rendered project after a new user's first commands, and what each showed."""

    project: Path
    home: Path
    committed: list[str]  # by the render's first commit
    status_after_setup: str  # `git status --porcelain` after `make setup`
    output: dict[str, str]  # make target -> its stdout
    metrics: dict[str, float]  # after `make repro`


@pytest.fixture(scope="module")
def first_steps(tmp_path_factory: pytest.TempPathFactory) -> FirstSteps:
    """Render, `make setup`, `make test` (before any data), `make repro`, `make gate` (main
    has no metrics yet), `make lint`, `make check`: each must exit 0."""
    home = tmp_path_factory.mktemp("gha-home")
    dev = render(tmp_path_factory.mktemp("gha") / "dev", project_name="ml project",
                 git_init="yes")  # fmt: skip
    committed = run(["git", "ls-files"], dev, home).stdout.split()
    output = {"setup": make("setup", dev, home).stdout}
    status = run(["git", "status", "--porcelain"], dev, home).stdout.strip()
    for target in ("test", "repro", "gate", "lint", "check"):
        output[target] = make(target, dev, home).stdout
    metrics = json.loads((dev / "reports" / "metrics.json").read_text())
    return FirstSteps(dev, home, committed, status, output, metrics)


def test_make_setup_repro_test_lint(first_steps: FirstSteps) -> None:
    """The README's first commands in a venv of the project's own, as a new user runs them."""
    project, output = first_steps.project, first_steps.output
    assert "uv.lock" in first_steps.committed, "the hook locks before the first commit"
    assert (project / "vendor" / "mlgate" / "pyproject.toml").is_file(), "a local mlgate_source"
    assert not any(path.startswith("vendor/") for path in first_steps.committed)
    assert (project / ".venv" / "bin" / "mlgate").is_file()
    assert (project / ".venv" / "bin" / "dvc").is_file()
    assert first_steps.status_after_setup == "", "make setup changed tracked files"
    assert " passed" in output["test"]  # before any data: a fresh sample-data checkout
    assert first_steps.metrics["accuracy"] >= 0.9
    assert "mlgate gate: PASS" in output["gate"], output["gate"]  # no metrics on main: warned
    assert (project / ".venv" / "bin" / "zizmor").is_file()  # `make check` installs it first
    check = output["check"]
    assert ", 0 failed (" in check and ", 0 not run" in check, check


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, api: FakeGitHub, first_steps: FirstSteps) -> Lab:
    """The default project, trained and committed on main, its data pushed to the DVC remote,
    and pushed to a bare `origin` that the workflows' checkouts clone."""
    dev, home = first_steps.project, first_steps.home
    root = dev.parent
    run(["git", "add", "-A"], dev, home)
    run(["git", "commit", "--quiet", "-m", "Train the first model"], dev, home)
    run(["dvc", "push"], dev, home)
    origin = root / "origin.git"
    run(["git", "clone", "--quiet", "--bare", str(dev), str(origin)], root, home)
    run(["git", "config", "uploadpack.allowAnySHA1InWant", "true"], origin, home)
    run(["git", "remote", "add", "origin", str(origin)], dev, home)
    run(["git", "fetch", "--quiet", "origin"], dev, home)
    side = GitHubSide(origin=origin, home=home, repository=REPOSITORY, api_url=api.url,
                      token=TOKEN, extra_env={"MLGATE_RETRY_BACKOFF_S": "0"})  # fmt: skip
    return Lab(dev, side, api, home, tmp_path_factory.mktemp("runs"))


def explain(jobs: dict[str, JobRun]) -> str:
    return "\n".join(f"=== {name}: {job.result}\n{job.log()[-6000:]}" for name, job in jobs.items())


def sticky_comments(api: FakeGitHub, number: int, marker: str) -> list[dict]:
    return [c for c in api.comments.get(number, []) if marker in c["body"]]


def test_pull_request_that_keeps_quality(lab: Lab) -> None:
    lab.branch("docs-only", "Say more in the README", {
        "README.md": (lab.dev / "README.md").read_text() + "\nMore words.\n"})  # fmt: skip
    event = pull_request(lab, "docs-only")
    number = event.payload["number"]
    jobs = lab.run("ci.yml", event)
    assert {name: job.result for name, job in jobs.items()} == dict.fromkeys(
        ("test", "pipeline", "report", "check"), "success"
    ), explain(jobs)
    gate = jobs["pipeline"]
    assert "PASS" in gate.summary and "accuracy" in gate.summary
    assert gate.outputs == {"gate": "success"}
    sarif = jobs["check"].step("Upload to code scanning")
    assert sarif.outcome == "not run" and "code scanning" in sarif.why
    assert (jobs["check"].workspace / "mlgate.sarif").is_file()
    first = sticky_comments(lab.api, number, "mlgate-gate")
    assert len(first) == 1, jobs["report"].log()[-3000:]

    again = lab.run("ci.yml", event, "report")  # a second push: the same comment, edited
    assert again["report"].result == "success", explain(again)
    assert again["test"].result == "skipped" and again["check"].result == "skipped"
    comments = sticky_comments(lab.api, number, "mlgate-gate")
    assert [c["id"] for c in comments] == [first[0]["id"]]
    sticky = again["report"].step("Sticky comment").log
    assert "unchanged the 'mlgate-gate' comment" in sticky, sticky  # same verdict, same text


def test_pull_request_that_degrades_the_model(lab: Lab) -> None:
    params = yaml.safe_load((lab.dev / "params.yaml").read_text())
    params["model"]["params"].update(n_estimators=1, max_depth=1)
    lab.branch("tiny-forest", "A much smaller forest", {
        "params.yaml": yaml.safe_dump(params, sort_keys=False)})  # fmt: skip
    event = pull_request(lab, "tiny-forest")
    jobs = lab.run("ci.yml", event, "report")
    gate = jobs["pipeline"]
    assert gate.result == "failure", explain(jobs)
    assert gate.failed_steps() == ["mlgate gate"], explain(jobs)
    assert "FAIL" in gate.summary and "accuracy" in gate.summary, gate.summary
    assert gate.outputs == {"gate": "failure"}
    assert jobs["report"].result == "success", explain(jobs)  # the failing verdict is posted
    (comment,) = sticky_comments(lab.api, event.payload["number"], "mlgate-gate")
    assert "FAIL" in comment["body"]


def test_missing_fetch_depth_breaks_the_gate(lab: Lab, tmp_path: Path) -> None:
    """The harness checks out as GitHub does: without full history there is no baseline."""
    ci = yaml.safe_load(lab.workflow("ci.yml").read_text())
    checkout = ci["jobs"]["pipeline"]["steps"][0]
    del checkout["with"]["fetch-depth"]
    shallow = tmp_path / "ci.yml"
    shallow.write_text(yaml.safe_dump(ci, sort_keys=False))
    lab.branch("shallow", "Words", {"README.md": "# Words\n"})
    jobs = WorkflowRun(lab.side, shallow, pull_request(lab, "shallow"), root=lab.root).run(
        "pipeline"
    )
    assert jobs["pipeline"].failed_steps() == ["mlgate gate"], explain(jobs)
    assert "origin/main" in jobs["pipeline"].step("mlgate gate").log


@pytest.fixture(scope="module")
def window_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A production log store on 127.0.0.1: serves whatever is in its folder."""
    folder = tmp_path_factory.mktemp("log-store")
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def commit_on_main(lab: Lab, message: str, edit: dict[str, str]) -> str:
    lab.git("switch", "--quiet", "main")
    for path, text in edit.items():
        (lab.dev / path).write_text(text, encoding="utf-8")
    lab.git("commit", "--quiet", "-am", message)
    lab.git("push", "--quiet", "origin", "main")
    return lab.sha("main")


def repository_payload() -> dict:
    return {"full_name": REPOSITORY, "default_branch": "main"}


def test_scheduled_drift_opens_one_issue_updates_it_and_starts_retrain(
    lab: Lab, window_server: tuple[str, Path]
) -> None:
    url, store = window_server
    run(["python", "-m", "ml_project.windows"], lab.dev, lab.home)  # logs/clean, logs/drifted
    policy = yaml.safe_load((lab.dev / "mlgate.yaml").read_text())
    policy["drift"]["current"] = {"url": f"{url}/requests.jsonl", "path": "logs/requests.jsonl"}
    policy["drift"]["retrain"] = True  # on drift, also start retrain.yml
    sha = commit_on_main(lab, "Read the drift window from the log store", {
        "mlgate.yaml": yaml.safe_dump(policy, sort_keys=False)})  # fmt: skip
    event = Event("schedule", sha, "refs/heads/main",
                  {"schedule": "17 6 * * 1", "repository": repository_payload()})  # fmt: skip
    issues_before = set(lab.api.issues)

    shutil.copy(lab.dev / "logs" / "drifted.jsonl", store / "requests.jsonl")
    jobs = lab.run("drift.yml", event)
    assert jobs["drift"].outputs == {"status": "1"}, explain(jobs)
    assert jobs["drift"].failed_steps() == ["mlgate drift"]
    assert "DRIFT" in jobs["drift"].summary
    assert jobs["issue"].result == "success", explain(jobs)
    (number,) = set(lab.api.issues) - issues_before
    assert {label["name"] for label in lab.api.issues[number]["labels"]} == {"drift"}
    assert jobs["retrain"].result == "success", explain(jobs)
    assert lab.api.dispatches[-1] == {"workflow": "retrain.yml", "ref": "main", "inputs": {}}
    dispatched = len(lab.api.dispatches)

    again = lab.run("drift.yml", event)
    assert again["issue"].result == "success", explain(again)
    assert set(lab.api.issues) - issues_before == {number}  # the same issue, commented
    assert len(lab.api.comments.get(number, [])) >= 1

    shutil.copy(lab.dev / "logs" / "clean.jsonl", store / "requests.jsonl")
    comments = len(lab.api.comments.get(number, []))
    clean = lab.run("drift.yml", event)
    assert clean["drift"].result == "success" and clean["drift"].outputs == {"status": "0"}
    assert clean["issue"].result == "skipped" and clean["retrain"].result == "skipped"
    assert len(lab.api.dispatches) == dispatched + 1  # the second drifted run, not the clean one
    assert set(lab.api.issues) - issues_before == {number}
    assert len(lab.api.comments.get(number, [])) == comments


DIGEST = "sha256:" + "5e" * 32


def release(lab: Lab, tag: str) -> Event:
    lab.git("tag", "-f", tag, "main")
    lab.git("push", "--quiet", "--force", "origin", f"refs/tags/{tag}")
    payload = {"ref": f"refs/tags/{tag}", "repository": repository_payload()}
    return Event("push", lab.sha(f"{tag}^{{commit}}"), f"refs/tags/{tag}", payload)


def test_release_gates_builds_deploys_and_verifies(lab: Lab, tmp_path: Path) -> None:
    """The image is not built here; the service it would run is, from the same commit, and
    answers as version 0.1.0 where the production environment's SERVICE_URL points."""
    service = start_service(lab.dev, lab.home, tmp_path / "production", SERVICE_VERSION="0.1.0")
    lab.side.variables["SERVICE_URL"] = service.url
    given = {"meta": {"version": "0.1.0", "tags": "ghcr.io/x:0.1.0", "labels": ""},
             "build": {"digest": DIGEST}}  # fmt: skip
    jobs = lab.run("release.yml", release(lab, "v0.1.0"), **given)
    assert jobs["gate"].result == "success", explain(jobs)
    assert "PASS" in jobs["gate"].summary
    image = jobs["image"]
    assert image.result == "success", explain(jobs)
    assert {s.name for s in image.steps if s.outcome == "not run"} == {
        "Tags from the version and the commit", "docker/setup-buildx-action",
        "docker/login-action", "Build and push", "Provenance attestation"}  # fmt: skip
    assert image.outputs == {"image": f"ghcr.io/{REPOSITORY}", "digest": DIGEST,
                             "version": "0.1.0"}  # fmt: skip
    assert jobs["deploy"].result == "success", explain(jobs)
    lab.git("fetch", "--quiet", "origin")
    overlay = lab.git("show", "origin/deploy/v0.1.0:deploy/overlays/production/kustomization.yaml")
    assert f"digest: {DIGEST}" in overlay
    changed = lab.git("diff", "--name-only", "origin/main", "origin/deploy/v0.1.0")
    assert changed.splitlines() == ["deploy/overlays/production/kustomization.yaml"]
    (pull,) = [p for p in lab.api.pulls.values() if p["head"]["ref"] == "deploy/v0.1.0"]
    assert DIGEST in pull["body"] and pull["base"]["ref"] == "main"
    verify = jobs["verify"]
    assert service.stop() == 0, service.text()
    assert verify.result == "success", explain(jobs)
    log = verify.step("mlgate verify").log
    assert "0.1.0" in log and "p95" in log, log
    assert "mlgate verify" in verify.summary


def test_the_next_release_is_gated_against_the_previous_one(lab: Lab) -> None:
    commit_on_main(lab, "Say more", {"README.md": (lab.dev / "README.md").read_text() + "\n.\n"})
    jobs = lab.run("release.yml", release(lab, "v0.2.0"), "gate")
    assert jobs["gate"].result == "success", explain(jobs)
    gate = jobs["gate"].step(
        "mlgate gate (against the previous release; main before the first one)"
    )
    assert "v0.1.0" in gate.log, gate.log


def test_retrain_proposes_new_data_by_pull_request(lab: Lab, tmp_path: Path) -> None:
    """The data becomes an import from a warehouse file; the warehouse changes; retrain."""
    warehouse = tmp_path / "warehouse.csv"
    shutil.copy(lab.dev / "data" / "raw" / "data.csv", warehouse)
    pipeline = yaml.safe_load((lab.dev / "dvc.yaml").read_text())
    del pipeline["stages"]["fetch"]
    (lab.dev / "dvc.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
    run(["dvc", "import-url", "--force", str(warehouse), "data/raw/data.csv"], lab.dev, lab.home)
    run(["dvc", "repro"], lab.dev, lab.home, timeout=900)
    run(["git", "add", "-A"], lab.dev, lab.home)
    lab.git("commit", "--quiet", "-m", "Training data comes from the warehouse")
    run(["dvc", "push"], lab.dev, lab.home)
    lab.git("push", "--quiet", "origin", "main")
    header, *rows = warehouse.read_text().splitlines()
    warehouse.write_text("\n".join([header, *reversed(rows)]) + "\n")  # the warehouse changed

    event = Event("workflow_dispatch", lab.sha("main"), "refs/heads/main",
                  {"inputs": {}, "repository": repository_payload()})  # fmt: skip
    jobs = lab.run("retrain.yml", event)
    retrain = jobs["retrain"]
    assert retrain.result == "success", explain(jobs)
    lab.git("fetch", "--quiet", "origin")
    (pull,) = [p for p in lab.api.pulls.values() if p["head"]["ref"].startswith("retrain/")]
    # its checks: CI started on the branch (a GITHUB_TOKEN push starts no workflow)
    assert {"workflow": "ci.yml", "ref": pull["head"]["ref"], "inputs": {}} in lab.api.dispatches
    branch = f"origin/{pull['head']['ref']}"
    changed = set(lab.git("diff", "--name-only", "origin/main", branch).splitlines())
    assert {"dvc.lock", "data/raw/data.csv.dvc", "reports/metrics.json"} <= changed
    assert changed <= {"dvc.lock", "data/raw/data.csv.dvc", "reports/metrics.json"} | {
        c for c in changed if c.startswith("reports/")}  # fmt: skip


def test_scheduled_monitor_judges_production_against_the_deployed_release(
    lab: Lab, window_server: tuple[str, Path], tmp_path: Path
) -> None:
    """The service runs release v0.3.0; its request log and the outcomes sent to /feedback
    reach the log store; drift.yml's monitor job asks SERVICE_URL which release runs, fetches
    both logs and judges production against v0.3.0's metrics: true outcomes pass; a third of
    them turned around fail on accuracy, open one `performance` issue (commented, not doubled,
    on the next failing run) and start retrain.yml, as monitor.retrain says."""
    url, store = window_server
    run(["python", "-m", "ml_project.windows"], lab.dev, lab.home)  # logs/clean.jsonl
    policy = yaml.safe_load((lab.dev / "mlgate.yaml").read_text())
    policy["drift"]["current"] = {"url": f"{url}/requests.jsonl", "path": "logs/requests.jsonl"}
    policy["drift"]["retrain"] = False
    policy["monitor"]["outcomes"] = {"url": f"{url}/feedback.jsonl", "path": "logs/feedback.jsonl"}
    policy["monitor"]["retrain"] = True
    sha = commit_on_main(lab, "Judge production from the log store", {
        "mlgate.yaml": yaml.safe_dump(policy, sort_keys=False)})  # fmt: skip
    lab.git("tag", "-f", "v0.3.0", "main")
    lab.git("push", "--quiet", "--force", "origin", "refs/tags/v0.3.0")
    folder = tmp_path / "production"
    service = start_service(lab.dev, lab.home, folder, SERVICE_VERSION="0.3.0",
                            SERVICE_FEEDBACK_LOG=str(folder / "feedback.jsonl"))  # fmt: skip
    lab.side.variables["SERVICE_URL"] = service.url
    records = [json.loads(line)["features"]
               for line in (lab.dev / "logs" / "clean.jsonl").read_text().splitlines()]  # fmt: skip
    truth = pd.read_csv(lab.dev / "data" / "processed" / "test.csv")["target"].tolist()
    event = Event("schedule", sha, "refs/heads/main",
                  {"schedule": "17 6 * * 1", "repository": repository_payload()})  # fmt: skip
    issues_before, dispatched = set(lab.api.issues), len(lab.api.dispatches)
    try:
        ids: list[str] = []
        for start in range(0, len(records), 20):
            answer = requests.post(f"{service.url}/predict", timeout=30,
                                   json={"records": records[start : start + 20]})  # fmt: skip
            ids += answer.json()["request_ids"]

        def send(outcomes: list[object]) -> None:
            body = {"outcomes": [{"request_id": i, "outcome": o}
                                 for i, o in zip(ids, outcomes, strict=True)]}  # fmt: skip
            requests.post(f"{service.url}/feedback", json=body, timeout=30).raise_for_status()
            time.sleep(1.5)  # the service writes its logs every 0.5 s
            shutil.copy(service.log, store / "requests.jsonl")
            shutil.copy(folder / "feedback.jsonl", store / "feedback.jsonl")

        send(truth)
        jobs = lab.run("drift.yml", event)
        monitor = jobs["monitor"]
        assert monitor.result == "success" and monitor.outputs == {"status": "0"}, explain(jobs)
        assert "mlgate monitor: pass" in monitor.summary and "v0.3.0" in monitor.summary
        assert "runs 0.3.0 (baseline v0.3.0)" in monitor.step("mlgate monitor").log
        assert jobs["drift"].outputs == {"status": "0"}, explain(jobs)
        assert jobs["performance-issue"].result == "skipped"
        assert jobs["retrain"].result == "skipped"

        send([1 - o if i % 3 == 0 else o for i, o in enumerate(truth)])  # the newest counts
        failing = lab.run("drift.yml", event)
        monitor = failing["monitor"]
        assert monitor.outputs == {"status": "1"}, explain(failing)
        assert monitor.failed_steps() == ["mlgate monitor"]
        assert "FAIL" in monitor.summary and "accuracy" in monitor.summary
        assert failing["performance-issue"].result == "success", explain(failing)
        (number,) = set(lab.api.issues) - issues_before
        issue = lab.api.issues[number]
        assert {label["name"] for label in issue["labels"]} == {"performance"}
        assert issue["title"] == "Model performance in production"
        assert failing["retrain"].result == "success", explain(failing)
        assert (
            failing["retrain"].step("Start retrain.yml on drift when the policy says so").outcome
            == "skipped"
        )
        assert lab.api.dispatches[dispatched:] == [
            {"workflow": "retrain.yml", "ref": "main", "inputs": {}}]  # fmt: skip

        again = lab.run("drift.yml", event)
        assert again["performance-issue"].result == "success", explain(again)
        assert set(lab.api.issues) - issues_before == {number}  # the same issue, commented
        assert lab.api.comments.get(number)
    finally:
        service.stop()
