"""`mlgate verify URL`: after a deploy, check that the live service is the release and works.

The release job runs this once the GitOps pull request is merged, while the cluster may still be
rolling out, so it first waits: `/ready` must answer 200 and `/version` must report the expected
version, polled with exponential backoff until the timeout. Then `/health`, the sample's records
through `/predict` (one prediction per record, numbers or text; probabilities in [0, 1] summing
to 1), and the latency of N sequential requests against the p95 budget.

Three outcomes, kept apart: pass (0); fail (1) when the service answered but is not the release,
never got ready, answered badly or too slowly; could not check (2) when nothing ever answered
within the timeout or the inputs (URL, numbers, policy, sample) are unusable. Inputs are all
checked before the first request, so a typo does not wait out a five-minute timeout.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import __version__, step_summary
from .errors import CouldNotCheck
from .fetch_window import LOOPBACK, shown_url
from .textfile import write_text
from .verify_policy import load_verify_policy, milliseconds, request_count, seconds
from .verify_report import (
    FAILED,
    NOT_CHECKED,
    PASSED,
    Check,
    Latency,
    VerifyReport,
    error_json,
    to_json,
    to_markdown,
    to_text,
)
from .verify_sample import MAX_RECORDS, Sample, read_sample

if TYPE_CHECKING:
    import requests

BATCH = 100  # records per /predict request
REQUEST_TIMEOUT_S = 10.0
DEFAULT_BACKOFF_S = 0.5
MAX_BACKOFF_S = 5.0
SUM_TOLERANCE = 1e-3  # probabilities are floats serialised by the service


@dataclass(frozen=True)
class Settings:
    url: str  # without a trailing slash
    expect_version: str | None
    timeout_s: float
    p95_ms: float
    requests: int
    sample: Sample | None
    policy_source: str
    backoff_s: float

    @property
    def shown(self) -> str:
        return shown_url(self.url)


class BadAnswer(Exception):
    """The service answered, but not as the contract says: the check fails with this message."""


def run_verify(
    url: str,
    *,
    expect_version: str | None = None,
    sample: str | None = None,
    requests: int | None = None,
    p95_ms: float | None = None,
    timeout: float | None = None,
    config: str | None = None,
    json_path: str | None = None,
) -> int:
    """Check the service and report in the terminal, the job summary and --json."""
    try:
        settings = build_settings(
            url, expect_version=expect_version, sample=sample, requests=requests,
            p95_ms=p95_ms, timeout=timeout, config=config,
        )  # fmt: skip
        report = verify(settings)
    except CouldNotCheck as exc:
        if json_path:
            write_text(json_path, error_json(str(exc), _safe_shown(url)))
        raise
    sys.stdout.write(to_text(report))
    if json_path:
        write_text(json_path, to_json(report))
    step_summary.append(to_markdown(report))
    return report.exit_code


def build_settings(
    url: str,
    *,
    expect_version: str | None,
    sample: str | None,
    requests: int | None,
    p95_ms: float | None,
    timeout: float | None,
    config: str | None,
) -> Settings:
    """Options over the policy's verify section over the defaults; every input checked."""
    base = base_url(url)
    if expect_version is not None:
        expect_version = expect_version.strip()
        if not expect_version:
            raise CouldNotCheck("--expect-version is empty: pass the release's version or tag")
    policy = load_verify_policy(config)
    error = CouldNotCheck
    timeout_s = policy.timeout_s if timeout is None else seconds(timeout, "--timeout", error)
    budget = policy.p95_ms if p95_ms is None else milliseconds(p95_ms, "--p95-ms", error)
    count = policy.requests if requests is None else request_count(requests, "--requests", error)
    if sample is not None and not sample.strip():
        raise CouldNotCheck("--sample is empty: pass a file of records")
    sample_path = Path(sample) if sample is not None else policy.sample
    records = read_sample(sample_path) if sample_path is not None else None
    return Settings(
        base, expect_version, timeout_s, budget, count, records, policy.source, backoff_seconds()
    )  # fmt: skip


