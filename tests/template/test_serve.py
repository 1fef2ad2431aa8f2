"""The generated model service as a real uvicorn process: refusals, OpenAPI, load, drift.

The `custom` covering project serves here: feature names with spaces (`size cm`), a
categorical and numeric features, a classifier, and the fastest model of the covering set (so
10,000 requests measure the service, not a forest). One server per module; the load, drift and
monitor tests start their own, because they stop them (the clean window's traffic, with its
outcomes, serves both the drift check's clean case and `make monitor`).
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import Reproduced
from projects import run
from service_process import Service, free_port, start_service
from support import run_mlgate

pytestmark = pytest.mark.pipeline
NAME = "custom"
MAX_BATCH, MAX_BODY = 100, 65536


@pytest.fixture(scope="module")
def project(reproduced: dict[str, Reproduced], home: Path) -> Path:
    project = reproduced[NAME].project
    run(["python", "-m", f"{project.name.replace('-', '_')}.windows"], project, home)
    return project


@pytest.fixture(scope="module")
def service(
    project: Path, home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    limits = {"SERVICE_MAX_BATCH": str(MAX_BATCH), "SERVICE_MAX_BODY_BYTES": str(MAX_BODY)}
    server = start_service(project, home, tmp_path_factory.mktemp("service"), **limits)
    yield server
    assert server.stop() == 0, server.text()
    assert "Traceback" not in server.text()


def window_records(project: Path, name: str) -> list[dict[str, Any]]:
    """The rows of logs/<name>.jsonl (written by `python -m <module>.windows`)."""
    lines = (project / "logs" / f"{name}.jsonl").read_text().splitlines()
    return [json.loads(line)["features"] for line in lines]


@pytest.fixture(scope="module")
def record(project: Path) -> dict[str, Any]:
    return window_records(project, "clean")[0]


def post(service: Service, body: Any = None, **kwargs: Any) -> requests.Response:
    if body is not None:
        kwargs["data"] = json.dumps(body)
        kwargs.setdefault("headers", {"content-type": "application/json"})
    return requests.post(f"{service.url}/predict", timeout=30, **kwargs)


def test_a_good_batch(service: Service, record: dict) -> None:
    answer = post(service, {"records": [record, {**record, "colour": None, "size cm": None}]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["predictions"]) == 2 and len(body["probabilities"]) == 2
    assert all(abs(sum(p.values()) - 1) < 1e-9 for p in body["probabilities"])
    version = requests.get(f"{service.url}/version", timeout=5).json()
    assert set(version) >= {"version", "commit", "model_hash", "trained_at", "metrics"}
    assert version["predictor"] == "compiled"  # fast_predict reproduced the pipeline at start


JSON = {"content-type": "application/json"}
# (case, body or raw bytes, headers, status, words the detail must contain, record, field)
BAD_REQUESTS: list[tuple[str, Any, dict, int, str, int | None, str | None]] = [
    ("a missing feature",
     lambda r: {"records": [{k: v for k, v in r.items() if k != "age years"}]},
     JSON, 422, "this feature is missing", 0, "age years"),
    ("an extra field", lambda r: {"records": [{**r, "weight": 3}]}, JSON, 422,
     "not a feature of this model", 0, "weight"),
    ("text for a number", lambda r: {"records": [{**r, "size cm": "12"}]}, JSON, 422,
     "valid number", 0, "size cm"),
    ("true for a number", lambda r: {"records": [{**r, "age years": True}]}, JSON, 422,
     "valid number", 0, "age years"),
    ("a list for a number", lambda r: {"records": [{**r, "age years": [1]}]}, JSON, 422,
     "valid number", 0, "age years"),
    ("a number for a category", lambda r: {"records": [{**r, "colour": 3}]}, JSON, 422,
     "valid string", 0, "colour"),
    ("a number far beyond the data", lambda r: {"records": [{**r, "size cm": 1e300}]}, JSON,
     422, "far outside the training data", 0, "size cm"),
    ("the second record wrong", lambda r: {"records": [r, {**r, "age years": "old"}]}, JSON, 422,
     "record 1, field 'age years'", 1, "age years"),
    ("a record that is not an object", lambda r: {"records": [r, 7]}, JSON, 422,
     "record 1", 1, None),
    ("an empty batch", lambda r: {"records": []}, JSON, 422, "at least one record", None,
     "records"),
    ("records not a list", lambda r: {"records": r}, JSON, 422, "valid array", None, "records"),
    ("no records key", lambda r: {"rows": [r]}, JSON, 422, 'the body is {"records"', None,
     "records"),
    ("a list for a body", lambda r: [r], JSON, 422, "must be a JSON object", None, None),
    ("a batch over the maximum", lambda r: {"records": [r] * (MAX_BATCH + 1)}, JSON, 413,
     f"at most {MAX_BATCH} records", None, "records"),
    ("a body over the size limit, streamed",  # chunked: no length to refuse it by
     lambda r: b'{"records": [' + b" " * MAX_BODY + b"]}", {**JSON, "chunked": "yes"}, 413,
     f"over the limit of {MAX_BODY} bytes", None, None),
    ("a declared length over the limit",
     lambda r: b"{}", {**JSON, "content-length-override": str(MAX_BODY + 1)}, 413,
     "the limit is", None, None),
    ("invalid JSON", lambda r: b'{"records": [', JSON, 400, "not valid JSON", None, None),
    ("NaN", lambda r: json.dumps({"records": [{**r, "age years": float("nan")}]}).encode(), JSON,
     422, "", 0, "age years"),
    ("form data", lambda r: b"records=1", {"content-type": "application/x-www-form-urlencoded"},
     415, "application/json", None, None),
    ("no content type", lambda r: b"{}", {}, 415, "application/json", None, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "headers", "status", "words", "record_index", "field"),
    [case[1:] for case in BAD_REQUESTS], ids=[case[0] for case in BAD_REQUESTS],
)  # fmt: skip
def test_bad_requests_get_a_4xx_that_names_the_record_and_field(
    service: Service, record: dict, body: Any, headers: dict, status: int, words: str,
    record_index: int | None, field: str | None,
) -> None:  # fmt: skip
    payload = body(record)
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = dict(headers)
    if "content-length-override" in headers:
        answer = raw_post(service, data, headers.pop("content-length-override"), headers)
    elif headers.pop("chunked", None):
        pieces = iter([data[i : i + 4096] for i in range(0, len(data), 4096)])
        answer = requests.post(f"{service.url}/predict", data=pieces, headers=headers, timeout=30)
    else:
        answer = requests.post(f"{service.url}/predict", data=data, headers=headers, timeout=30)
    assert answer.status_code == status, answer.text
    body_json = answer.json()
    assert words in body_json["detail"], body_json
    if record_index is not None or field is not None:
        assert {"record": record_index, "field": field} in [
            {"record": e["record"], "field": e["field"]} for e in body_json["errors"]
        ], body_json


def raw_post(service: Service, data: bytes, length: str, headers: dict) -> requests.Response:
    """A request whose Content-Length announces more than the limit (it is refused unread)."""
    request = requests.Request("POST", f"{service.url}/predict", data=data, headers=headers)
    prepared = request.prepare()
    prepared.headers["Content-Length"] = length
    with requests.Session() as session:
        return session.send(prepared, timeout=30)


def test_unseen_categories_are_accepted_and_counted(service: Service, record: dict) -> None:
    answer = post(service, {"records": [{**record, "colour": "ultraviolet"}] * 3})
    assert answer.status_code == 200, answer.text
    metrics = requests.get(f"{service.url}/metrics", timeout=5).text
    assert 'unseen_categories_total{feature="colour"} 3.0' in metrics
    assert 'http_requests_total{method="POST",route="/predict",status="422"}' in metrics
    assert "http_request_duration_seconds_bucket" in metrics
    assert "predictions_by_class_total" in metrics


def test_the_openapi_document_holds_under_1000_generated_requests(service: Service) -> None:
    """schemathesis: valid and invalid bodies from /openapi.json; no 5xx, answers as documented."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.specs.openapi.checks import negative_data_rejection

    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json")
    cases: dict[str, int] = {}

    def explore(label: str, strategy: Any, examples: int, negative: bool) -> None:
        @given(case=strategy)
        @settings(max_examples=examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def check(case: Any) -> None:
            cases[label] = cases.get(label, 0) + 1
            # schemathesis expects 400/422 for an invalid body; one over the batch maximum is
            # 413 by design (documented): any 4xx is a rejection here.
            response = case.call_and_validate(excluded_checks=[negative_data_rejection])
            if negative:
                assert 400 <= response.status_code < 500, (response.status_code, case.body)

        check()

    for result in schema.get_all_operations():
        operation = result.ok()
        plan = {GenerationMode.POSITIVE: 700, GenerationMode.NEGATIVE: 300}
        if operation.label == "POST /feedback":
            # The 1000 are /predict's (records of every kind of feature, bounds, nulls); /feedback
            # took as many by being a POST too, for a body of two fields per outcome (request_id,
            # outcome): 300 is three times Hypothesis's default, and 20 s less.
            plan = {GenerationMode.POSITIVE: 200, GenerationMode.NEGATIVE: 100}
        elif operation.method.upper() != "POST":
            plan = {GenerationMode.POSITIVE: 5}
        for mode, examples in plan.items():
            strategy = operation.as_strategy(generation_mode=mode)
            explore(operation.label, strategy, examples, mode is GenerationMode.NEGATIVE)
    assert cases["POST /predict"] >= 1000 and cases["POST /feedback"] >= 300, cases


def model_calls(url: str) -> tuple[float, float]:
    """(calls, rows) of the model_call_rows histogram on /metrics."""
    text = requests.get(f"{url}/metrics", timeout=5).text
    found = dict(line.rsplit(" ", 1) for line in text.splitlines()
                 if line.startswith(("model_call_rows_count", "model_call_rows_sum")))  # fmt: skip
    return float(found["model_call_rows_count"]), float(found["model_call_rows_sum"])


def test_10000_requests_at_32_concurrent_and_a_graceful_shutdown_lose_no_log_line(
    project: Path, home: Path, tmp_path: Path
) -> None:
    """Concurrent requests share model calls (the batcher) and each gets its own answer."""
    server = start_service(project, home, tmp_path / "load")
    rows = window_records(project, "clean")[:500]
    alone = requests.post(f"{server.url}/predict", json={"records": rows}, timeout=60).json()
    local = threading.local()

    def one(index: int) -> tuple[int, Any]:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        try:
            answer = local.session.post(f"{server.url}/predict", timeout=60,
                                        json={"records": [rows[index % len(rows)]]})  # fmt: skip
        except requests.ConnectionError:
            return -1, None  # the server stopped listening: not accepted
        return answer.status_code, answer.json() if answer.status_code == 200 else None

    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(one, range(10_000)))
    statuses = [status for status, _ in answers]
    assert statuses.count(200) == 10_000, {s: statuses.count(s) for s in set(statuses)}
    for index, (_, body) in enumerate(answers):
        row = index % len(rows)
        assert body["predictions"] == [alone["predictions"][row]], index
        expected = alone["probabilities"][row]
        assert all(abs(body["probabilities"][0][k] - p) < 1e-9 for k, p in expected.items())
    calls, predicted = model_calls(server.url)
    assert predicted == 10_000 + len(rows)
    assert calls < 10_000, "no two of 10,000 concurrent requests shared a model call"

    with ThreadPoolExecutor(32) as pool:  # and now stop it while requests keep coming
        during = [pool.submit(one, i) for i in range(3000)]
        threading.Timer(0.3, server.process.send_signal, args=(15,)).start()
        late = [future.result()[0] for future in during]
    assert server.stop() == 0, server.text()
    assert set(late) <= {200, -1, 503}, {s: late.count(s) for s in set(late)}
    accepted = 1 + statuses.count(200) + late.count(200)  # 1: the 500-row request
    lines = server.log.read_text().splitlines()
    assert len(lines) == accepted, (len(lines), accepted)
    assert all(json.loads(line)["predictions"] for line in lines[-5:])


