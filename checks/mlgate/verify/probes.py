"""The checks on a ready service: `/health`, the sample through `/predict`, the latency p95.

An answer is checked against the service contract: one prediction per record, numbers or text;
probabilities in [0, 1] summing to 1, over the same classes for every record.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ..hints import describe
from ..io.http import reason
from .report import FAILED, NOT_CHECKED, PASSED, Check, Latency
from .rollout import same_version
from .sample import MAX_RECORDS, Sample
from .service import BadAnswer, Service, answered, json_body, status_field
from .settings import Settings

BATCH = 100  # records per /predict request
SUM_TOLERANCE = 1e-3  # probabilities are floats serialised by the service


def check_health(service: Service, timeout: float) -> Check:
    """GET /health: the liveness endpoint Kubernetes probes must answer 200."""
    import requests

    try:
        response = service.call("GET", "/health", timeout)
    except requests.RequestException as exc:
        return Check("health", FAILED, f"GET /health failed: {reason(exc)}")
    if response.status_code != 200:
        return Check("health", FAILED, f"GET /health {answered(response)}")
    return Check("health", PASSED, f"/health answered 200{status_field(response)}")


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
            return Check("predictions", FAILED, f"{where} failed: {reason(exc)}")
        if not 200 <= response.status_code < 300:
            return Check("predictions", FAILED, f"{where} {answered(response)}")
        try:
            found = check_prediction_body(
                json_body(response), len(batch), offset, settings.expect_version
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


def _what(value: object) -> str:
    """A JSON value in words: "the text 'a'", "an object"."""
    return describe(value, mapping="an object")


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
            return Check("latency p95", FAILED, f"{where} failed: {reason(exc)}"), None
        times.append((time.perf_counter() - start) * 1000)
        if not 200 <= response.status_code < 300:
            return Check("latency p95", FAILED, f"{where} {answered(response)}"), None
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