def base_url(url: str) -> str:
    """The service's base URL without a trailing slash: http(s), a host, no query."""
    text = url.strip()
    if not text:
        raise CouldNotCheck(
            "the service URL is empty: pass its base URL, e.g. https://model.example.com"
        )
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        raise CouldNotCheck("the service URL contains spaces or control characters")
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise CouldNotCheck(f"the service URL {_safe_shown(text)!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise CouldNotCheck(
            f"the service URL must be http(s)://HOST[:PORT][/PATH], not {_safe_shown(text)!r}"
        )
    if parts.query or parts.fragment:
        raise CouldNotCheck(
            f"the service URL {shown_url(text)} has a query or fragment: pass the base URL only"
        )
    return text.rstrip("/")


def backoff_seconds() -> float:
    """First wait between polls; `MLGATE_VERIFY_BACKOFF_S` shortens (tests) or stretches it."""
    text = os.environ.get("MLGATE_VERIFY_BACKOFF_S", str(DEFAULT_BACKOFF_S))
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 60:
        raise CouldNotCheck(
            f"MLGATE_VERIFY_BACKOFF_S must be seconds above 0 and at most 60, not {text!r}"
        )
    return value


# --- the checks ---------------------------------------------------------------------------------


def verify(settings: Settings) -> VerifyReport:
    """Every check in order; after a failed rollout the rest is not checked (and says so)."""
    report = VerifyReport(settings.shown, settings.expect_version, settings.policy_source)
    with Service(settings.url) as service:
        rollout = wait_for_rollout(service, settings)
        report.service_version = rollout.version
        report.checks.extend(rollout.checks(settings))
        if not rollout.done:
            reason = "the rollout did not complete"
            for name in ("health", "predictions", "latency p95"):
                report.checks.append(Check(name, NOT_CHECKED, reason))
            return report
        report.checks.append(check_health(service, REQUEST_TIMEOUT_S))
        report.checks.append(check_predictions(service, settings, REQUEST_TIMEOUT_S))
        check, report.latency = check_latency(service, settings, REQUEST_TIMEOUT_S)
        report.checks.append(check)
    return report


class Service:
    """The base URL, one keep-alive session, and no proxy for this machine."""

    def __init__(self, base: str) -> None:
        import requests

        self.base = base
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"mlgate/{__version__}"
        local = (urlsplit(base).hostname or "").lower() in LOOPBACK
        # None removes a proxy the environment sets (HTTP_PROXY would catch 127.0.0.1 too)
        self.proxies: dict[str, Any] = {"http": None, "https": None, "all": None} if local else {}

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.session.close()

    def call(self, method: str, path: str, timeout: float, body: Any = None) -> requests.Response:
        """One request; a URL requests cannot send (a bad host name) is could-not-check."""
        try:
            return self.session.request(
                method, self.base + path, json=body, timeout=timeout, proxies=self.proxies
            )
        except ValueError as exc:  # requests' InvalidURL, urllib3's LocationParseError
            raise CouldNotCheck(
                f"cannot send a request to {shown_url(self.base)}: {type(exc).__name__} "
                "(is the host name valid?)"
            ) from None


@dataclass
class Rollout:
    """What the rollout wait saw; `said` is the last observation in words."""

    answered: bool = False
    ready: bool = False
    done: bool = False
    version: dict[str, Any] | None = None
    said: str = ""
    attempts: int = 0
    waited_s: float = 0.0
    ready_after: str = ""  # when /ready first answered 200: "after 1.2 s (3 attempts)"

    def checks(self, settings: Settings) -> list[Check]:
        """The ready and version rows."""
        after = f"after {self.waited_s:.1f} s ({_attempts(self.attempts)})"
        if not self.ready:
            return [
                Check("ready", FAILED, f"not ready {after}; last: {self.said}"),
                Check("version", NOT_CHECKED, "the service never got ready"),
            ]
        ready = Check("ready", PASSED, f"/ready answered 200 {self.ready_after}")
        if not self.done:
            return [ready, Check("version", FAILED, f"{self.said}, still {after}")]
        if self.version is None or settings.expect_version is None:
            shown = f"{self.version['version']}{_provenance(self.version)}" if self.version else ""
            detail = f"{shown or self.said}; pass --expect-version to check it"
            return [ready, Check("version", NOT_CHECKED, detail)]
        detail = f"{self.version['version']} = expected {settings.expect_version}"
        return [ready, Check("version", PASSED, detail + _provenance(self.version))]


