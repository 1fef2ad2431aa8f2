"""The generated service alerts, tested by Prometheus' own tool on synthetic series.

deploy/monitoring/prometheus-rules.yaml is a PrometheusRule whose `spec` is a Prometheus rule
file. `promtool check rules` parses every expression; `promtool test rules` feeds each alert
the series that should fire it and the series that should not, and compares what fires,
with which labels and annotations, at which time (so the `for:` durations are tested too).
promtool is Debian's `prometheus` package: .ci/run installs it and sets MLGATE_PROMTOOL=
required, so CI cannot skip these tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

MANIFESTS = ("deploy/monitoring/prometheus-rules.yaml", "deploy/monitoring/servicemonitor.yaml")


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("MLGATE_PROMTOOL") == "required":
            pytest.fail("promtool is required here (MLGATE_PROMTOOL=required) but not installed")
        pytest.skip("promtool not installed (apt-get install prometheus)")
    return found


@pytest.fixture(scope="module")
def deployed(rendered: dict[str, Path]) -> Path:
    """A covering render that deploys (the default answers do)."""
    return next(p for p in rendered.values() if (p / "deploy").is_dir())


def rules_of(project: Path) -> dict[str, Any]:
    document = yaml.safe_load((project / MANIFESTS[0]).read_text(encoding="utf-8"))
    assert document["apiVersion"] == "monitoring.coreos.com/v1"
    assert document["kind"] == "PrometheusRule"
    return document["spec"]


def alert(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for g in spec["groups"] for r in g["rules"] if r.get("alert") == name)


def expect(spec: dict[str, Any], name: str, **labels: str) -> list[dict[str, Any]]:
    """The one alert `name` firing: its rule's labels (plus the series' own) and annotations."""
    rule = alert(spec, name)
    return [{"exp_labels": {**rule["labels"], **labels},
             "exp_annotations": rule["annotations"]}]  # fmt: skip


def cases(job: str, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """One promtool test per alert: the series that fire it, and the quiet ones that do not."""

    def series(name: str, values: str, **labels: str) -> dict[str, str]:
        shown = ", ".join(f'{k}="{v}"' for k, v in {"job": job, **labels}.items())
        return {"series": f"{name}{{{shown}}}", "values": values}

    buckets = ("0.1", "0.25", "0.5", "+Inf")

    def latency(per_bucket: tuple[int, ...], route: str = "/predict") -> list[dict[str, str]]:
        return [series("http_request_duration_seconds_bucket", f"0+{n}x40", route=route, le=le)
                for le, n in zip(buckets, per_bucket, strict=True)]  # fmt: skip

    found = [
        {  # one pod of two unreachable for 5 minutes: down; both up: quiet
            "input_series": [
                series("up", "1x20", instance="a"),
                series("up", "0x20", instance="b"),
            ],
            "alert_rule_test": [
                {"eval_time": "3m", "alertname": "ModelServiceDown", "exp_alerts": []},
                {"eval_time": "10m", "alertname": "ModelServiceDown",
                 "exp_alerts": expect(spec, "ModelServiceDown")},
            ],
        },
        {
            "input_series": [series("up", "1x20", instance="a")],
            "alert_rule_test": [
                {"eval_time": "15m", "alertname": "ModelServiceDown", "exp_alerts": []},
            ],
        },
        {  # nothing scraped at all (every pod gone, or the ServiceMonitor selects none)
            "input_series": [series("model_ready", "1x20", instance="elsewhere", job="other")],
            "alert_rule_test": [
                {"eval_time": "10m", "alertname": "ModelServiceDown",
                 "exp_alerts": expect(spec, "ModelServiceDown", job=job)},
            ],
        },
        {  # a pod that never loaded its model: after 10 minutes; a loaded one: never
            "input_series": [series("model_ready", "0x30", instance="a"),
                             series("model_ready", "1x30", instance="b")],
            "alert_rule_test": [
                {"eval_time": "5m", "alertname": "ModelServiceNotReady", "exp_alerts": []},
                {"eval_time": "15m", "alertname": "ModelServiceNotReady",
                 "exp_alerts": expect(spec, "ModelServiceNotReady")},
            ],
        },
        {  # 10 errors per 110 requests a minute (9%): fires; 2 per 102 (2%): quiet
            "input_series": [
                series("http_requests_total", "0+100x40", route="/predict", method="POST",
                       status="200"),
                series("http_requests_total", "0+10x40", route="/predict", method="POST",
                       status="500"),
            ],
            "alert_rule_test": [
                {"eval_time": "8m", "alertname": "ModelServiceErrors", "exp_alerts": []},
                {"eval_time": "25m", "alertname": "ModelServiceErrors",
                 "exp_alerts": expect(spec, "ModelServiceErrors")},
            ],
        },
        {
            "input_series": [
                series("http_requests_total", "0+100x40", route="/predict", method="POST",
                       status="200"),
                series("http_requests_total", "0+2x40", route="/predict", method="POST",
                       status="503"),
                series("http_requests_total", "0+50x40", route="/predict", method="POST",
                       status="422"),  # bad input is the caller's error, not the service's
            ],
            "alert_rule_test": [
                {"eval_time": "30m", "alertname": "ModelServiceErrors", "exp_alerts": []},
            ],
        },
        {  # /predict: 10 of 100 a minute above 0.25 s, p95 above the 0.2 s budget; /health
            # being slow is not the budget's business
            "input_series": [*latency((50, 90, 100, 100)),
                             *latency((0, 0, 0, 100), route="/health")],
            "alert_rule_test": [
                {"eval_time": "25m", "alertname": "ModelServiceSlow",
                 "exp_alerts": expect(spec, "ModelServiceSlow")},
            ],
        },
        {  # 97 of 100 under 0.1 s: p95 within the budget
            "input_series": latency((97, 100, 100, 100)),
            "alert_rule_test": [
                {"eval_time": "25m", "alertname": "ModelServiceSlow", "exp_alerts": []},
            ],
        },
        {  # one failed write of the request log: at once, naming the log; none: quiet
            "input_series": [
                series("log_write_errors_total", "0 0 0 1 1 1 1 1", log="requests"),
                series("log_write_errors_total", "0x8", log="feedback"),
            ],
            "alert_rule_test": [
                {"eval_time": "2m", "alertname": "ModelServiceLogWritesFailing",
                 "exp_alerts": []},
                {"eval_time": "5m", "alertname": "ModelServiceLogWritesFailing",
                 "exp_alerts": expect(spec, "ModelServiceLogWritesFailing", log="requests")},
            ],
        },
        {  # 10 unseen values per 100 records for over 30 minutes: fires; 1 per 100: quiet
            "input_series": [
                series("unseen_categories_total", "0+10x120", feature="district"),
                series("prediction_records_total", "0+100x120"),
            ],
            "alert_rule_test": [
                {"eval_time": "20m", "alertname": "ModelServiceUnseenCategories",
                 "exp_alerts": []},
                {"eval_time": "100m", "alertname": "ModelServiceUnseenCategories",
                 "exp_alerts": expect(spec, "ModelServiceUnseenCategories")},
            ],
        },
        {
            "input_series": [
                series("unseen_categories_total", "0+1x120", feature="district"),
                series("prediction_records_total", "0+100x120"),
            ],
            "alert_rule_test": [
                {"eval_time": "100m", "alertname": "ModelServiceUnseenCategories",
                 "exp_alerts": []},
            ],
        },
    ]  # fmt: skip
    return found


def test_promtool_accepts_every_expression(deployed: Path, promtool: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump(rules_of(deployed)), encoding="utf-8")
    done = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 6 rules found" in done.stdout


def test_each_alert_fires_on_its_series_and_only_then(
    deployed: Path, promtool: str, tmp_path: Path
) -> None:
    spec = rules_of(deployed)
    job = yaml.safe_load((deployed / MANIFESTS[1]).read_text())["metadata"]["name"]
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    tests = {"rule_files": ["rules.yml"], "evaluation_interval": "1m",
             "tests": [{"interval": "1m", **case} for case in cases(job, spec)]}  # fmt: skip
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(tests, sort_keys=False), encoding="utf-8")
    done = subprocess.run([promtool, "test", "rules", "tests.yml"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout
    tested = {t["alertname"] for case in tests["tests"] for t in case["alert_rule_test"]}
    assert tested == {r["alert"] for g in spec["groups"] for r in g["rules"]}


def test_the_latency_alert_is_the_verify_budget(deployed: Path) -> None:
    """One budget: verify.p95_ms in mlgate.yaml is what the p95 alert fires above."""
    budget_ms = yaml.safe_load((deployed / "mlgate.yaml").read_text())["verify"]["p95_ms"]
    expr = alert(rules_of(deployed), "ModelServiceSlow")["expr"]
    assert expr.rstrip().endswith(f"> {budget_ms / 1000:g}"), expr


def test_the_monitor_resources_are_deployed_with_the_service(deployed: Path) -> None:
    """The production overlay builds them (a kustomize Component), scraping the Service's
    named port and labels."""
    overlay = yaml.safe_load(
        (deployed / "deploy/overlays/production/kustomization.yaml").read_text()
    )
    assert overlay["components"] == ["../../monitoring"]
    component = yaml.safe_load((deployed / "deploy/monitoring/kustomization.yaml").read_text())
    assert component["kind"] == "Component"
    assert sorted(component["resources"]) == ["prometheus-rules.yaml", "servicemonitor.yaml"]
    service = yaml.safe_load((deployed / "deploy/base/service.yaml").read_text())
    monitor = yaml.safe_load((deployed / MANIFESTS[1]).read_text())
    assert monitor["kind"] == "ServiceMonitor"
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"


# The Prometheus Operator's API (monitoring.coreos.com/v1) for the fields these manifests use,
# written from its API reference; stricter than the CRDs (which prune unknown fields
# silently): a misspelt field is an error here. Checked against the upstream CRDs of
# prometheus-operator 6adcebc50 by hand (both manifests: 0 errors).
DURATION = {"type": "string",
            "pattern": r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?"
                       r"(([0-9]+)s)?(([0-9]+)ms)?)$"}  # fmt: skip
STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
METADATA = {"type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}, "labels": STRINGS}}  # fmt: skip
RULE = {"type": "object", "required": ["expr"], "additionalProperties": False,
        "properties": {"alert": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                       "expr": {"type": "string", "minLength": 1}, "for": DURATION,
                       "labels": STRINGS, "annotations": STRINGS}}  # fmt: skip
SCHEMAS = {
    "PrometheusRule": {
        "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "monitoring.coreos.com/v1"}, "metadata": METADATA,
            "spec": {"type": "object", "required": ["groups"], "additionalProperties": False,
                     "properties": {"groups": {"type": "array", "minItems": 1, "items": {
                         "type": "object", "required": ["name", "rules"],
                         "additionalProperties": False,
                         "properties": {"name": {"type": "string", "minLength": 1},
                                        "interval": DURATION,
                                        "rules": {"type": "array", "items": RULE}}}}}},
        },
    },
    "ServiceMonitor": {
        "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "monitoring.coreos.com/v1"}, "metadata": METADATA,
            "spec": {"type": "object", "required": ["selector", "endpoints"],
                     "additionalProperties": False,
                     "properties": {
                         "selector": {"type": "object", "properties": {"matchLabels": STRINGS}},
                         "endpoints": {"type": "array", "minItems": 1, "items": {
                             "type": "object", "additionalProperties": False,
                             "properties": {"port": {"type": "string"},
                                            "path": {"type": "string", "pattern": "^/"},
                                            "interval": DURATION, "scrapeTimeout": DURATION,
                                            "scheme": {"enum": ["http", "https"]}}}}}},
        },
    },
}  # fmt: skip


@pytest.mark.parametrize("manifest", MANIFESTS)
def test_the_manifests_meet_the_operators_api(deployed: Path, manifest: str) -> None:
    import jsonschema

    document = yaml.safe_load((deployed / manifest).read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMAS[document["kind"]])
    text = (deployed / manifest).read_text(encoding="utf-8")
    broken = yaml.safe_load(text.replace("interval: 30s", "interval: 30 s").replace("for:", "fro:"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMAS[document["kind"]])
