"""The request model of a schema with dates, free text and columns the model leaves out.

A date feature takes text in the training data's format (ISO 8601 when it has none), and any
date, a far-future one included: the model reads it as a point on its calendar. A wrong
format is a 422 naming the field. A text feature takes any text. A dropped column (an
identifier) may be sent or left out and is not used; a column the schema does not know is
still refused.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from houses import houses
from pydantic import BaseModel, ValidationError

from mlgate.serve import Settings, create_app
from mlgate.serve.schema import (
    batch_model,
    dropped_of,
    example_request,
    explain,
    features_of,
    record_model,
)

SCHEMA = {
    "task": "regression",
    "target": {"name": "price"},
    "features": [
        {"name": "listed at", "kind": "datetime", "format": "%d/%m/%Y",
         "min": "2019-01-01T00:00:00+00:00", "max": "2023-12-30T00:00:00+00:00"},
        {"name": "seen", "kind": "datetime", "format": None},
        {"name": "notes", "kind": "text"},
        {"name": "rooms", "kind": "numeric", "min": 1, "max": 7},
    ],
    "dropped": [{"name": "listing_id", "role": "identifier"}],
}  # fmt: skip
RECORD = {"listed at": "31/12/2099", "seen": "2099-12-31T09:30:00", "notes": "Sea view",
          "rooms": 3}  # fmt: skip


@pytest.fixture(scope="module")
def request_model() -> type[BaseModel]:
    features = features_of(SCHEMA)
    return batch_model(record_model(features, dropped_of(SCHEMA)), max_batch=10)


def refusal(model: type[BaseModel], *records: dict[str, Any]) -> tuple[int, list[Any]]:
    """The status and (record, field, message) of each problem, as the service answers."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate({"records": list(records)})
    status, problems = explain(caught.value)
    return status, [(p.record, p.field, p.message) for p in problems]


def test_far_future_dates_and_any_text_are_accepted(request_model: type[BaseModel]) -> None:
    """2099 was never in training, but it is a date in the format: accepted as sent. So is
    null (a missing date, imputed) and any text in a text feature."""
    other = {**RECORD, "listed at": None, "seen": "2099-12-31", "notes": "Penthouse, helipad! 🚁"}
    parsed = request_model.model_validate({"records": [RECORD, other]})
    first, second = parsed.records  # type: ignore[attr-defined]
    assert (first.feature_0, first.feature_1, first.feature_2) == (
        "31/12/2099", "2099-12-31T09:30:00", "Sea view",
    )  # fmt: skip
    assert (second.feature_0, second.feature_2) == (None, "Penthouse, helipad! 🚁")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("listed at", "2099-12-31", "'2099-12-31' is not a date in the format %d/%m/%Y"),
        ("listed at", "31/02/2099", "'31/02/2099' is not a date in the format %d/%m/%Y"),
        ("seen", "31/12/2099", "'31/12/2099' is not a date in the format ISO 8601"),
        ("listed at", 20991231, "Input should be a valid string"),
    ],
    ids=["iso-for-dmy", "31-february", "dmy-for-iso", "a-number"],
)
def test_a_date_not_in_the_format_is_a_422_naming_the_field(
    field: str, value: Any, message: str, request_model: type[BaseModel]
) -> None:
    """The client learns which field of which record is wrong, and the format expected."""
    status, problems = refusal(request_model, RECORD, {**RECORD, field: value})
    ((record, named, text),) = problems
    assert (status, record, named) == (422, 1, field)
    assert message in text


def test_a_text_feature_takes_text_only(request_model: type[BaseModel]) -> None:
    """Words, not numbers: a number sent as notes is refused as any categorical would be."""
    assert refusal(request_model, {**RECORD, "notes": 5}) == (
        422, [(0, "notes", "Input should be a valid string")],
    )  # fmt: skip


@pytest.mark.parametrize("listing_id", ["H100042", 100042, None], ids=["text", "number", "null"])
def test_a_dropped_column_may_be_sent(listing_id: Any, request_model: type[BaseModel]) -> None:
    """Clients send whole rows, identifier included: accepted, and not among the features
    (the service passes only the feature_N fields to the model)."""
    (record,) = request_model.model_validate(  # type: ignore[attr-defined]
        {"records": [{**RECORD, "listing_id": listing_id}]}
    ).records
    assert record.unused_0 == listing_id
    assert [name for name in type(record).model_fields if name.startswith("feature_")] == [
        "feature_0", "feature_1", "feature_2", "feature_3",
    ]  # fmt: skip


def test_a_dropped_column_may_be_left_out_and_is_not_required(
    request_model: type[BaseModel],
) -> None:
    """Omitted, it is None; the OpenAPI document lists it as optional and the example omits
    it (only features are needed)."""
    (record,) = request_model.model_validate({"records": [RECORD]}).records  # type: ignore[attr-defined]
    assert record.unused_0 is None
    record_schema = type(record).model_json_schema()
    assert "listing_id" in record_schema["properties"]
    assert "listing_id" not in record_schema["required"]
    assert "listing_id" not in example_request(features_of(SCHEMA))["records"][0]


def test_an_unknown_column_is_still_refused(request_model: type[BaseModel]) -> None:
    """Only features and dropped columns: anything else (a typo, a column from another table)
    is a 422 naming it; a dropped column takes any JSON scalar, not a list or an object."""
    assert refusal(request_model, {**RECORD, "colour": "red"}) == (
        422, [(0, "colour", "not a feature of this model")],
    )  # fmt: skip
    status, problems = refusal(request_model, {**RECORD, "listing_id": [1, 2]})
    assert status == 422 and {field for _, field, _ in problems} == {"listing_id"}


