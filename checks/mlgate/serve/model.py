"""The trained pipeline behind the service: loaded once, off the event loop, ready when loaded.

At load the pipeline is compiled to plain arrays (compiled.py) when that reproduces it on probe
rows; /version says which path serves ("compiled" or "pipeline").
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from mlgate.serve.compiled import (
    CompiledPipeline,
    NotCompiled,
    TextStep,
    compile_pipeline,
    probe_columns,
    verified,
)
from mlgate.serve.schema import Feature, features_of
from mlgate.serve.settings import Settings, SettingsError

MODEL_FILE = "model.joblib"  # what a generated project's train stage writes into models/
SCHEMA_FILE = "schema.json"
LOG = logging.getLogger(__name__)


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

    def __init__(
        self, settings: Settings, schema: dict[str, Any], version: str, as_text: TextStep = None
    ) -> None:
        self.settings, self.schema, self.version = settings, schema, version
        self.as_text = as_text
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
        except Exception as exc:  # any failure is reported by /ready and /health
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
        """compiled when compiled.py reproduces the pipeline on probe rows, else pipeline."""
        self.compiled = None  # a reload must not keep the last model's compiled path
        names = [f.name for f in self.features]
        try:
            compiled = compile_pipeline(self.pipeline, names, probabilities, self.as_text)
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
            return [plain(v) for v in labels], None
        keys = [str(c) for c in self.classes]
        return [plain(v) for v in labels], [
            dict(zip(keys, row, strict=True)) for row in proba.tolist()
        ]


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (JSON and the request log take those)."""
    return value.item() if isinstance(value, np.generic) else value