@dataclass
class Traffic:
    """A window's records sent 10 a request to a service of their own, then stopped."""

    log: Path  # the service's request log
    ids: list[str]
    predictions: list[Any]
    feedback_log: Path | None = None  # the outcomes sent to /feedback, when they were
    accepted: Any = None  # /feedback's answer


def serve_window(
    project: Path, home: Path, folder: Path, window: str, outcomes: list[Any] | None = None
) -> Traffic:
    """Requests → the service's log (and with `outcomes`, each request's outcome → /feedback)."""
    settings = {"SERVICE_FEEDBACK_LOG": str(folder / "feedback.jsonl")} if outcomes else {}
    server = start_service(project, home, folder, **settings)
    rows = window_records(project, window)
    traffic = Traffic(server.log, [], [])
    for start in range(0, len(rows), 10):
        answer = post(server, {"records": rows[start : start + 10]})
        assert answer.status_code == 200, answer.text
        traffic.ids += answer.json()["request_ids"]
        traffic.predictions += answer.json()["predictions"]
    if outcomes:
        sent = [{"request_id": i, "outcome": o} for i, o in zip(traffic.ids, outcomes, strict=True)]
        answer = requests.post(f"{server.url}/feedback", json={"outcomes": sent}, timeout=10)
        traffic.feedback_log, traffic.accepted = folder / "feedback.jsonl", answer.json()
    assert server.stop() == 0, server.text()
    return traffic


