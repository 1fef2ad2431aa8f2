"""`mlgate verify`: the real CLI against a stand-in model service on 127.0.0.1.

The stand-in speaks the service contract (/health, /ready, /version, POST /predict) and has
knobs to misbehave: not ready at first, an old version at first, slow, malformed answers.
Timing is only asserted where the margin is an order of magnitude (200 ms against 20 ms).
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from support import MLGATE, running, tool_env

from mlgate.errors import CouldNotCheck
from mlgate.verify.probes import check_prediction_body, percentile
from mlgate.verify.rollout import same_version, wait_for_rollout
from mlgate.verify.sample import read_sample
from mlgate.verify.service import BadAnswer
from mlgate.verify.settings import Settings, base_url

RECORDS = [{"feature a": 1.5 + i, "colour": ["red", "green", "blue"][i % 3]} for i in range(5)]


@dataclass
class Service:
    """The stand-in's knobs and what it saw."""

    url: str = ""
    version: str = "0.2.0"
    old_version: str = "0.1.0"
    old_version_for: int = 0  # /version answers old_version this many times first
    not_ready_for: int = 0  # /ready answers 503 this many times first
    health_status: int = 200
    predict: str = "classifier"  # or regression, or a way to misbehave (see _predict_answer)
    predict_delay_s: float = 0.0
    predict_fails_after: int | None = None  # 500 from this many /predict requests on
    seen: list[tuple[str, str]] = field(default_factory=list)
    bodies: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, method: str, path: str) -> int:
        return sum(1 for seen in self.seen if seen == (method, path))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real service behind an ingress
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed ACK
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `seen`."""

    def do_GET(self) -> None:
        knobs = self.server.knobs
        with knobs.lock:
            knobs.seen.append(("GET", self.path))
            ready_calls = knobs.count("GET", "/ready")
            version_calls = knobs.count("GET", "/version")
        if self.path == "/health":
            self._json(knobs.health_status, {"status": "ok"})
        elif self.path == "/ready":
            if ready_calls <= knobs.not_ready_for:
                self._json(503, {"status": "loading"})
            else:
                self._json(200, {"status": "ready"})
        elif self.path == "/version":
            old = version_calls <= knobs.old_version_for
            self._json(200, {
                "version": knobs.old_version if old else knobs.version,
                "commit": "abc123def4567890",
                "model_hash": "sha256:" + "0" * 64,
                "trained_at": "2026-01-02T03:04:05Z",
                "metrics": {"accuracy": 0.95},
            })  # fmt: skip
        else:
            self._json(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        knobs = self.server.knobs
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        with knobs.lock:
            knobs.seen.append(("POST", self.path))
            knobs.bodies.append(body)
            calls = knobs.count("POST", "/predict")
        if self.path != "/predict":
            self._json(404, {"detail": "Not Found"})
            return
        if knobs.predict_delay_s:
            time.sleep(knobs.predict_delay_s)
        if knobs.predict_fails_after is not None and calls > knobs.predict_fails_after:
            self._raw(500, b"Internal Server Error", "text/plain")
            return
        status, answer = _predict_answer(knobs.predict, knobs.version, body["records"])
        if isinstance(answer, bytes):
            self._raw(status, answer, "text/html")
        else:
            self._json(status, answer)

    def _json(self, status: int, body: Any) -> None:
        self._raw(status, json.dumps(body).encode(), "application/json")

    def _raw(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _predict_answer(mode: str, version: str, records: list[Any]) -> tuple[int, Any]:
    """The contract's answer, or one broken in the way `mode` names."""
    n = len(records)
    answer: dict[str, Any] = {
        "model_version": version,
        "predictions": ["1"] * n,
        "probabilities": [{"0": 0.1, "1": 0.9} for _ in range(n)],
    }
    if mode == "regression":
        return 200, {"model_version": version, "predictions": [12.5] * n}
    if mode == "wrong_count":
        answer["predictions"] = answer["predictions"][:-1]
    elif mode == "bad_sum":
        answer["probabilities"][-1] = {"0": 0.1, "1": 0.7}
    elif mode == "out_of_range":
        answer["probabilities"][0] = {"0": -0.5, "1": 1.5}
    elif mode == "null_prediction":
        answer["predictions"][1] = None
    elif mode == "no_predictions":
        del answer["predictions"]
    elif mode == "mixed_classes":
        answer["probabilities"][-1] = {"0": 0.1, "2": 0.9}
    elif mode == "old_model":
        answer["model_version"] = "0.1.0"
    elif mode == "list_answer":
        return 200, answer["predictions"]
    elif mode == "error_500":
        return 500, {"detail": "model crashed"}
    elif mode == "not_json":
        return 200, b"<html>gateway</html>"
    elif mode == "reject_422":
        problem = {"record": 0, "field": "colour", "message": "unknown category 'purple'"}
        return 422, {"detail": "1 record rejected", "errors": [problem]}
    return 200, answer


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    knobs: Service