def wait_for_rollout(
    service: Service,
    settings: Settings,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Rollout:
    """Poll /ready and /version until both are right or the timeout; raise if nothing answered."""
    state = Rollout()
    start = clock()
    deadline = start + settings.timeout_s
    delay = settings.backoff_s
    while (remaining := deadline - clock()) > 0:
        state.attempts += 1
        _poll(service, settings.expect_version, min(REQUEST_TIMEOUT_S, remaining), state)
        if state.ready and not state.ready_after:
            state.ready_after = f"after {clock() - start:.1f} s ({_attempts(state.attempts)})"
        if state.done:
            break
        pause = min(delay, deadline - clock())
        if pause > 0:
            sleep(pause)
        delay = min(delay * 2, MAX_BACKOFF_S)
    state.waited_s = clock() - start
    if not state.answered:
        raise CouldNotCheck(
            f"could not reach {settings.shown} within {settings.timeout_s:g} s "
            f"({_attempts(state.attempts)}): {state.said or 'no attempt was made'}"
        )
    return state


def _poll(service: Service, expect: str | None, timeout: float, state: Rollout) -> None:
    """One look at /ready, then /version; the result goes into `state`."""
    import requests

    before = state.said
    state.ready = False
    try:
        ready = service.call("GET", "/ready", timeout)
        state.answered = True
        if ready.status_code != 200:
            state.said = f"/ready answered {_status(ready)}{_status_field(ready)}"
        else:
            state.ready = True
            _look_at_version(service.call("GET", "/version", timeout), expect, state)
    except requests.RequestException as exc:
        where = "/version" if state.ready else "/ready"
        state.said = f"GET {where} failed: {_reason(exc)}"
    if state.said != before and not state.done:
        print(f"mlgate verify: waiting for the rollout: {state.said}", file=sys.stderr)


def _look_at_version(response: requests.Response, expect: str | None, state: Rollout) -> None:
    if response.status_code != 200:
        state.said = f"/version answered {_status(response)}"
        state.done = expect is None
        return
    try:
        body = _json_body(response)
    except BadAnswer as exc:
        state.said = f"/version: {exc}"
        state.done = expect is None
        return
    version = body.get("version") if isinstance(body, dict) else None
    if not isinstance(version, str) or not version.strip():
        state.said = '/version did not answer {"version": "..."}'
        state.done = expect is None
        return
    state.version = body
    if expect is not None and not same_version(version, expect):
        state.said = f"version {version}, expected {expect}"
        return
    state.said = f"version {version}"
    state.done = True


def same_version(reported: str, expected: str) -> bool:
    """Equal after dropping one leading 'v' from either: tag v0.1.0 is version 0.1.0."""
    return _bare(reported) == _bare(expected)


def _bare(version: str) -> str:
    version = version.strip()
    return version[1:] if version.startswith("v") else version


def _provenance(info: dict[str, Any]) -> str:
    """' (commit abc123def456, model sha256:0123…)' from what /version said, if anything."""
    extra = [
        f"{label} {str(info[key])[:width]}"
        for key, label, width in (("commit", "commit", 12), ("model_hash", "model", 23))
        if isinstance(info.get(key), str) and info[key]
    ]
    return f" ({', '.join(extra)})" if extra else ""


def check_health(service: Service, timeout: float) -> Check:
    """GET /health: the liveness endpoint Kubernetes probes must answer 200."""
    import requests

    try:
        response = service.call("GET", "/health", timeout)
    except requests.RequestException as exc:
        return Check("health", FAILED, f"GET /health failed: {_reason(exc)}")
    if response.status_code != 200:
        return Check("health", FAILED, f"GET /health {_answered(response)}")
    return Check("health", PASSED, f"/health answered 200{_status_field(response)}")


def check_predictions(service: Service, settings: Settings, timeout: float) -> Check:
    """The sample through POST /predict in batches; the first bad answer fails the check."""
    import requests

    sample = settings.sample
    if sample is None:
        return Check("predictions", NOT_CHECKED, "no sample (--sample or verify.sample)")
    records = sample.records
    batches = range(0, len(records), BATCH)
    classes: tuple[str, ...] | None = None
    for number, offset in enumerate(batches, start=1):
        batch = records[offset : offset + BATCH]
        where = f"request {number} of {len(batches)}: POST /predict"
        try:
            response = service.call("POST", "/predict", timeout, {"records": batch})
        except requests.RequestException as exc:
            return Check("predictions", FAILED, f"{where} failed: {_reason(exc)}")
        if not 200 <= response.status_code < 300:
            return Check("predictions", FAILED, f"{where} {_answered(response)}")
        try:
            found = check_prediction_body(
                _json_body(response), len(batch), offset, settings.expect_version
            )
            classes = _same_classes(classes, found, offset)
        except BadAnswer as exc:
            return Check("predictions", FAILED, f"{where}: {exc}")
    return Check("predictions", PASSED, _predictions_summary(sample, len(batches), classes))


def _predictions_summary(sample: Sample, requests: int, classes: tuple[str, ...] | None) -> str:
    count = len(sample.records)
    text = f"{count} records of {sample.path} in {requests} request{'s' * (requests != 1)}: "
    text += "one prediction each, "
    if classes:
        text += f"probabilities over {len(classes)} classes summing to 1"
    else:
        text += "no probabilities (regression)"
    if sample.truncated:
        text += f"; the first {MAX_RECORDS} records of the sample"
    return text


def check_prediction_body(
    body: Any, count: int, offset: int, expect: str | None
) -> tuple[str, ...] | None:
    """Raise BadAnswer unless `body` is the contract's answer for `count` records; return the
    classes of the probabilities (None: a regressor's answer)."""
    if not isinstance(body, dict):
        raise BadAnswer(f"the answer is {_what(body)}, not a JSON object")
    model_version = body.get("model_version")
    if not isinstance(model_version, str) or not model_version.strip():
        raise BadAnswer(f"'model_version' must be text, not {_what(model_version)}")
    if expect is not None and not same_version(model_version, expect):
        raise BadAnswer(f"answered by model_version {model_version}, expected {expect}")
    predictions = body.get("predictions")
    if not isinstance(predictions, list):
        raise BadAnswer(f"'predictions' must be a list, not {_what(predictions)}")
    if len(predictions) != count:
        raise BadAnswer(f"{len(predictions)} predictions for {count} records")
    for index, prediction in enumerate(predictions, start=offset):
        if not _is_prediction(prediction):
            raise BadAnswer(
                f"the prediction for record {index} is {_what(prediction)}, not a number or text"
            )
    probabilities = body.get("probabilities")
    if probabilities is None:
        return None
    if not isinstance(probabilities, list):
        raise BadAnswer(f"'probabilities' must be a list or null, not {_what(probabilities)}")
    if len(probabilities) != count:
        raise BadAnswer(f"{len(probabilities)} probability mappings for {count} records")
    found: tuple[str, ...] | None = None
    for index, mapping in enumerate(probabilities, start=offset):
        found = _same_classes(found, _check_probabilities(mapping, index), index)
    return found


def _is_prediction(value: object) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_probabilities(mapping: object, index: int) -> tuple[str, ...]:
    if not isinstance(mapping, dict) or not mapping:
        raise BadAnswer(
            f"the probabilities for record {index} must map classes to numbers, not "
            f"{_what(mapping)}"
        )
    for label, value in mapping.items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not 0 <= value <= 1:
            raise BadAnswer(
                f"the probability of class {label!r} for record {index} is {_what(value)}, "
                "not a number in [0, 1]"
            )
    total = math.fsum(mapping.values())
    if abs(total - 1) > SUM_TOLERANCE:
        raise BadAnswer(f"the probabilities for record {index} sum to {total:.6g}, not 1")
    return tuple(sorted(mapping))


def _same_classes(
    known: tuple[str, ...] | None, found: tuple[str, ...] | None, index: int
) -> tuple[str, ...] | None:
    """A classifier answers every record with the same classes."""
    if known is not None and found is not None and found != known:
        raise BadAnswer(
            f"record {index} has probabilities for classes {list(found)}, earlier records "
            f"for {list(known)}"
        )
    return known if known is not None else found


def check_latency(
    service: Service, settings: Settings, timeout: float
) -> tuple[Check, Latency | None]:
    """N sequential requests, one record each (cycling through the sample), or GET /health."""
    import requests

    records = settings.sample.records if settings.sample else None
    request = "POST /predict" if records else "GET /health"
    method, path = request.split()
    times: list[float] = []
    for number in range(settings.requests):
        body = {"records": [records[number % len(records)]]} if records else None
        where = f"request {number + 1} of {settings.requests}: {request}"
        start = time.perf_counter()
        try:
            response = service.call(method, path, timeout, body)
        except requests.RequestException as exc:
            return Check("latency p95", FAILED, f"{where} failed: {_reason(exc)}"), None
        times.append((time.perf_counter() - start) * 1000)
        if not 200 <= response.status_code < 300:
            return Check("latency p95", FAILED, f"{where} {_answered(response)}"), None
    latency = Latency(
        request, len(times), percentile(times, 50), percentile(times, 95), max(times),
        settings.p95_ms,
    )  # fmt: skip
    over = latency.p95_ms > latency.budget_ms
    detail = (
        f"{latency.p95_ms:.1f} ms {'>' if over else '≤'} budget {latency.budget_ms:g} ms "
        f"(p50 {latency.p50_ms:.1f} ms, max {latency.max_ms:.1f} ms; {latency.count} x {request})"
    )
    return Check("latency p95", FAILED if over else PASSED, detail), latency


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q % of the values at or below
    it (p95 of 100 requests is the 95th fastest), never an interpolated time nobody saw."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


# --- wording ------------------------------------------------------------------------------------


def _json_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        text = " ".join(response.text.split())[:80]
        raise BadAnswer(
            f"the answer is not JSON ({response.headers.get('Content-Type') or 'no Content-Type'}"
            + (f": {text!r})" if text else ", empty)")
        ) from None


def _status(response: requests.Response) -> str:
    return f"{response.status_code} {response.reason or ''}".strip()


def _status_field(response: requests.Response) -> str:
    """' (loading)' from a body {"status": "loading"}, else ''."""
    try:
        body = response.json()
    except ValueError:
        return ""
    status = body.get("status") if isinstance(body, dict) else None
    return f" ({status[:40]})" if isinstance(status, str) and status else ""


def _answered(response: requests.Response) -> str:
    """'answered 422 Unprocessable Entity: detail; record 0, field colour: message'."""
    text = f"answered {_status(response)}"
    try:
        body = response.json()
    except ValueError:
        excerpt = " ".join(response.text.split())[:200]
        return f"{text}: {excerpt}" if excerpt else text
    if not isinstance(body, dict):
        return text
    parts = [_detail(body.get("detail")), _errors(body.get("errors"))]
    said = "; ".join(part for part in parts if part)
    return f"{text}: {said}" if said else text


def _detail(detail: object) -> str:
    if isinstance(detail, str):
        return detail[:300]
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):  # FastAPI's own 422
        first = detail[0]
        where = ".".join(str(part) for part in first.get("loc") or [])
        more = f" (+{len(detail) - 1} more)" if len(detail) > 1 else ""
        return f"{where}: {first.get('msg', '')}{more}".strip(": ")
    return ""


