"""Request and answer models built at start-up from models/schema.json.

The schema the training run saved is the contract: a record has exactly the training features
(names with spaces work: they are aliases), a numeric feature takes a JSON number, a
categorical one text (a boolean column also true/false), a datetime one text that parses in
the training data's format (any date: a future one is a point on the calendar the model
knows), a text one any text, and null is a missing value that the model imputes as it did in
training. A categorical column trained on numeric codes also takes the codes as JSON numbers
(3, 3.0 or "3" become the text the model learned). A category never seen in training is
accepted (one-hot: all zeros; target-encoded: the overall mean) and counted, so a change in
the data shows on /metrics. Columns the model leaves out (schema `dropped`: identifiers,
ignored columns) may be sent with any JSON scalar, and are not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    create_model,
)
from pydantic_core import PydanticCustomError

JSON_TYPES = {"numeric": "a number", "categorical": "text", "datetime": "a date as text",
              "text": "text"}  # fmt: skip
# A number far beyond the training range is a unit or encoding error, and beyond float32's
# range (3.4e38) tree models cannot take it at all: such values are refused with a 422.
RANGE_FACTOR = 1e6
LARGEST = 1e30


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str  # numeric | categorical | datetime | text
    boolean: bool  # a categorical column of true/false
    categories: frozenset[str]
    example: Any  # a typical value: the middle of the training range, or a category
    limit: float  # numeric: values must lie within ±limit
    date_format: str | None = None  # datetime: strftime format; None: ISO 8601
    codes: str | None = None  # categorical trained on numbers: "int" or "float" (their text)


@dataclass(frozen=True)
class RequestError:
    """One problem in a request: which record, which field, what is wrong."""

    message: str
    record: int | None = None
    field: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"record": self.record, "field": self.field, "message": self.message}


def features_of(schema: dict[str, Any]) -> list[Feature]:
    return [
        Feature(
            name=str(f["name"]),
            kind=str(f["kind"]),
            boolean=_boolean(f),
            categories=frozenset(str(c) for c in f.get("categories", [])),
            example=_example(f),
            limit=_limit(f),
            date_format=f.get("format"),
            codes=_codes(f),
        )
        for f in schema["features"]
    ]


def _boolean(feature: dict[str, Any]) -> bool:
    """Trained on true/false: a bool column, or a boolean role whose values were booleans (a
    0/1 column called boolean keeps its numbers)."""
    if str(feature.get("dtype", "")) == "bool":
        return True
    values = {str(c) for c in feature.get("categories", [])}
    return feature.get("role") == "boolean" and bool(values) and values <= {"True", "False"}


def _codes(feature: dict[str, Any]) -> str | None:
    if feature.get("kind") != "categorical" or _boolean(feature):
        return None
    dtype = str(feature.get("dtype", ""))
    if dtype.startswith(("int", "uint", "Int", "UInt")):
        return "int"
    return "float" if dtype.startswith(("float", "Float")) else None


def as_trained(value: Any, codes: str | None) -> Any:
    """A numeric code as the text the model learned it as: 3 -> '3' (int), '3' -> '3.0' (float
    with gaps); anything that is not a number is left as it is (an unseen category)."""
    if codes is None or value is None or isinstance(value, bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    if codes == "int" and number.is_integer():
        return str(int(number))
    return str(number) if codes == "float" else value


def dropped_of(schema: dict[str, Any]) -> list[str]:
    """Columns the model leaves out (identifiers, ignored): a record may carry them."""
    dropped = schema.get("dropped") or []
    return [str(d["name"]) for d in dropped if isinstance(d, dict) and "name" in d]


def _limit(feature: dict[str, Any]) -> float:
    bounds = [abs(v) for v in (feature.get("min"), feature.get("max")) if _is_number(v)]
    spread = abs(feature["max"] - feature["min"]) if len(bounds) == 2 else 0.0
    return min(LARGEST, RANGE_FACTOR * max(1.0, spread, *bounds))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _example(feature: dict[str, Any]) -> Any:
    if feature["kind"] == "datetime":
        return _date_example(feature)
    if feature["kind"] == "text":
        return "a few words"
    if feature["kind"] == "numeric":
        low, high = feature.get("min"), feature.get("max")
        if isinstance(low, int | float) and isinstance(high, int | float):
            return round((low + high) / 2, 6)
        return 0.0
    categories = feature.get("categories") or [""]
    return str(categories[0])


def _date_example(feature: dict[str, Any]) -> str:
    try:
        latest = datetime.fromisoformat(str(feature.get("max")))
    except ValueError:
        latest = datetime(2025, 1, 1)
    date_format = feature.get("format")
    return latest.strftime(date_format) if date_format else latest.date().isoformat()


def parses_as_date(text: str, date_format: str | None) -> bool:
    """As the model reads it (mlgate.io.dates, which a generated project's features.py
    calls), so what passes here is never a silent gap there."""
    from mlgate.io.dates import is_date

    try:
        return is_date(text, date_format)
    except ValueError:  # a format pandas refuses
        return False


def _date_check(date_format: str | None) -> AfterValidator:
    shown = date_format or "ISO 8601 (2025-01-31, 2025-01-31T09:30:00)"

    def check(value: str | None) -> str | None:
        if value is not None and not parses_as_date(value, date_format):
            raise PydanticCustomError(
                "not_a_date", "{value} is not a date in the format {shown}",
                {"value": repr(value), "shown": shown},
            )  # fmt: skip
        return value

    return AfterValidator(check)


def example_request(features: list[Feature]) -> dict[str, Any]:
    """A valid request: the example of the OpenAPI document (shown in /docs)."""
    return {"records": [{f.name: f.example for f in features}]}


def _value_type(feature: Feature) -> Any:
    if feature.kind == "numeric":
        bounded = Field(strict=True, allow_inf_nan=False, ge=-feature.limit, le=feature.limit)
        return Annotated[float, bounded] | None
    if feature.boolean:  # strict per member: pydantic cannot apply strict to a whole union
        return Annotated[bool, Strict()] | Annotated[str, Strict()] | None
    if feature.kind == "datetime":
        return Annotated[Annotated[str, Strict()] | None, _date_check(feature.date_format)]
    if feature.codes:
        codes = feature.codes
        given = Annotated[str, Strict()] | Annotated[int, Strict()] | Annotated[float, Strict()]
        return Annotated[given | None, AfterValidator(lambda v: as_trained(v, codes))]
    return Annotated[str, Strict()] | None


def _description(feature: Feature) -> str:
    if feature.kind == "datetime":
        return f"datetime: a date as text ({feature.date_format or 'ISO 8601'})"
    return f"{feature.kind}: {JSON_TYPES.get(feature.kind, 'a value')}"


def record_model(features: list[Feature], dropped: Sequence[str] = ()) -> type[BaseModel]:
    """One record: every training feature, and optionally the columns the model leaves out;
    nothing else; field names are the aliases. The features come first (`feature_N`)."""
    fields: dict[str, Any] = {
        f"feature_{index}": (
            _value_type(feature),
            Field(alias=feature.name, description=_description(feature)),
        )
        for index, feature in enumerate(features)
    }
    for index, name in enumerate(dropped):
        fields[f"unused_{index}"] = (
            Annotated[str, Strict()]
            | Annotated[int, Strict()]
            | Annotated[float, Strict()]
            | Annotated[bool, Strict()]
            | None,
            Field(default=None, alias=name, description="not used by the model (may be sent)"),
        )
    config = ConfigDict(extra="forbid", populate_by_name=False, title="Record")
    return create_model("Record", __config__=config, **fields)


def batch_model(record: type[BaseModel], max_batch: int) -> type[BaseModel]:
    config = ConfigDict(extra="forbid", title="PredictRequest")
    records = (list[record], Field(min_length=1, max_length=max_batch))  # type: ignore[valid-type]
    return create_model("PredictRequest", __config__=config, records=records)


class PredictAnswer(BaseModel):
    model_version: str
    predictions: list[float | int | str | bool]
    request_ids: list[str] = Field(
        description="per record, the id to send its real outcome with (POST /feedback)"
    )
    probabilities: list[dict[str, float]] | None = Field(
        default=None, description="classifiers: per record, each class's probability"
    )


class ErrorDetail(BaseModel):
    record: int | None = Field(description="index of the record in `records`, if one")
    field: str | None = Field(description="the feature's name, if one")
    message: str


class ErrorAnswer(BaseModel):
    detail: str
    errors: list[ErrorDetail] = []


def explain(error: ValidationError, container: str = "records") -> tuple[int, list[RequestError]]:
    """HTTP status and one RequestError per pydantic error, in the request's own terms.

    container: the body's list ("records" for /predict, "outcomes" for /feedback).
    """
    problems: list[RequestError] = []
    status = 422
    for item in error.errors(include_url=False):
        loc = list(item.get("loc", ()))
        kind = item.get("type", "")
        if kind == "json_invalid":
            return 400, [RequestError(f"the body is not valid JSON: {item.get('msg', '')}")]
        if loc[:1] == [container] and len(loc) == 1 and kind == "too_long":
            status = 413
        record = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
        field = str(loc[2]) if len(loc) > 2 else (str(loc[0]) if len(loc) == 1 else None)
        problems.append(RequestError(_message(kind, item, container), record, field))
    return status, problems


def _message(kind: str, item: Any, container: str = "records") -> str:
    loc = list(item.get("loc", ()))
    body = f'{{"{container}": [{{...}}, ...]}}'
    records = container == "records"
    if len(loc) == 1 and kind in ("missing", "extra_forbidden"):
        return f"the body is {body} and nothing else"
    if kind == "missing":
        return (
            "this feature is missing (send null for an unknown value)"
            if records
            else ("this field is missing")
        )
    if kind == "extra_forbidden":
        return "not a feature of this model" if records else "not a field of this request"
    if kind == "too_short":
        return f"send at least one {container[:-1]}"
    if kind in ("greater_than_equal", "less_than_equal"):
        limit = (item.get("ctx") or {}).get("ge", (item.get("ctx") or {}).get("le"))
        return (
            f"{item.get('input')!r} is far outside the training data: this model takes values "
            f"within ±{abs(float(limit)):g}"
        )
    if kind == "too_long":
        context = item.get("ctx") or {}
        return (
            f"at most {context.get('max_length')} {container} per request (SERVICE_MAX_BATCH), "
            f"not {context.get('actual_length')}: split the batch"
        )
    if kind == "model_type" and not item.get("loc"):
        return f"the body must be a JSON object: {body}"
    return str(item.get("msg", kind))
