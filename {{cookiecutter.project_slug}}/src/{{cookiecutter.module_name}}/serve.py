"""The model service: `python -m <module>.serve` (`make serve`, and the container's CMD).

GET /health (the process answers), GET /ready (the model is loaded; 503 before), GET /version
(what is deployed: version, commit, model hash, training time, its metrics), POST /predict (a
batch of records → predictions, and class probabilities for a classifier), GET /metrics
(Prometheus). Requests are checked against models/schema.json before the model sees them: bad
input gets a 4xx that names the record and the field, never a 500. Every accepted request is
logged as a JSON line (request_log.py) for `mlgate drift`. Settings: service_settings.py.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from .batching import Batcher
from .fast_predict import CompiledPipeline, NotCompiled, compile_pipeline, probe_columns, verified
from .request_log import RequestLog
from .request_model import (
    ErrorAnswer,
    Feature,
    PredictAnswer,
    RequestError,
    batch_model,
    example_request,
    explain,
    features_of,
    record_model,
)
from .service_metrics import ServiceMetrics
from .service_settings import Settings, SettingsError
from .train import MODEL_FILE, SCHEMA_FILE

JSON_MEDIA = "application/json"
LOG = logging.getLogger(__name__)
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]  # fmt: skip


def read_schema(model_dir: Path) -> dict[str, Any]:
    """models/schema.json, read before the service starts: without it there is no contract."""
    path = model_dir / SCHEMA_FILE
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{path} not found: train first (`make repro`)") from None
    except (OSError, ValueError) as exc:
        raise SettingsError(f"{path} cannot be read: {exc}") from None
    if not isinstance(schema, dict) or not isinstance(schema.get("features"), list):
        raise SettingsError(f"{path} has no feature list: retrain to rewrite it")
    return schema


class Model:
    """The trained pipeline, loaded once, off the event loop; ready when loaded."""

    def __init__(self, settings: Settings, schema: dict[str, Any], version: str) -> None:
        self.settings, self.schema, self.version = settings, schema, version
        self.features: list[Feature] = features_of(schema)
        self.task = str(schema.get("task", "classification"))
        self.ready = threading.Event()
        self.error: str | None = None
        self.pipeline: Any = None
        self.compiled: CompiledPipeline | None = None
        self.classes: list[Any] = []
        self.info: dict[str, Any] = {}

    def load(self) -> None:
        path = self.settings.model_dir / MODEL_FILE
        try:
            data = path.read_bytes()
            self.pipeline = joblib.load(path)
        except Exception as exc:  # noqa: BLE001 - any failure is reported by /ready and /health
            self.error = f"cannot load {path}: {type(exc).__name__}: {exc}"
            return
        probabilities = self.task == "classification" and hasattr(self.pipeline, "predict_proba")
        self.classes = list(self.pipeline.classes_) if probabilities else []
        try:
            predictor = self._compile(probabilities)
        except Exception:  # the compiled path is an optimisation: never a reason not to serve
            LOG.exception("serving the pipeline as it is: compiling it failed")
            self.compiled, predictor = None, "pipeline"
        trained = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        self.info = {
            "version": self.version,
            "commit": self.settings.commit,
            "model_hash": "sha256:" + hashlib.sha256(data).hexdigest(),
            "trained_at": trained.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "metrics": self._metrics(),
            "task": self.task,
            "predictor": predictor,
        }
        gc.freeze()  # the model's objects are permanent: later collections need not scan them
        self.ready.set()

    def _compile(self, probabilities: bool) -> str:
        """compiled when fast_predict reproduces the pipeline on probe rows, else pipeline."""
        names = [f.name for f in self.features]
        try:
            compiled = compile_pipeline(self.pipeline, names, probabilities)
        except NotCompiled as exc:
            LOG.info("serving the pipeline as it is: %s", exc)
            return "pipeline"
        probe = probe_columns(self.schema["features"])
        problem = verified(compiled, self._pipeline_predict, probe)
        if problem:
            LOG.warning("serving the pipeline as it is: the compiled path is off: %s", problem)
            return "pipeline"
        self.compiled = compiled
        return "compiled"

    def _metrics(self) -> dict[str, Any]:
        try:
            metrics = json.loads(self.settings.metrics_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return metrics if isinstance(metrics, dict) else {}

    def frame(self, columns: list[list[Any]]) -> pd.DataFrame:
        data: dict[str, Any] = {}
        for feature, values in zip(self.features, columns, strict=True):
            if feature.kind == "numeric":
                data[feature.name] = np.array(
                    [np.nan if v is None else v for v in values], dtype=float
                )
            else:
                data[feature.name] = pd.Series(values, dtype=object)
        return pd.DataFrame(data)

    def _pipeline_predict(self, columns: list[list[Any]]) -> tuple[Any, Any]:
        frame = self.frame(columns)
        if self.classes:
            proba = self.pipeline.predict_proba(frame)
            return np.asarray(self.classes, dtype=object)[np.argmax(proba, axis=1)], proba
        return self.pipeline.predict(frame), None

    def predict(self, columns: list[list[Any]]) -> tuple[list[Any], list[dict[str, float]] | None]:
        predict = self.compiled.predict if self.compiled else self._pipeline_predict
        labels, proba = predict(columns)
        if proba is None:
            return [_plain(v) for v in labels], None
        keys = [str(c) for c in self.classes]
        return [_plain(v) for v in labels], [
            dict(zip(keys, row, strict=True)) for row in proba.tolist()
        ]


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def error_answer(status: int, detail: str, problems: list[RequestError] = ()) -> JSONResponse:  # type: ignore[assignment]
    body = {"detail": detail, "errors": [p.as_json() for p in problems]}
    return JSONResponse(body, status_code=status)


def summary(problems: list[RequestError]) -> str:
    first = problems[0]
    where = []
    if first.record is not None:
        where.append(f"record {first.record}")
    if first.field:
        where.append(f"field {first.field!r}")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (", ".join(where) + ": " if where else "") + first.message + more


async def read_body(request: Request, limit: int) -> bytes | JSONResponse:
    """The body, or a 4xx answer: too large (413, before reading it all), wrong type (415)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != JSON_MEDIA:
        return error_answer(415, f"send the records as {JSON_MEDIA}, not {media or 'no type'}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return error_answer(413, f"the body is {declared} bytes; the limit is {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return error_answer(413, f"the body is over the limit of {limit} bytes")
    return bytes(body)


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


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    schema = read_schema(settings.model_dir)
    version = settings.service_version(__package__ or "")
    model = Model(settings, schema, version)
    record = record_model(model.features)
    batch = batch_model(record, settings.max_batch)
    names = [f.name for f in model.features]
    fields = list(record.model_fields)
    categorical = [(i, f) for i, f in enumerate(model.features) if f.kind == "categorical"]
    metrics = ServiceMetrics(model.task)
    batcher = Batcher(model.predict, settings.max_batch, metrics.observe_model_call)
    log = RequestLog(settings.request_log, max_bytes=settings.request_log_max_bytes,
                     backups=settings.request_log_backups, flush_s=settings.request_log_flush_s,
                     version=version)  # fmt: skip

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        log.start()
        threading.Thread(target=model.load, name="model-load", daemon=True).start()
        try:
            yield
        finally:
            batcher.close()
            log.close()  # after uvicorn finished the requests in flight

    app = FastAPI(title=f"{__package__} model service", version=version, lifespan=lifespan)
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
        body = await read_body(request, settings.max_body_bytes)
        if isinstance(body, Response):
            return body
        try:
            parsed = batch.model_validate_json(body)
        except ValidationError as exc:
            status, problems = explain(exc)
            return error_answer(status, summary(problems), problems)
        records: list[BaseModel] = parsed.records  # type: ignore[attr-defined]
        columns = [[getattr(r, name) for r in records] for name in fields]
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
        metrics.observe_predictions(predictions)
        rows = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
        log.append(rows, predictions)
        answer: dict[str, Any] = {"model_version": version, "predictions": predictions}
        if probabilities is not None:
            answer["probabilities"] = probabilities
        return JSONResponse(answer)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, routes=app.routes)
            request_schema = batch.model_json_schema(ref_template="#/components/schemas/{model}")
            request_schema["examples"] = [example_request(model.features)]
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(request_schema.pop("$defs", {}))
            schemas["PredictRequest"] = request_schema
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    routes = {"/health", "/ready", "/version", "/metrics", "/predict"}
    app.add_middleware(MetricsMiddleware, metrics=metrics, routes=routes)  # type: ignore[arg-type]
    return app


def main() -> None:
    settings = Settings.from_env()
    app = create_app(settings)
    import uvicorn

    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.log_level == "debug",
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s),
    )


if __name__ == "__main__":
    main()