def _errors(errors: object) -> str:
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return ""
    first = errors[0]
    where = ", ".join(
        f"{key} {first[key]}" for key in ("record", "field") if first.get(key) is not None
    )
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first.get('message', '')}{more}".strip(": ")


def _reason(exc: requests.RequestException) -> str:
    """What went wrong, in words, without the exception's text (it repeats the whole URL)."""
    import requests

    reasons: list[tuple[type[Exception], str]] = [
        (requests.exceptions.ConnectTimeout, "timed out connecting"),
        (requests.Timeout, "timed out waiting for the answer"),
        (requests.exceptions.SSLError, "the TLS certificate could not be verified"),
        (requests.exceptions.ProxyError, "the proxy refused or failed"),
        (requests.exceptions.ChunkedEncodingError, "the connection broke off mid-answer"),
        (requests.ConnectionError, "cannot connect (refused, no route, or name not resolved)"),
        (requests.TooManyRedirects, "too many redirects"),
    ]
    for kind, reason in reasons:
        if isinstance(exc, kind):
            return reason
    return type(exc).__name__


def _what(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return "a list" if isinstance(value, list) else "an object"


def _attempts(count: int) -> str:
    return f"{count} attempt{'s' * (count != 1)}"


def _safe_shown(url: str) -> str:
    """The URL without credentials, even when it does not parse."""
    try:
        return shown_url(url.strip())
    except ValueError:
        return "<unparsable URL>"