@pytest.fixture
def service() -> Iterator[Service]:
    httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
    httpd.knobs = Service(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    with running(httpd, poll_interval=0.05):
        yield httpd.knobs


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


@pytest.fixture
def sample(project: Path) -> Path:
    path = project / "sample.json"
    path.write_text(json.dumps(RECORDS))
    return path


def verify(project: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [MLGATE, "verify", *args],
        cwd=project,
        env=tool_env(home, **{"MLGATE_VERIFY_BACKOFF_S": "0.02", **env}),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def rows(stdout: str) -> dict[str, tuple[str, str]]:
    """The table as {check: (result, detail)}."""
    table: dict[str, tuple[str, str]] = {}
    names = ("ready", "version", "health", "predictions", "latency p95")
    for line in stdout.splitlines():
        for name in names:
            if line.startswith(name + " "):
                rest = line[len(name) :].strip()
                result = "not checked" if rest.startswith("not checked") else rest.split()[0]
                table[name] = (result, rest[len(result) :].strip())
    return table


def free_port() -> int:
    """A port nothing listens on: bound, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- pass -------------------------------------------------------------------------------------


def test_a_healthy_classifier_passes(service: Service, project: Path, sample: Path, home: Path):
    result = verify(
        project, home, service.url, "--expect-version", "0.2.0", "--sample", str(sample),
        "--requests", "7", "--timeout", "3", "--json", "out/verify.json",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("mlgate verify: PASS")
    table = rows(result.stdout)
    assert {name: row[0] for name, row in table.items()} == {
        "ready": "pass", "version": "pass", "health": "pass", "predictions": "pass",
        "latency p95": "pass",
    }  # fmt: skip
    assert table["version"][1].startswith("0.2.0 = expected 0.2.0 (commit abc123def456, model")
    assert "5 records" in table["predictions"][1] and "2 classes" in table["predictions"][1]
    assert "7 x POST /predict" in table["latency p95"][1]
    assert service.count("POST", "/predict") == 1 + 7
    assert service.bodies[0] == {"records": RECORDS}
    # latency: one record each, cycling through the sample
    assert [b["records"] for b in service.bodies[1:]] == [[RECORDS[i % 5]] for i in range(7)]
    report = json.loads((project / "out" / "verify.json").read_text())
    assert report["schema"] == "mlgate.verify/1" and report["verdict"] == "pass"
    assert report["latency"]["requests"] == 7 and report["latency"]["budget_p95_ms"] == 200
    assert report["service_version"]["version"] == "0.2.0"
    assert [c["result"] for c in report["checks"]] == ["pass"] * 5


def test_a_regressor_without_probabilities_passes(
    service: Service, project: Path, sample: Path, home: Path
) -> None:
    service.predict = "regression"
    result = verify(project, home, service.url, "--sample", str(sample), "--requests", "2")
    assert result.returncode == 0, result.stdout
    assert "no probabilities (regression)" in rows(result.stdout)["predictions"][1]


@pytest.mark.parametrize(
    ("expected", "served"), [("v0.2.0", "0.2.0"), ("0.2.0", "v0.2.0"), ("v0.2.0", "v0.2.0")]
)
def test_one_leading_v_is_ignored(
    service: Service, project: Path, home: Path, expected: str, served: str
) -> None:
    service.version = served
    result = verify(project, home, service.url, "--expect-version", expected, "--requests", "1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_expect_version_the_version_is_shown_not_judged(
    service: Service, project: Path, home: Path
) -> None:
    result = verify(project, home, service.url, "--requests", "1")
    assert result.returncode == 0
    row = rows(result.stdout)["version"]
    assert row[0] == "not checked" and "0.2.0" in row[1] and "--expect-version" in row[1]


def test_a_rollout_in_progress_is_waited_for(
    service: Service, project: Path, sample: Path, home: Path
) -> None:
    service.not_ready_for = 3
    service.old_version_for = 2
    result = verify(
        project, home, service.url, "--expect-version", "v0.2.0", "--sample", str(sample),
        "--requests", "2", "--timeout", "20",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "/ready answered 503 Service Unavailable (loading)" in result.stderr
    assert "version 0.1.0, expected v0.2.0" in result.stderr
    assert service.count("GET", "/ready") >= 6
    assert "after" in rows(result.stdout)["ready"][1]


def test_a_trailing_slash_and_credentials_in_the_url(
    service: Service, project: Path, home: Path
) -> None:
    url = service.url.replace("http://", "http://user:s3cret-pass@") + "/"
    result = verify(project, home, url, "--requests", "1", "--json", "v.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert all("//" not in path for _method, path in service.seen)
    assert "s3cret-pass" not in result.stdout + result.stderr
    assert "s3cret-pass" not in (project / "v.json").read_text()


def test_a_proxy_in_the_environment_does_not_catch_loopback(
    service: Service, project: Path, home: Path
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    result = verify(
        project, home, service.url, "--requests", "1", HTTP_PROXY=dead, http_proxy=dead,
        ALL_PROXY=dead,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


# --- fail -------------------------------------------------------------------------------------


def test_the_wrong_version_at_the_timeout_fails(
    service: Service, project: Path, sample: Path, home: Path
) -> None:
    service.version = "0.1.0"
    result = verify(
        project, home, service.url, "--expect-version", "0.2.0", "--sample", str(sample),
        "--timeout", "1",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("mlgate verify: FAIL")
    table = rows(result.stdout)
    assert table["ready"][0] == "pass" and table["ready"][1].endswith(" s (1 attempt)")
    assert table["version"][0] == "fail" and "version 0.1.0, expected 0.2.0" in table["version"][1]
    for name in ("health", "predictions", "latency p95"):
        assert table[name][0] == "not checked", name
    assert service.count("POST", "/predict") == 0


def test_never_ready_fails_naming_what_it_saw(service: Service, project: Path, home: Path):
    service.not_ready_for = 10**9
    result = verify(project, home, service.url, "--expect-version", "0.2.0", "--timeout", "1")
    assert result.returncode == 1
    table = rows(result.stdout)
    assert table["ready"][0] == "fail"
    assert "not ready after" in table["ready"][1] and "(loading)" in table["ready"][1]
    assert table["version"][0] == "not checked"
    assert service.count("GET", "/ready") >= 3  # retried with backoff


def test_latency_over_budget_fails(
    service: Service, project: Path, sample: Path, home: Path
) -> None:
    service.predict_delay_s = 0.2
    result = verify(
        project, home, service.url, "--sample", str(sample), "--requests", "3", "--p95-ms", "20"
    )
    assert result.returncode == 1, result.stdout
    result_, detail = rows(result.stdout)["latency p95"]
    assert result_ == "fail" and "> budget 20 ms" in detail
    assert rows(result.stdout)["predictions"][0] == "pass"


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("wrong_count", "4 predictions for 5 records"),
        ("bad_sum", "the probabilities for record 4 sum to 0.8, not 1"),
        ("out_of_range", "the probability of class '0' for record 0 is the number -0.5"),
        ("null_prediction", "the prediction for record 1 is null, not a number or text"),
        ("no_predictions", "'predictions' must be a list, not null"),
        ("mixed_classes", "record 4 has probabilities for classes ['0', '2']"),
        ("old_model", "answered by model_version 0.1.0, expected 0.2.0"),
        ("list_answer", "the answer is a list, not a JSON object"),
        ("error_500", "POST /predict answered 500 Internal Server Error: model crashed"),
        ("not_json", "the answer is not JSON (text/html: '<html>gateway</html>')"),
        (
            "reject_422",
            "answered 422 Unprocessable Entity: 1 record rejected; record 0, field colour: "
            "unknown category 'purple'",
        ),
    ],
)
def test_a_malformed_prediction_answer_fails(
    service: Service, project: Path, sample: Path, home: Path, mode: str, message: str
) -> None:
    service.predict = mode
    result = verify(
        project, home, service.url, "--expect-version", "0.2.0", "--sample", str(sample),
        "--requests", "1",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    check, detail = rows(result.stdout)["predictions"]
    assert check == "fail"
    assert message in detail, detail


def test_an_error_while_timing_fails(
    service: Service, project: Path, sample: Path, home: Path
) -> None:
    service.predict_fails_after = 3  # the sample's batch and two timed requests pass
    result = verify(project, home, service.url, "--sample", str(sample), "--requests", "10")
    assert result.returncode == 1
    check, detail = rows(result.stdout)["latency p95"]
    assert check == "fail"
    assert "request 3 of 10: POST /predict answered 500" in detail
    assert service.count("POST", "/predict") == 4  # stopped at the first error


def test_a_failing_health_endpoint_fails(service: Service, project: Path, home: Path) -> None:
    service.health_status = 500
    result = verify(project, home, service.url, "--requests", "1")
    assert result.returncode == 1
    assert rows(result.stdout)["health"][0] == "fail"
    assert "GET /health answered 500" in rows(result.stdout)["health"][1]


# --- could not check --------------------------------------------------------------------------


def test_nothing_listening_exits_2(project: Path, home: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    url = f"http://127.0.0.1:{free_port()}"
    result = verify(
        project, home, url, "--timeout", "1", "--json", "v.json", GITHUB_STEP_SUMMARY=str(summary)
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.rstrip().endswith(
        "cannot connect (refused, no route, or name not resolved)"
    )
    assert f"mlgate verify: could not check: could not reach {url} within 1 s" in result.stderr
    assert result.stdout == ""
    assert "mlgate verify: could not check" in summary.read_text()
    report = json.loads((project / "v.json").read_text())
    assert report["verdict"] == "could_not_check" and report["exit_code"] == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "the service URL is empty"),
        ("   ", "the service URL is empty"),
        ("localhost:8000", "must be http(s)://HOST[:PORT][/PATH], not 'localhost:8000'"),
        ("ftp://example.com", "must be http(s)://HOST[:PORT][/PATH], not 'ftp://example.com'"),
        ("http://", "must be http(s)://HOST[:PORT][/PATH]"),
        ("http://example.com:99999", "is not a valid URL"),
        ("http://[::1", "is not a valid URL"),
        ("https://example.com/?token=abc", "has a query or fragment"),
        ("http://exa mple.com", "contains spaces or control characters"),
        ("http://" + "a" * 70 + ".com", "cannot send a request to http://aaa"),
    ],
)
def test_a_bad_url_exits_2(project: Path, home: Path, url: str, message: str) -> None:
    result = verify(project, home, url)
    assert result.returncode == 2
    assert "mlgate verify: could not check:" in result.stderr
    assert message in result.stderr
    assert "token=abc" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--requests", "0"], "--requests must be a whole number from 1 to 10000, not 0"),
        (["--requests", "-3"], "--requests must be a whole number from 1 to 10000, not -3"),
        (["--requests", "20000"], "--requests must be a whole number from 1 to 10000"),
        (["--requests", "many"], "argument --requests: invalid int value: 'many'"),
        (["--timeout", "-1"], "--timeout must be a number of seconds above 0, not -1.0"),
        (["--timeout", "0"], "--timeout must be a number of seconds above 0"),
        (["--timeout", "inf"], "--timeout must be a finite number, not inf"),
        (["--p95-ms", "nan"], "--p95-ms must be a finite number, not nan"),
        (["--p95-ms", "0"], "--p95-ms must be a number of milliseconds above 0"),
        (["--expect-version", " "], "--expect-version is empty"),
        (["--sample", ""], "--sample is empty"),
    ],
)
def test_bad_arguments_exit_2_before_any_request(
    service: Service, project: Path, home: Path, args: list[str], message: str
) -> None:
    result = verify(project, home, service.url, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert service.seen == []


def test_a_bad_backoff_variable_exits_2(service: Service, project: Path, home: Path) -> None:
    result = verify(project, home, service.url, MLGATE_VERIFY_BACKOFF_S="soon")
    assert result.returncode == 2
    assert "MLGATE_VERIFY_BACKOFF_S must be seconds above 0" in result.stderr
    assert service.seen == []


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("verify:\n  timeout: 30\n", "unknown key 'timeout' (did you mean 'timeout_s'?)"),
        ("verify:\n  timeout_s: soon\n", "verify.timeout_s must be a number, not the text 'soon'"),
        ("verify:\n  timeout_s: -5\n", "verify.timeout_s must be a number of seconds above 0"),
        ("verify:\n  p95_ms: .nan\n", "verify.p95_ms must be a finite number, not nan"),
        ("verify:\n  p95_ms: true\n", "verify.p95_ms must be a number, not the boolean true"),
        ("verify:\n  requests: 1.5\n", "verify.requests must be a whole number from 1 to 10000"),
        ("verify:\n  requests: 0\n", "verify.requests must be a whole number from 1 to 10000"),
        ("verify:\n  sample: 3\n", "verify.sample must be a file path, not the number 3"),
        ("verify:\n  sample: '  '\n", "verify.sample must be a file path"),
        ("verify: [1]\n", "'verify' must be a mapping, not a list"),
        ("verify:\n  p95_ms: 1\n  p95_ms: 2\n", "duplicate key 'p95_ms'"),
        ("verifi:\n  p95_ms: 1\n", "unknown section 'verifi' (did you mean 'verify'?)"),
        ("verify:\n  sample: missing.json\n", "no sample file at"),
    ],
)
def test_a_bad_policy_exits_2_before_any_request(
    service: Service, project: Path, home: Path, policy: str, message: str
) -> None:
    (project / "mlgate.yaml").write_text(policy)
    result = verify(project, home, service.url)
    assert result.returncode == 2
    assert message in result.stderr
    assert service.seen == []


def test_a_missing_config_exits_2(service: Service, project: Path, home: Path) -> None:
    result = verify(project, home, service.url, "--config", "nowhere.yaml")
    assert result.returncode == 2
    assert "no policy file at nowhere.yaml" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no sample file at"),
        ("", "holds no records"),
        ("\n\n  \n", "holds no records"),
        ("[]", "holds no records"),
        ('{"records": []}', "holds no records"),
        ("not json at all", "is not JSON or JSON lines"),
        ("[1, 2]", "record 0 must be a JSON object, not a number"),
        ('{"a": 1}\n[1]\n', "sample.json:2: each line must be a JSON object, not a list"),
        ('{"a": 1}\n{"a": \n', "sample.json:2: not JSON"),
        ('{"a": NaN}\n', "NaN is not a JSON value"),
        ('[{"a": Infinity}]', "Infinity is not a JSON value"),
        ('"records"', "must be a JSON array of records"),
        ('{\n  "records": 3\n}', "must be a JSON array of records"),
    ],
)
def test_an_unusable_sample_exits_2_before_any_request(
    service: Service, project: Path, home: Path, content: str | None, message: str
) -> None:
    path = project / "sample.json"
    if content is not None:
        path.write_text(content)
    result = verify(project, home, service.url, "--sample", str(path))
    assert result.returncode == 2
    assert message in result.stderr, result.stderr
    assert service.seen == []


def test_a_sample_that_is_a_directory_or_not_utf8_exits_2(
    service: Service, project: Path, home: Path
) -> None:
    (project / "latin1.json").write_bytes(b'[{"colour": "r\xe9d"}]')
    result = verify(project, home, service.url, "--sample", str(project))
    assert result.returncode == 2 and "is a directory" in result.stderr
    result = verify(project, home, service.url, "--sample", "latin1.json")
    assert result.returncode == 2 and "is not UTF-8 text" in result.stderr


# --- samples ----------------------------------------------------------------------------------


def _log_line(features: Any) -> str:
    line = {"ts": "2026-01-02T03:04:05Z", "model_version": "0.1.0", "features": features}
    return json.dumps({**line, "predictions": ["1"]})


SAMPLES = {
    "array": json.dumps(RECORDS, indent=2),
    "records object": json.dumps({"records": RECORDS}, indent=2),
    "records object on one line": json.dumps({"records": RECORDS}),
    "json lines": "\n".join(json.dumps(r) for r in RECORDS) + "\n",
    "json lines, blank lines, a BOM": "\ufeff\n" + "\n\n".join(json.dumps(r) for r in RECORDS),
    "request log, features as an object": "\n".join(_log_line(r) for r in RECORDS),
    "request log, features as a list": _log_line(RECORDS[:2]) + "\n" + _log_line(RECORDS[2:]),
}


@pytest.mark.parametrize("kind", SAMPLES)
def test_sample_formats(service: Service, project: Path, home: Path, kind: str) -> None:
    (project / "sample.jsonl").write_text(SAMPLES[kind], encoding="utf-8")
    result = verify(project, home, service.url, "--sample", "sample.jsonl", "--requests", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert service.bodies[0] == {"records": RECORDS}
    assert "5 records of sample.jsonl in 1 request" in rows(result.stdout)["predictions"][1]


def test_a_large_sample_is_sent_in_batches_and_capped(
    service: Service, project: Path, home: Path
) -> None:
    records = [{"feature a": float(i), "colour": "red"} for i in range(1234)]
    (project / "big.jsonl").write_text("\n".join(_log_line(r) for r in records))
    result = verify(project, home, service.url, "--sample", "big.jsonl", "--requests", "1")
    assert result.returncode == 0, result.stdout
    batches = [b["records"] for b in service.bodies[:-1]]
    assert [len(b) for b in batches] == [100] * 10
    assert [r for b in batches for r in b] == records[:1000]
    assert "the first 1000 records of the sample" in rows(result.stdout)["predictions"][1]


def test_without_a_sample_predictions_are_not_checked_and_latency_is_on_health(
    service: Service, project: Path, home: Path
) -> None:
    result = verify(project, home, service.url, "--requests", "4")
    assert result.returncode == 0, result.stdout
    table = rows(result.stdout)
    assert table["predictions"] == ("not checked", "no sample (--sample or verify.sample)")
    assert "4 x GET /health" in table["latency p95"][1]
    assert service.count("POST", "/predict") == 0
    assert service.count("GET", "/health") == 1 + 4


# --- policy and job summary -------------------------------------------------------------------


def test_policy_defaults_and_overrides(service: Service, project: Path, home: Path) -> None:
    service.predict_delay_s = 0.2
    config = project / "deploy" / "mlgate.yaml"
    config.parent.mkdir()
    (config.parent / "records.json").write_text(json.dumps(RECORDS))
    config.write_text("verify:\n  p95_ms: 20\n  requests: 2\n  sample: records.json\n")
    # the policy: a sample relative to the policy file, 2 timed requests, a 20 ms budget
    result = verify(project, home, service.url, "--config", "deploy/mlgate.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "> budget 20 ms" in rows(result.stdout)["latency p95"][1]
    assert "policy: deploy/mlgate.yaml" in result.stdout
    assert service.count("POST", "/predict") == 1 + 2
    # the options win
    service.seen.clear()
    result = verify(
        project, home, service.url, "--config", "deploy/mlgate.yaml", "--p95-ms", "60000",
        "--requests", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
    assert service.count("POST", "/predict") == 1 + 1


def test_policy_timeout_and_default_policy_file(service: Service, project: Path, home: Path):
    service.version = "0.1.0"
    (project / "mlgate.yaml").write_text("gate:\n  metrics: m.json\nverify:\n  timeout_s: 0.5\n")
    start = time.monotonic()
    result = verify(project, home, service.url, "--expect-version", "0.2.0")
    assert result.returncode == 1
    assert time.monotonic() - start < 30  # not the default 300 s
    assert "policy: mlgate.yaml" in result.stdout


def test_the_job_summary_gets_the_markdown_table(
    service: Service, project: Path, sample: Path, home: Path, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    result = verify(
        project, home, service.url, "--expect-version", "0.2.0", "--sample", str(sample),
        "--requests", "2", GITHUB_STEP_SUMMARY=str(summary),
    )  # fmt: skip
    assert result.returncode == 0
    service.predict = "bad_sum"
    result = verify(
        project, home, service.url, "--sample", str(sample), "--requests", "2",
        GITHUB_STEP_SUMMARY=str(summary),
    )  # fmt: skip
    assert result.returncode == 1
    text = summary.read_text()
    assert text.count("| check | result | detail |") == 2
    assert "### ✅ mlgate verify: pass" in text and "### ❌ mlgate verify: fail" in text
    assert "| predictions | ❌ fail |" in text
    assert "| version | ✅ pass | 0.2.0 = expected 0.2.0 (commit" in text


# --- in process -------------------------------------------------------------------------------


class _Unreachable:
    """A Service whose every request fails to connect, on a fake clock."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timeouts: list[float] = []
        self.sleeps: list[float] = []

    def call(self, method: str, path: str, timeout: float, body: Any = None) -> Any:
        self.timeouts.append(timeout)
        self.now += min(timeout, 3.0)  # a connect that hangs for a while, then fails
        raise requests.ConnectionError("refused")

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_the_rollout_wait_backs_off_and_stops_at_the_timeout() -> None:
    fake = _Unreachable()
    settings = Settings("http://h", None, 30.0, 200.0, 1, None, "defaults", 0.5)
    expected = r"could not reach http://h within 30 s \(6 attempts\): GET /ready failed: cannot"
    with pytest.raises(CouldNotCheck, match=expected):
        wait_for_rollout(fake, settings, clock=lambda: fake.now, sleep=fake.sleep)  # type: ignore[arg-type]
    # 0.5 s doubling, capped at 5 s; the last request gets only what is left of the 30 s
    assert fake.sleeps == [0.5, 1.0, 2.0, 4.0, 5.0]
    assert fake.timeouts == [10.0] * 5 + [2.5]
    assert fake.now == 30.0


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95 and percentile(values, 50) == 50
    assert percentile([3.0, 1.0, 2.0], 95) == 3 and percentile([7.0], 50) == 7


def test_versions_compare_without_one_leading_v() -> None:
    assert same_version("0.1.0", "v0.1.0") and same_version("v0.1.0", "0.1.0")
    assert not same_version("0.1.0", "vv0.1.0") and not same_version("0.1.0", "0.1.1")


def test_base_url() -> None:
    assert base_url(" https://model.example.com/api/ ") == "https://model.example.com/api"


def test_prediction_bodies() -> None:
    body = {"model_version": "1", "predictions": [1, 2.5], "probabilities": None}
    assert check_prediction_body(body, 2, 0, None) is None
    near = {"model_version": "1", "predictions": ["a"], "probabilities": [{"a": 0.3, "b": 0.7004}]}
    assert check_prediction_body(near, 1, 0, None) == ("a", "b")
    for bad in (True, float("nan"), {"x": 1}, [1]):
        with pytest.raises(BadAnswer):
            check_prediction_body({"model_version": "1", "predictions": [bad]}, 1, 0, None)


def test_read_sample_caps_records(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps([{"x": i} for i in range(1001)]))
    sample = read_sample(path)
    assert len(sample.records) == 1000 and sample.truncated
