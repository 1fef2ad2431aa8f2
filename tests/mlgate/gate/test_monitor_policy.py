"""The `monitor:` section of mlgate.yaml, end to end through the real CLI on real git.

`mlgate monitor` takes its defaults from the policy (MonitorPolicy): where the request log and
the outcomes are (with their rotations), how many labels are enough, which rules judge
production, and which baseline: a git ref, or `deployed`, the release the service's /version
names (asked of a loopback HTTP server here). `mlgate window --outcomes` fetches the outcomes
the section names, and `mlgate dispatch --if-policy monitor.retrain` starts retraining only when
it says so (against the fake GitHub API). A bad section is an error naming its place (exit 2),
because a typo silently ignored would judge production by rules nobody wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from fake_github import FakeGitHub
from gitrepo import git
from release_repo import GATE_POLICY, released
from support import run_mlgate, running


@pytest.fixture
def repo(tmp_path: Path, home: Path) -> Path:
    return released(tmp_path / "project", home)


def policy(repo: Path, monitor: str, drift: str = "") -> None:
    """The working tree's mlgate.yaml: the gate's section plus `monitor: ...`."""
    text = GATE_POLICY + f"monitor: {monitor}\n" + (f"drift: {drift}\n" if drift else "")
    (repo / "mlgate.yaml").write_text(text, encoding="utf-8")


def predictions(path: Path, ids: range) -> None:
    """Request log lines of model 1.0.0: prediction i % 2, 80% sure of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(
        json.dumps({"ts": "2026-03-01T10:00:00Z", "model_version": "1.0.0", "features": [{}],
                    "predictions": [i % 2], "probabilities": [{"0": 0.8 - 0.6 * (i % 2),
                                                               "1": 0.2 + 0.6 * (i % 2)}],
                    "request_ids": [f"{i:032x}"]}) + "\n"
        for i in ids
    ), encoding="utf-8")  # fmt: skip


def outcomes(path: Path, ids: range) -> None:
    """Feedback lines: the prediction was right except for every 12th (accuracy 11/12)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(
        json.dumps({"ts": "2026-03-02T10:00:00Z", "request_id": f"{i:032x}",
                    "outcome": i % 2 if i % 12 != 5 else 1 - i % 2}) + "\n"
        for i in ids
    ), encoding="utf-8")  # fmt: skip


def default_logs(repo: Path, labelled: int = 300) -> None:
    """300 predictions at logs/requests.jsonl and its rotations .2 (oldest) and .1, and their
    first `labelled` outcomes at logs/feedback.jsonl and its rotation .1."""
    predictions(repo / "logs/requests.jsonl.2", range(0, 100))
    predictions(repo / "logs/requests.jsonl.1", range(100, 200))
    predictions(repo / "logs/requests.jsonl", range(200, 300))
    outcomes(repo / "logs/feedback.jsonl.1", range(0, min(labelled, 150)))
    outcomes(repo / "logs/feedback.jsonl", range(150, max(labelled, 150)))


def monitor(repo: Path, home: Path, *args: str, **env: str) -> tuple[int, Any, str]:
    """`mlgate monitor --format json` with the policy's defaults: (exit, report or None, stderr)."""
    done = run_mlgate(home, "monitor", "--format", "json", *args, cwd=repo, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout) if done.stdout else None, done.stderr


def verdicts(report: dict) -> dict[str, str]:
    return {m["metric"]: m["verdict"] for m in report["metrics"]}


