"""The model service: `python -m <module>.serve` (`make serve`, and the container's CMD).

mlgate.serve does the serving: the endpoints (/predict, /feedback, /health, /ready, /version,
/metrics), requests checked against models/schema.json (a 4xx that names the record and the
field), the compiled predict path, batching, a request_id per prediction, the request log for
`mlgate drift` and the feedback log for `mlgate monitor`, and the SERVICE_* settings listed
in the README. This module is where the project adapts it: edit `preprocess`
and `postprocess` below; a ValueError raised in either is answered as a 422 with its message.
"""

from __future__ import annotations

from typing import Any

import mlgate.serve
from fastapi import FastAPI

from .features import as_text


def preprocess(columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """A request's validated values (feature name -> one value per record) before the model.

    Return every feature with as many values, e.g. to convert units or to clean up text. What
    this returns is also what the request log keeps for drift checks.
    """
    return columns


def postprocess(
    predictions: list[Any], probabilities: list[dict[str, float]] | None
) -> tuple[list[Any], list[dict[str, float]] | None]:
    """The model's predictions (and class probabilities) before they are answered."""
    return predictions, probabilities


def create_app(settings: mlgate.serve.Settings | None = None) -> FastAPI:
    """The service, with SERVICE_* settings from the environment unless given."""
    return mlgate.serve.create_app(
        settings, package=__package__, as_text=as_text, preprocess=preprocess,
        postprocess=postprocess,
    )  # fmt: skip


if __name__ == "__main__":
    mlgate.serve.run(create_app)