def test_dropped_of_reads_names_only() -> None:
    """`dropped` entries without a name (or not objects) are skipped; no dropped list is []."""
    schema = {"dropped": [{"name": "id", "role": "identifier"}, {"role": "ignore"}, "x",
                          {"name": 7}]}  # fmt: skip
    assert dropped_of(schema) == ["id", "7"]
    assert dropped_of({"features": []}) == []
    assert dropped_of({"dropped": None}) == []


def test_an_iso_date_example_follows_the_format() -> None:
    """The OpenAPI example of a date feature is the training data's latest date, written in
    its format, so the example in /docs is valid."""
    example = example_request(features_of(SCHEMA))["records"][0]
    assert example["listed at"] == "30/12/2023"
    assert example["notes"] == "a few words"


def test_an_iso_date_the_model_cannot_read_is_refused(request_model: type[BaseModel]) -> None:
    """'As the model reads it' (schema.parses_as_date): a date pandas' ISO 8601 parser turns
    into a missing value must not pass validation as a date."""
    value = "2099-W02-1"
    model_reads = pd.to_datetime(pd.Series([value], dtype=object), format="ISO8601",
                                 errors="coerce", utc=True)  # fmt: skip
    assert model_reads.isna().all()
    status, problems = refusal(request_model, {**RECORD, "seen": value})
    assert (status, problems[0][1]) == (422, "seen")


# --- end to end: a trained pipeline with a date column ------------------------------------------


def test_a_trained_pipeline_serves_a_far_future_date(
    sample_project: SimpleNamespace, params: dict, tmp_path: Path
) -> None:
    """The project's own training on a houses table (listing_id an identifier, listed_at a
    %Y-%m-%d date, notes text): the service takes a listing from 2031, with its id, and
    prices it above the same listing in 2019 (the market rises 6% a year and the model reads
    dates as a calendar); a date in another format is a 422 naming listed_at."""
    frame = houses(600, seed=0)
    roles = tmp_path / "roles.yaml"
    roles.write_text(
        "roles:\n  listing_id: identifier\n  listed_at: {role: datetime, format: '%Y-%m-%d'}\n"
        "  notes: text\n  district: categorical\n",
        encoding="utf-8",
    )
    params["data"].update(target="price", task="regression")
    params["features"] = {**params.get("features", {}), "roles": str(roles)}
    params["model"] = {"name": "linear", "params": {}}
    model_dir = tmp_path / "models"
    sample_project.train.save(*sample_project.train.train(frame, params), model_dir)
    schema = json.loads((model_dir / "schema.json").read_text(encoding="utf-8"))
    assert dropped_of(schema) == ["listing_id"]

    row = json.loads(frame.drop(columns=["price"]).head(1).to_json(orient="records"))[0]
    log = tmp_path / "requests.jsonl"
    settings = Settings(model_dir=model_dir, request_log=str(log), metrics_file=tmp_path / "m")
    with TestClient(create_app(settings, package="sample-project")) as client:
        deadline = time.monotonic() + 30
        while client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline, client.get("/ready").json()
            time.sleep(0.05)
        answer = client.post("/predict", json={"records": [
            {**row, "listed_at": "2019-01-02"}, {**row, "listed_at": "2031-06-01"},
        ]})  # fmt: skip
        assert answer.status_code == 200, answer.text
        then, later = answer.json()["predictions"]
        assert later > then
        refused = client.post("/predict", json={"records": [{**row, "listed_at": "01/06/2031"}]})
        assert refused.status_code == 422
        ((problem),) = refused.json()["errors"]
        assert problem["field"] == "listed_at"
        assert "is not a date in the format %Y-%m-%d" in problem["message"]
    logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert "listing_id" not in logged[0]["features"][0]  # not a feature: not logged


# --- numeric codes and left-out columns ---------------------------------------------------------


def codes_model() -> type[BaseModel]:
    schema = {
        "features": [
            {"name": "plan", "kind": "categorical", "dtype": "float64", "categories": ["3.0"]},
            {"name": "tier", "kind": "categorical", "dtype": "int64", "categories": ["1", "2"]},
            {"name": "flag", "kind": "categorical", "dtype": "int64", "role": "boolean",
             "categories": ["0", "1"]},
        ],
        "dropped": [{"name": "leak", "role": "ignore"}],
    }  # fmt: skip
    return record_model(features_of(schema), dropped_of(schema))


@pytest.mark.parametrize("given", [3, 3.0, "3", "3.0"])
def test_numeric_codes_become_the_text_the_model_learned(given: Any) -> None:
    """A code column with gaps trained as '3.0': 3, 3.0 and "3" are that category, not new."""
    record = codes_model().model_validate({"plan": given, "tier": 2, "flag": 1, "leak": 0.75})
    assert record.model_dump()["feature_0"] == "3.0"
    assert record.model_dump()["feature_1"] == "2"
    assert record.model_dump()["feature_2"] == "1"  # a 0/1 'boolean' keeps its numbers


def test_a_left_out_column_takes_any_json_scalar() -> None:
    model = codes_model()
    for value in (0.75, True, "x", 3, None):
        model.model_validate({"plan": "3", "tier": 1, "flag": 0, "leak": value})


def test_the_clock_is_not_a_date_and_the_message_has_no_prefix(
    request_model: type[BaseModel],
) -> None:
    """pandas reads "now" as this moment; the service refuses it, in its own words."""
    for value in ("now", "today", ""):
        _, problems = refusal(request_model, {**RECORD, "seen": value})
        assert problems == [(0, "seen", f"{value!r} is not a date in the format ISO 8601 "
                                        "(2025-01-31, 2025-01-31T09:30:00)")]  # fmt: skip
