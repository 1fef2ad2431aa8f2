"""Prometheus metrics of the service, on their own registry (GET /metrics).

Per route: request count by status, and latency. Per prediction: a count by class for a
classifier, a histogram of values for a regressor. Categories never seen in training are
counted per feature: a rising count is an early sign of drift. Model calls are a histogram of
rows per call: under concurrent load the batcher merges requests, and this shows by how much.
`model_ready` is 1 once the model is loaded, and `log_write_errors_total` counts failed
writes of the request and feedback logs (a full disk): the alerts in the generated project's
deploy/monitoring/ are written against these names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServiceMetrics:
    def __init__(self, task: str) -> None:
        disable_created_metrics()  # the *_created series only double the scrape
        self.registry = CollectorRegistry(auto_describe=True)
        self.task = task
        self.requests = Counter(
            "http_requests", "HTTP requests by route, method and status",
            ("route", "method", "status"), registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "http_request_duration_seconds", "time to answer, by route",
            ("route",), buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.records = Counter("prediction_records", "records predicted", registry=self.registry)
        self.feedback = Counter(
            "feedback_outcomes", "real outcomes received on /feedback", registry=self.registry
        )
        self.classes = Counter(
            "predictions_by_class", "predictions of each class", ("label",),
            registry=self.registry,
        )  # fmt: skip
        self.values = Histogram(
            "prediction_value", "predicted values (regression)", registry=self.registry,
            buckets=(-1e3, -1e2, -10, -1, 0, 1, 10, 1e2, 1e3, 1e4),
        )  # fmt: skip
        self.unseen = Counter(
            "unseen_categories", "values of a categorical feature not seen in training",
            ("feature",), registry=self.registry,
        )  # fmt: skip

        self.model_calls = Histogram(
            "model_call_rows", "rows per model call (requests predicted together)",
            buckets=BATCH_BUCKETS, registry=self.registry,
        )  # fmt: skip

    def track_readiness(self, is_ready: Callable[[], bool]) -> None:
        """model_ready: 1 once the model answers, read at each scrape."""
        ready = Gauge("model_ready", "1 when the model is loaded and answering",
                      registry=self.registry)  # fmt: skip
        ready.set_function(lambda: 1.0 if is_ready() else 0.0)

    def track_log_errors(self, logs: dict[str, Any]) -> None:
        """log_write_errors_total{log=...}: failed writes of each log, read at each scrape."""
        self.registry.register(_LogErrors(logs))

    def observe_model_call(self, rows: int) -> None:
        self.model_calls.observe(rows)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def observe_feedback(self, count: int) -> None:
        self.feedback.inc(count)

    def observe_predictions(self, predictions: Iterable[Any]) -> None:
        values = list(predictions)
        self.records.inc(len(values))
        if self.task == "classification":
            counts: dict[str, int] = {}
            for value in values:
                counts[str(value)] = counts.get(str(value), 0) + 1
            for label, count in counts.items():
                self.classes.labels(label).inc(count)
        else:
            for value in values:
                self.values.observe(float(value))

    def observe_unseen(self, feature: str, count: int) -> None:
        self.unseen.labels(feature).inc(count)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _LogErrors(Collector):
    """The logs' own failure counts, as one counter family (the logs count, this reads)."""

    def __init__(self, logs: dict[str, Any]) -> None:
        self.logs = logs

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily("log_write_errors", "failed writes of the service's logs",
                                     labels=["log"])  # fmt: skip
        for name, log in self.logs.items():
            family.add_metric([name], float(log.errors))
        yield family