@pytest.fixture(scope="module")
def clean_traffic(project: Path, home: Path, tmp_path_factory: pytest.TempPathFactory) -> Traffic:
    """The clean window served, and each request's true outcome sent to /feedback: what both
    the drift check's clean case and `make monitor` read (one service for the same requests)."""
    import pandas as pd

    truth = pd.read_csv(project / "data" / "processed" / "test.csv")["target"].tolist()
    return serve_window(project, home, tmp_path_factory.mktemp("clean-traffic"), "clean", truth)


@pytest.mark.parametrize(("window", "verdict"), [("clean", 0), ("drifted", 1)])
def test_serve_then_drift_on_the_request_log(
    project: Path, home: Path, tmp_path: Path, window: str, verdict: int,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    """Production end to end: requests → the service's log → `mlgate drift` → a verdict."""
    if window == "clean":
        traffic = request.getfixturevalue("clean_traffic")
    else:
        traffic = serve_window(project, home, tmp_path / window, window)
    drift = run_mlgate(home, "drift", "--current", str(traffic.log), cwd=project)
    assert drift.returncode == verdict, drift.stdout + drift.stderr


def verify(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"MLGATE_VERIFY_BACKOFF_S": "0.1"}
    return run(["mlgate", "verify", *args], project, home, check=False, env=env)


def test_mlgate_verify_passes_against_the_live_service(
    service: Service, project: Path, home: Path
) -> None:
    version = requests.get(f"{service.url}/version", timeout=5).json()["version"]
    sample = ["--sample", "logs/clean.jsonl", "--requests", "50", "--timeout", "30"]
    result = verify(project, home, service.url, "--expect-version", f"v{version}", *sample)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "p95" in result.stdout


def test_mlgate_verify_fails_on_the_wrong_version_after_its_timeout(
    service: Service, project: Path, home: Path
) -> None:
    result = verify(project, home, service.url, "--expect-version", "9.9.9", "--timeout", "2")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "expected 9.9.9" in result.stdout + result.stderr


def test_mlgate_verify_cannot_check_an_unreachable_port(project: Path, home: Path) -> None:
    result = verify(project, home, f"http://127.0.0.1:{free_port()}", "--timeout", "2")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "could not reach" in result.stdout + result.stderr


def test_outcomes_through_feedback_then_make_monitor(
    project: Path, home: Path, clean_traffic: Traffic
) -> None:
    """The loop of issue 19: predictions, their real outcomes sent to /feedback by request_id,
    `make monitor` scoring them as the evaluate stage scores the test split."""
    import pandas as pd
    from sklearn import metrics

    rows = window_records(project, "clean")
    truth = pd.read_csv(project / "data" / "processed" / "test.csv")["target"].tolist()
    assert clean_traffic.accepted == {"accepted": len(rows)}, clean_traffic.accepted
    assert clean_traffic.feedback_log is not None
    logs = project / "logs"
    copies = [logs / "requests.jsonl", logs / "feedback.jsonl"]
    copies[0].write_bytes(clean_traffic.log.read_bytes())
    copies[1].write_bytes(clean_traffic.feedback_log.read_bytes())
    try:  # -o setup: this venv serves the tests; the recipe itself is what is tried
        command = ["make", "-o", "setup", "monitor", "BASELINE=HEAD", "MIN_LABELS=50"]
        result = run(command, project, home, check=False)
    finally:
        for copy in copies:
            copy.unlink()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mlgate monitor: PASS" in result.stdout, result.stdout  # make -C may frame it
    accuracy = metrics.accuracy_score(truth, clean_traffic.predictions)
    line = next(line for line in result.stdout.splitlines() if line.startswith("accuracy"))
    assert f"{accuracy:.4g}"[:5] in line, (accuracy, line)
    assert f"{len(rows)} of {len(rows)} predictions" in result.stdout
