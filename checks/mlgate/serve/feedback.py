"""POST /feedback: what really happened to a prediction, sent when it is known.

Every record /predict answers gets a request_id (32 hexadecimal characters, a random UUID),
returned in the answer and written to the request log beside the prediction and the model
version. When the outcome is known (a day, a month later) the caller sends
`{"outcomes": [{"request_id": "...", "outcome": ...}, ...]}`; each accepted outcome becomes a
line of the feedback log, which `mlgate monitor` joins with the request log by request_id.

Checked like /predict: the request_id's shape (an id this service could have given), and the
outcome against the model's target: for a classifier one of its classes, matched by value (1,
1.0 and "1" are the class 1; true is the class True; a class it never learned is refused), for
a regressor a finite number. Whether the id
was really served is the join's to say (late, duplicated and foreign ids are reported there),
not a lookup on the request path.
"""

from __future__ import annotations

import math
import re
import uuid
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model
from pydantic_core import PydanticCustomError

from mlgate.scores import class_of

REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def new_request_ids(count: int) -> list[str]:
    return [uuid.uuid4().hex for _ in range(count)]


def _request_id(value: str) -> str:
    if not REQUEST_ID.fullmatch(value):
        raise PydanticCustomError(
            "not_a_request_id",
            "{value} is not a request_id this service gives (32 hexadecimal characters, as "
            "/predict answers them)",
            {"value": repr(value)[:60]},
        )
    return value


LARGEST = 1e300  # a regression outcome beyond this is a unit or encoding error, refused


def _outcome_check(task: str, classes: list[Any]) -> AfterValidator:
    shown = ", ".join(repr(c) for c in classes[:10]) + (", ..." if len(classes) > 10 else "")

    def check(value: Any) -> Any:
        if task == "classification":
            found, cls = class_of(value, classes)
            if not found:
                raise PydanticCustomError(
                    "not_a_class", "{value} is not a class of this model (its classes: {shown})",
                    {"value": repr(value)[:60], "shown": shown},
                )  # fmt: skip
            return cls
        number = isinstance(value, int | float) and not isinstance(value, bool)
        try:
            finite = number and math.isfinite(value) and abs(value) <= LARGEST
        except OverflowError:  # an integer beyond any float
            finite = False
        if not finite:
            raise PydanticCustomError(
                "not_a_number",
                "{value} is not a finite number within ±1e300 (the model predicts a value)",
                {"value": repr(value)[:60]},
            )
        return value

    return AfterValidator(check)


def feedback_model(schema: dict[str, Any], max_batch: int) -> type[BaseModel]:
    """The /feedback body, from the model's schema (its task and classes)."""
    task = str(schema.get("task", "classification"))
    classes = list((schema.get("target") or {}).get("classes") or [])
    described = f"one of the classes {classes}" if task == "classification" else "the real value"
    # the JSON schema says what the validators check, so a client (or schemathesis) can
    # generate only bodies the service takes
    allowed: dict[str, Any] = (
        {"enum": [*classes, *(str(c) for c in classes if not isinstance(c, str))]}
        if task == "classification"
        else {"type": "number", "minimum": -LARGEST, "maximum": LARGEST}
    )
    outcome = create_model(
        "Outcome",
        __config__=ConfigDict(extra="forbid", title="Outcome"),
        request_id=(Annotated[str, Field(strict=True), AfterValidator(_request_id)],
                    Field(description="as /predict answered it",
                          json_schema_extra={"pattern": f"^{REQUEST_ID.pattern}$"})),
        outcome=(Annotated[Any, _outcome_check(task, classes)],
                 Field(description=described, json_schema_extra=allowed)),
    )  # fmt: skip
    config = ConfigDict(extra="forbid", title="FeedbackRequest")
    outcomes = (list[outcome], Field(min_length=1, max_length=max_batch))  # type: ignore[valid-type]
    return create_model("FeedbackRequest", __config__=config, outcomes=outcomes)


class FeedbackAnswer(BaseModel):
    accepted: int = Field(description="outcomes written to the feedback log")
