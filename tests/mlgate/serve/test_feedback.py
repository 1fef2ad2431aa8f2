"""Outcomes in (issue 19, item 1): a request_id per prediction, and POST /feedback.

Every record /predict answers gets its own request_id, in the answer and in the request log
beside the prediction and the model version; /feedback takes the real outcomes by those ids,
checked like /predict (the id's shape, the outcome against the model's classes), and writes
one line per outcome to the feedback log that `mlgate monitor` joins.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from mlgate.serve import Settings, create_app


@pytest.fixture
def service(model_dir: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    settings = Settings(model_dir=model_dir, request_log=str(tmp_path / "requests.jsonl"),
                        feedback_log=str(tmp_path / "feedback.jsonl"), max_batch=20,
                        metrics_file=tmp_path / "m")  # fmt: skip
    with TestClient(create_app(settings, package="sample-project")) as client:
        deadline = time.monotonic() + 30
        while client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline, client.get("/ready").json()
            time.sleep(0.05)
        yield client, tmp_path


def records(frame: pd.DataFrame, rows: int) -> list[dict[str, Any]]:
    return json.loads(frame.drop(columns=["target"]).head(rows).to_json(orient="records"))


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]


def test_each_prediction_has_a_request_id_in_the_answer_and_the_log(
    service: tuple[TestClient, Path], sample_frame: pd.DataFrame
) -> None:
    client, folder = service
    first = client.post("/predict", json={"records": records(sample_frame, 3)}).json()
    second = client.post("/predict", json={"records": records(sample_frame, 1)}).json()
    ids = first["request_ids"] + second["request_ids"]
    assert len(ids) == len(set(ids)) == 4
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in ids)
    client.__exit__(None, None, None)  # shut down: the logs are written
    logged = lines(folder / "requests.jsonl")
    assert [line["request_ids"] for line in logged] == [first["request_ids"], second["request_ids"]]
    assert logged[0]["predictions"] == first["predictions"]
    assert logged[0]["model_version"] == first["model_version"]


def test_feedback_is_logged_by_request_id(
    service: tuple[TestClient, Path], sample_frame: pd.DataFrame
) -> None:
    """1, 1.0 and "1" are the class 1: logged as the class the model knows."""
    client, folder = service
    ids = client.post("/predict", json={"records": records(sample_frame, 3)}).json()["request_ids"]
    body = {"outcomes": [{"request_id": ids[0], "outcome": 1},
                         {"request_id": ids[1], "outcome": "0"},
                         {"request_id": ids[2], "outcome": 1.0}]}  # fmt: skip
    answer = client.post("/feedback", json=body)
    assert (answer.status_code, answer.json()) == (200, {"accepted": 3})
    assert "feedback_outcomes_total 3.0" in client.get("/metrics").text
    client.__exit__(None, None, None)
    logged = lines(folder / "feedback.jsonl")
    assert [(line["request_id"], line["outcome"]) for line in logged] == list(
        zip(ids, [1, 0, 1], strict=True)
    )
    assert {"ts", "model_version"} <= set(logged[0])


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"outcomes": [{"request_id": "abc", "outcome": 1}]}, 422,
         "field 'request_id': 'abc' is not a request_id this service gives"),
        ({"outcomes": [{"request_id": "a" * 32, "outcome": 7}]}, 422,
         "field 'outcome': 7 is not a class of this model (its classes: 0, 1)"),
        ({"outcomes": [{"request_id": "a" * 32, "outcome": True}]}, 422, "is not a class"),
        ({"outcomes": [{"request_id": "a" * 32}]}, 422, "this field is missing"),
        ({"outcomes": [{"request_id": "a" * 32, "outcome": 1, "why": "x"}]}, 422,
         "not a field of this request"),
        ({"outcomes": []}, 422, "send at least one outcome"),
        ({"outcomes": [{"request_id": "a" * 32, "outcome": 1}] * 21}, 413,
         "at most 20 outcomes per request"),
        ({"records": []}, 422, 'the body is {"outcomes": [{...}, ...]} and nothing else'),
    ],
)  # fmt: skip
def test_bad_feedback_is_a_4xx_naming_the_field(
    service: tuple[TestClient, Path], body: Any, status: int, words: str
) -> None:
    client, folder = service
    answer = client.post("/feedback", json=body)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"], answer.text
    client.__exit__(None, None, None)
    assert not (folder / "feedback.jsonl").read_text(encoding="utf-8")


def test_feedback_that_is_not_json_is_a_400(service: tuple[TestClient, Path]) -> None:
    client, _ = service
    answer = client.post("/feedback", content=b"{", headers={"content-type": "application/json"})
    assert answer.status_code == 400
    answer = client.post("/feedback", content=b"x", headers={"content-type": "text/plain"})
    assert answer.status_code == 415


def test_the_openapi_document_describes_feedback(service: tuple[TestClient, Path]) -> None:
    client, _ = service
    spec = client.get("/openapi.json").json()
    assert "/feedback" in spec["paths"]
    assert {"FeedbackRequest", "Outcome"} <= set(spec["components"]["schemas"])


@pytest.mark.parametrize(
    ("classes", "sent", "logged"),
    [([False, True], True, True), ([False, True], "true", True), ([0.0, 1.0], 1, 1.0),
     ([0.0, 1.0], "1", 1.0), (["no", "yes"], "yes", "yes")],
)  # fmt: skip
def test_a_class_is_matched_by_value(classes: list, sent: Any, logged: Any) -> None:
    """A classifier trained on booleans or floats answers True or 1.0: those come back."""
    from mlgate.serve.feedback import feedback_model

    model = feedback_model({"task": "classification", "target": {"classes": classes}}, 10)
    parsed = model.model_validate({"outcomes": [{"request_id": "a" * 32, "outcome": sent}]})
    value = parsed.outcomes[0].outcome  # type: ignore[attr-defined]
    assert value == logged and type(value) is type(logged)


@pytest.mark.parametrize("sent", [10**400, 1e301, float("inf"), "3", True, None])
def test_a_regression_outcome_must_be_a_sane_number(sent: Any) -> None:
    """A 400-digit integer was a 500 (math.isfinite overflows): now a 422 like any bad value."""
    from pydantic import ValidationError

    from mlgate.serve.feedback import feedback_model

    model = feedback_model({"task": "regression", "target": {}}, 10)
    with pytest.raises(ValidationError, match="is not a finite number"):
        model.model_validate({"outcomes": [{"request_id": "a" * 32, "outcome": sent}]})
