"""The model service of a generated project: `create_app` builds it, `run` serves it.

GET /health (the process answers), GET /ready (the model is loaded; 503 before), GET /version
(what is deployed: version, commit, model hash, training time, its metrics), POST /predict (a
batch of records -> predictions, a request_id per record, and class probabilities for a
classifier), POST /feedback (real outcomes by request_id, feedback.py), GET /metrics
(Prometheus). Requests are checked against models/schema.json before the model sees them: bad
input gets a 4xx that names the record and the field, never a 500. Every accepted request is
logged as a JSON line (request_log.py) for `mlgate drift` and `mlgate monitor`, every accepted
outcome to the feedback log. Settings: SERVICE_* (settings.py).

A project adapts the service in its own serve.py, not here: `preprocess` gets each request's
validated columns (feature name -> values) and returns what the model sees (that is also what
is logged for drift); `postprocess` gets the predictions and class probabilities and returns
what the client gets. A ValueError from either is the request's fault: a 422 with its message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from mlgate.serve.batching import Batcher
from mlgate.serve.compiled import TextStep
from mlgate.serve.feedback import FeedbackAnswer, feedback_model, new_request_ids
from mlgate.serve.metrics import ServiceMetrics
from mlgate.serve.model import Model, plain, read_schema
from mlgate.serve.request_log import FeedbackLog, RequestLog
from mlgate.serve.schema import (
    ErrorAnswer,
    PredictAnswer,
    RequestError,
    batch_model,
    dropped_of,
    example_request,
    explain,
    record_model,
)
from mlgate.serve.settings import Settings

Columns = dict[str, list[Any]]
Probabilities = list[dict[str, float]] | None
Preprocess = Callable[[Columns], Columns]
Postprocess = Callable[[list[Any], Probabilities], tuple[list[Any], Probabilities]]

JSON_MEDIA = "application/json"
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]  # fmt: skip


def error_answer(status: int, detail: str, problems: list[RequestError] = ()) -> JSONResponse:  # type: ignore[assignment]
    body = {"detail": detail, "errors": [p.as_json() for p in problems]}
    return JSONResponse(body, status_code=status)


def summary(problems: list[RequestError], item: str = "record") -> str:
    first = problems[0]
    where = []
    if first.record is not None:
        where.append(f"{item} {first.record}")
    if first.field:
        where.append(f"field {first.field!r}")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (", ".join(where) + ": " if where else "") + first.message + more


async def read_body(request: Request, limit: int) -> bytes | JSONResponse:
    """The body, or a 4xx answer: too large (413, before reading it all), wrong type (415)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != JSON_MEDIA:
        return error_answer(415, f"send the body as {JSON_MEDIA}, not {media or 'no type'}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return error_answer(413, f"the body is {declared} bytes; the limit is {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return error_answer(413, f"the body is over the limit of {limit} bytes")
    return bytes(body)


async def read_valid(
    request: Request, model: type[BaseModel], limit: int, container: str
) -> BaseModel | JSONResponse:
    """The body checked against `model`, or the 4xx answer that says what is wrong with it."""
    body = await read_body(request, limit)
    if isinstance(body, Response):
        return body
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        status, problems = explain(exc, container=container)
        return error_answer(status, summary(problems, container[:-1]), problems)


class MetricsMiddleware:
    """Counts and times every request by route (unknown paths as one `other` route)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, routes: set[str]) -> None:
        self.app, self.metrics, self.routes = app, metrics, routes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope["path"] if scope["path"] in self.routes else "other"
            elapsed = time.perf_counter() - start
            self.metrics.observe_request(route, scope["method"], status, elapsed)


def create_app(
    settings: Settings | None = None,
    *,
    package: str,
    as_text: TextStep = None,
    preprocess: Preprocess | None = None,
    postprocess: Postprocess | None = None,
) -> FastAPI:
    """The service of `package` (its version is the service's), serving settings.model_dir.

    as_text: the project's function that makes categories text (see compiled.py); without it
    categorical features are served by the pipeline itself, correct but slower.
    """
    settings = settings or Settings.from_env()
    schema = read_schema(settings.model_dir)
    version = settings.service_version(package)
    model = Model(settings, schema, version, as_text)
    record = record_model(model.features, dropped_of(schema))
    batch = batch_model(record, settings.max_batch)
    names = [f.name for f in model.features]
    fields = [name for name in record.model_fields if name.startswith("feature_")]
    categorical = [(i, f) for i, f in enumerate(model.features) if f.kind == "categorical"]
    metrics = ServiceMetrics(model.task)
    batcher = Batcher(model.predict, settings.max_batch, metrics.observe_model_call)
    rotation = {"max_bytes": settings.request_log_max_bytes,
                "backups": settings.request_log_backups,
                "flush_s": settings.request_log_flush_s, "version": version}  # fmt: skip
    log = RequestLog(settings.request_log, **rotation)
    outcomes_log = FeedbackLog(settings.feedback_log, **rotation)
    outcomes_body = feedback_model(schema, settings.max_batch)
    metrics.track_readiness(model.ready.is_set)
    metrics.track_log_errors({"requests": log, "feedback": outcomes_log})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        log.start()
        outcomes_log.start()
        threading.Thread(target=model.load, name="model-load", daemon=True).start()
        try:
            yield
        finally:
            batcher.close()
            log.close()  # after uvicorn finished the requests in flight
            outcomes_log.close()

    app = FastAPI(title=f"{package} model service", version=version, lifespan=lifespan)
    app.state.model, app.state.log, app.state.metrics = model, log, metrics
    app.state.batcher = batcher
    errors: dict[int | str, dict[str, Any]] = {
        code: {"model": ErrorAnswer, "description": text}
        for code, text in ((400, "not JSON"), (413, "too many records or too large"),
                           (415, "not application/json"), (422, "a record does not fit"),
                           (503, "the model is not loaded yet"))
    }  # fmt: skip

    @app.get("/health", summary="the process answers")
    def health() -> JSONResponse:
        if model.error:
            return JSONResponse({"status": "failed", "detail": model.error}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/ready", summary="the model is loaded", responses={503: {"model": ErrorAnswer}})
    def ready() -> JSONResponse:
        if model.ready.is_set():
            return JSONResponse({"status": "ready"})
        detail = model.error or "the model is loading"
        return JSONResponse({"status": "failed" if model.error else "loading", "detail": detail},
                            status_code=503)  # fmt: skip

    @app.get("/version", summary="what is deployed", responses={503: {"model": ErrorAnswer}})
    def version_info() -> JSONResponse:
        if not model.ready.is_set():
            return error_answer(503, model.error or "the model is loading")
        return JSONResponse(model.info)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    def prometheus() -> Response:
        return Response(metrics.exposition(), media_type="text/plain; version=0.0.4")

    @app.post(
        "/predict",
        summary="predict a batch of records",
        response_model=PredictAnswer,
        responses=errors,
        openapi_extra={"requestBody": {"required": True, "content": {
            JSON_MEDIA: {"schema": {"$ref": "#/components/schemas/PredictRequest"}}}}},
    )  # fmt: skip
    async def predict(request: Request) -> Response:
        if not model.ready.is_set():
            return error_answer(503, model.error or "the model is loading; try again shortly")
        parsed = await read_valid(request, batch, settings.max_body_bytes, "records")
        if isinstance(parsed, Response):
            return parsed
        records: list[BaseModel] = parsed.records  # type: ignore[attr-defined]
        columns = [[getattr(r, name) for r in records] for name in fields]
        if preprocess is not None:
            try:
                columns = preprocessed(preprocess, names, columns)
            except ValueError as exc:
                return error_answer(422, f"these values cannot be prepared for the model: {exc}")
        for index, feature in categorical:
            unseen = sum(
                1 for v in columns[index] if v is not None and str(v) not in feature.categories
            )
            if unseen:
                metrics.observe_unseen(feature.name, unseen)
        try:
            predictions, probabilities = await batcher.predict(columns)
        except ValueError as exc:  # the model's own input checks: still the request's values
            return error_answer(422, f"the model cannot use these values: {exc}")
        shown, shown_probabilities = predictions, probabilities
        if postprocess is not None:
            try:
                finished = postprocess(predictions, probabilities)
            except ValueError as exc:
                return error_answer(422, f"the predictions cannot be finished: {exc}")
            shown, shown_probabilities = postprocessed(finished, len(predictions))
        # metrics and the log keep what the model predicted; the client gets the finished answer
        metrics.observe_predictions(predictions)
        rows = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
        request_ids = new_request_ids(len(rows))
        log.append(rows, predictions, request_ids, probabilities)
        answer: dict[str, Any] = {"model_version": version, "predictions": shown,
                                  "request_ids": request_ids}  # fmt: skip
        if shown_probabilities is not None:
            answer["probabilities"] = shown_probabilities
        return JSONResponse(answer)

    @app.post(
        "/feedback",
        summary="send the real outcomes of earlier predictions, by request_id",
        response_model=FeedbackAnswer,
        responses={code: errors[code] for code in (400, 413, 415, 422)},
        openapi_extra={"requestBody": {"required": True, "content": {
            JSON_MEDIA: {"schema": {"$ref": "#/components/schemas/FeedbackRequest"}}}}},
    )  # fmt: skip
    async def feedback(request: Request) -> Response:
        parsed = await read_valid(request, outcomes_body, settings.max_body_bytes, "outcomes")
        if isinstance(parsed, Response):
            return parsed
        outcomes = [(o.request_id, o.outcome) for o in parsed.outcomes]  # type: ignore[attr-defined]
        outcomes_log.append(outcomes)
        metrics.observe_feedback(len(outcomes))
        return JSONResponse({"accepted": len(outcomes)})

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, routes=app.routes)
            request_schema = batch.model_json_schema(ref_template="#/components/schemas/{model}")
            request_schema["examples"] = [example_request(model.features)]
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(request_schema.pop("$defs", {}))
            schemas["PredictRequest"] = request_schema
            feedback_schema = outcomes_body.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            schemas.update(feedback_schema.pop("$defs", {}))
            schemas["FeedbackRequest"] = feedback_schema
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    routes = {"/health", "/ready", "/version", "/metrics", "/predict", "/feedback"}
    app.add_middleware(MetricsMiddleware, metrics=metrics, routes=routes)  # type: ignore[arg-type]
    return app


def preprocessed(
    preprocess: Preprocess, names: list[str], columns: list[list[Any]]
) -> list[list[Any]]:
    """The project's preprocess on one request; it must give back every feature, as long."""
    rows = len(columns[0])
    result = preprocess(dict(zip(names, columns, strict=True)))
    given = zip(names, columns, strict=True)
    same = isinstance(result, dict) and len(result) == len(names)
    if same and all(result.get(name) is column for name, column in given):
        return columns  # the lists it was given (the template's default): nothing to check
    if not isinstance(result, dict) or set(result) != set(names):
        raise TypeError(f"preprocess must return a dict with the features {names}")
    if any(len(result[name]) != rows for name in names):
        raise TypeError(f"preprocess must return {rows} values per feature")
    return [[plain(value) for value in result[name]] for name in names]


def postprocessed(finished: Any, records: int) -> tuple[list[Any], Probabilities]:
    """The project's postprocess answer, checked (one prediction per record) and made plain."""
    if not (isinstance(finished, tuple) and len(finished) == 2):
        raise TypeError("postprocess must return (predictions, probabilities)")
    predictions, probabilities = finished
    if len(predictions) != records or (probabilities is not None and len(probabilities) != records):
        raise TypeError(f"postprocess must return {records} predictions (and probabilities)")
    plain_probabilities = None
    if probabilities is not None:
        plain_probabilities = [{str(k): float(v) for k, v in row.items()} for row in probabilities]
    return [plain(value) for value in predictions], plain_probabilities


def run(factory: Callable[[Settings], FastAPI]) -> None:
    """Serve factory(settings) with uvicorn, by the SERVICE_* settings (the project's main)."""
    settings = Settings.from_env()
    app = factory(settings)
    import uvicorn

    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.log_level == "debug",
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s),
    )
