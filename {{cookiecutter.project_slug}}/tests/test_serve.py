"""The model service in-process (FastAPI's TestClient): answers, refusals and the request log."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from mlgate.serve import Settings

from project.serve import create_app
from project.train import save, train


@pytest.fixture(scope="module")
def model_dir(sample_frame: pd.DataFrame, project_params: dict, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    save(*train(sample_frame, project_params), folder)
    return folder


@pytest.fixture
def service(model_dir: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    log = tmp_path / "requests.jsonl"
    settings = Settings(model_dir=model_dir, request_log=str(log), max_batch=50,
                        metrics_file=tmp_path / "metrics.json")  # fmt: skip
    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 30
        while client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline, client.get("/ready").json()
            time.sleep(0.05)
        yield client, log


def records(frame: pd.DataFrame, target: str, rows: int) -> list[dict]:
    return json.loads(frame.drop(columns=[target]).head(rows).to_json(orient="records"))


def test_predicts_a_batch(service, sample_frame: pd.DataFrame, project_params: dict) -> None:
    client, _ = service
    data = project_params["data"]
    answer = client.post("/predict", json={"records": records(sample_frame, data["target"], 5)})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["predictions"]) == 5
    if data["task"] == "classification":
        assert all(abs(sum(p.values()) - 1) < 1e-6 for p in body["probabilities"])
    assert client.get("/version").json()["model_hash"].startswith("sha256:")


def test_bad_input_is_a_4xx_naming_the_field(
    service, sample_frame: pd.DataFrame, project_params: dict, model_dir: Path
) -> None:
    client, _ = service
    (record,) = records(sample_frame, project_params["data"]["target"], 1)
    schema = json.loads((model_dir / "schema.json").read_text(encoding="utf-8"))
    name = schema["features"][0]["name"]  # a column the model uses (an id may be left out)
    missing = {k: v for k, v in record.items() if k != name}
    cases = [
        ({"records": [missing]}, 422, name),
        ({"records": [{**record, "not a feature": 1}]}, 422, "not a feature"),
        ({"records": [{**record, name: [1, 2]}]}, 422, name),
        ({"records": []}, 422, "at least one record"),
        ({"records": [record] * 51}, 413, "at most 50 records"),
    ]
    for body, status, words in cases:
        answer = client.post("/predict", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert words in answer.json()["detail"], answer.text
    answer = client.post(
        "/predict", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400


def test_accepted_requests_are_logged_for_drift(
    model_dir: Path, tmp_path: Path, sample_frame: pd.DataFrame, project_params: dict
) -> None:
    log = tmp_path / "requests.jsonl"
    settings = Settings(model_dir=model_dir, request_log=str(log), metrics_file=tmp_path / "m")
    batch = {"records": records(sample_frame, project_params["data"]["target"], 2)}
    with TestClient(create_app(settings)) as client:
        while client.get("/ready").status_code != 200:
            time.sleep(0.05)
        for _ in range(3):
            assert client.post("/predict", json=batch).status_code == 200
        assert client.post("/predict", json={"records": []}).status_code == 422
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 3  # written at shutdown at the latest; refused requests are not
    used = [f["name"] for f in json.loads((model_dir / "schema.json").read_text())["features"]]
    assert lines[0]["features"] == [{k: r[k] for k in used} for r in batch["records"]]


def test_outcomes_come_back_by_request_id(
    service, sample_frame: pd.DataFrame, project_params: dict, model_dir: Path
) -> None:
    """Each prediction has a request_id; POST /feedback takes its real outcome by that id."""
    client, _ = service
    data = project_params["data"]
    batch = records(sample_frame, data["target"], 2)
    ids = client.post("/predict", json={"records": batch}).json()["request_ids"]
    assert len(set(ids)) == 2
    actual = sample_frame[data["target"]].head(2).tolist()
    outcomes = [{"request_id": i, "outcome": v} for i, v in zip(ids, actual, strict=True)]
    answer = client.post("/feedback", json={"outcomes": outcomes})
    assert answer.json() == {"accepted": 2}, answer.text
    refused = client.post("/feedback", json={"outcomes": [{"request_id": "x", "outcome": 1}]})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "request_id"