# --- a bad section ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("{min_label: 20}",
         "mlgate.yaml: monitor: unknown key 'min_label' (did you mean 'min_labels'?)"),
        ("{outcomes: {pth: logs/feedback.jsonl}}",
         "mlgate.yaml: monitor.outcomes: unknown key 'pth' (did you mean 'path'?)"),
        ("{min_labels: 0}", "mlgate.yaml: monitor.min_labels must be a whole number of at least 1"),
        ("{baseline: HEAD~1}",
         "mlgate.yaml: monitor.baseline must be 'deployed', a branch or a tag, not 'HEAD~1'"),
        ("{rules: {}}", "mlgate.yaml: monitor.rules must map metrics to bounds"),
        ("{rules: {accuracy: {higher_is_better: true}}}",
         "mlgate.yaml: monitor.rules.accuracy has no bound"),
    ],
)  # fmt: skip
def test_a_bad_monitor_section_could_not_check_and_names_the_place(
    repo: Path, home: Path, section: str, message: str
) -> None:
    policy(repo, section)
    default_logs(repo)
    code, report, stderr = monitor(repo, home)
    assert code == 2 and report is None
    assert message in stderr, stderr


# --- defaults from the policy -------------------------------------------------------------------


def test_the_logs_and_their_rotations_come_from_the_policys_paths(repo: Path, home: Path) -> None:
    policy(repo, "{baseline: v1.0.0, outcomes: {path: logs/feedback.jsonl}}",
           drift="{current: {path: logs/requests.jsonl}}")  # fmt: skip
    default_logs(repo)
    code, report, _ = monitor(repo, home)
    assert code == 0, report
    assert "300 of 300 predictions of 1.0.0 labelled (100.0%)" in report["notes"][0]
    assert verdicts(report) == {"accuracy": "PASS", "roc_auc": "PASS"}
    accuracy = next(m for m in report["metrics"] if m["metric"] == "accuracy")
    assert accuracy["current"] == pytest.approx(275 / 300) and accuracy["baseline"] == 0.9


def test_min_labels_from_the_policy_makes_twenty_labels_enough(repo: Path, home: Path) -> None:
    default_logs(repo, labelled=20)
    policy(repo, "{baseline: v1.0.0}")
    code, report, _ = monitor(repo, home)
    assert code == 2 and set(verdicts(report).values()) == {"UNMEASURED"}
    assert "--min-labels is 100" in report["metrics"][0]["reasons"][0]
    policy(repo, "{baseline: v1.0.0, min_labels: 20}")
    code, report, _ = monitor(repo, home)
    assert code == 0, report
    assert "20 of 300 predictions of 1.0.0 labelled" in report["notes"][0]


def test_the_monitors_rules_replace_the_gates(repo: Path, home: Path) -> None:
    default_logs(repo)
    policy(repo, "{baseline: v1.0.0}")
    code, report, _ = monitor(repo, home)
    assert code == 0 and verdicts(report) == {"accuracy": "PASS", "roc_auc": "PASS"}
    policy(repo, "{baseline: v1.0.0, rules: {accuracy: {min: 0.99}}}")
    code, report, _ = monitor(repo, home)
    assert code == 1
    assert verdicts(report) == {"accuracy": "FAIL"}  # roc_auc was the gate's, not production's
    assert report["metrics"][0]["rule"] == "min 0.99"


# --- baseline: deployed -------------------------------------------------------------------------


@contextmanager
def service(status: int, body: dict[str, Any]) -> Iterator[str]:
    """A loopback service answering GET /version with `status` and `body`; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            data = json.dumps(body).encode() if self.path == "/version" else b"{}"
            self.send_response(status if self.path == "/version" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with running(server):
        yield f"http://127.0.0.1:{server.server_address[1]}"


def test_deployed_compares_with_the_release_the_service_runs(repo: Path, home: Path) -> None:
    policy(repo, "{baseline: deployed}")
    default_logs(repo)
    with service(200, {"version": "1.0.0"}) as url:
        code, report, stderr = monitor(repo, home, SERVICE_URL=url)
    assert code == 0, stderr
    assert report["baseline"]["ref"] == "v1.0.0"
    assert report["baseline"]["commit"] == git(repo, home, "rev-parse", "v1.0.0")
    assert "runs 1.0.0 (baseline v1.0.0)" in stderr


def test_deployed_without_service_url_could_not_check(repo: Path, home: Path) -> None:
    policy(repo, "{baseline: deployed}")
    default_logs(repo)
    code, _, stderr = monitor(repo, home, SERVICE_URL="")
    assert code == 2
    assert "set SERVICE_URL" in stderr


def test_deployed_release_without_its_tag_could_not_check(repo: Path, home: Path) -> None:
    policy(repo, "{baseline: deployed}")
    default_logs(repo)
    with service(200, {"version": "9.9.9"}) as url:
        code, _, stderr = monitor(repo, home, SERVICE_URL=url)
    assert code == 2
    assert "the service runs '9.9.9', but this repository has no tag 'v9.9.9' or '9.9.9'" in stderr


def test_a_version_endpoint_that_fails_could_not_check(repo: Path, home: Path) -> None:
    policy(repo, "{baseline: deployed}")
    default_logs(repo)
    with service(503, {"detail": "starting"}) as url:
        code, _, stderr = monitor(repo, home, SERVICE_URL=url)
    assert code == 2
    assert f"GET {url}/version answered 503" in stderr


# --- mlgate window --outcomes -------------------------------------------------------------------

FEEDBACK = b"".join(b'{"request_id": "%032x", "outcome": %d}\n' % (i, i % 2) for i in range(500))


@contextmanager
def feedback_server() -> Iterator[str]:
    """A loopback server answering GET /feedback.jsonl with FEEDBACK; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            found = self.path == "/feedback.jsonl"
            data = FEEDBACK if found else b"not here"
            self.send_response(200 if found else 404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with running(server):
        yield f"http://127.0.0.1:{server.server_address[1]}"


def test_window_outcomes_downloads_the_outcomes_to_their_path(tmp_path: Path, home: Path) -> None:
    with feedback_server() as url:
        (tmp_path / "mlgate.yaml").write_text(
            f"monitor:\n  outcomes: {{url: {url}/feedback.jsonl, path: logs/feedback.jsonl}}\n"
        )
        done = run_mlgate(home, "window", "--outcomes", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "logs/feedback.jsonl").read_bytes() == FEEDBACK
    assert f"outcomes: logs/feedback.jsonl ({len(FEEDBACK)} bytes)" in done.stdout
    assert not (tmp_path / "logs/requests.jsonl").exists()  # the drift window is not touched


def test_window_outcomes_without_a_source_or_a_file_could_not_check(
    tmp_path: Path, home: Path
) -> None:
    (tmp_path / "mlgate.yaml").write_text("monitor:\n  outcomes: {path: logs/feedback.jsonl}\n")
    done = run_mlgate(home, "window", "--outcomes", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "no outcomes at logs/feedback.jsonl: set monitor.outcomes" in done.stderr


# --- mlgate dispatch --if-policy monitor.retrain ------------------------------------------------


def dispatch_retrain(fake: FakeGitHub, home: Path, where: Path) -> CompletedProcess[str]:
    """`mlgate dispatch retrain.yml --if-policy monitor.retrain` against the fake GitHub."""
    return fake.run_mlgate(home, "dispatch", "retrain.yml", "--if-policy", "monitor.retrain",
                           cwd=where, GITHUB_REF_NAME="main")  # fmt: skip


def test_dispatch_does_not_retrain_when_monitor_retrain_is_false(
    fake_github: FakeGitHub, home: Path, tmp_path: Path
) -> None:
    (tmp_path / "mlgate.yaml").write_text("monitor:\n  retrain: false\ndrift:\n  retrain: true\n")
    done = dispatch_retrain(fake_github, home, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "not starting retrain.yml: monitor.retrain is false" in done.stdout
    assert fake_github.requests == [] and fake_github.dispatches == []


def test_dispatch_retrains_when_monitor_retrain_is_true(
    fake_github: FakeGitHub, home: Path, tmp_path: Path
) -> None:
    (tmp_path / "mlgate.yaml").write_text("monitor:\n  retrain: true\n")
    done = dispatch_retrain(fake_github, home, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "started retrain.yml on main" in done.stdout
    assert fake_github.dispatches == [{"workflow": "retrain.yml", "ref": "main", "inputs": {}}]
