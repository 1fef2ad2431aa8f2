"""Production predictions joined with their real outcomes, by request_id (issue 19's join).

The request log has one line per request (`request_ids`, `predictions`, for a classifier
`probabilities`, `model_version`, `ts`); the feedback log one line per outcome (`request_id`,
`outcome`, `ts`). The outcomes are read first and kept by request_id (they are what arrives
late and rarely: far fewer than predictions); the request log is then streamed line by line,
so memory grows with the outcomes, not with the predictions.

Every outcome ends in exactly one place, and each is counted: joined (a prediction of the
model version being judged), foreign (a prediction of another version: another model's
metric), unknown (no prediction in these logs has its id: too old, or from elsewhere), or a
repeat (the same request_id sent again: the newest by its time counts, as a correction would,
whatever order rotated logs are read in). Label delay is the time from the prediction to that
outcome. Without a version to judge, the one that served last (the newest request line) is
judged: after a deploy, older predictions of the previous model fill the logs for a while.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import CouldNotCheck
from ..io.textfile import json_lines


@dataclass(slots=True)  # one per outcome: millions of them, no __dict__ each
class Outcome:
    value: Any
    ts: str | None
    used: bool = False


@dataclass
class Joined:
    """Labelled predictions of one model version, and what happened to every outcome."""

    version: str | None
    y_true: list[Any] = field(default_factory=list)
    y_pred: list[Any] = field(default_factory=list)
    proba: list[dict[str, float]] = field(default_factory=list)
    delays_s: list[float] = field(default_factory=list)
    predictions: int = 0  # of the version judged
    outcomes: int = 0  # outcome lines read
    repeats: int = 0  # outcome lines for a request_id already labelled (the newest counts)
    foreign: int = 0  # outcomes of predictions by another model version
    unknown: int = 0  # outcomes whose request_id no prediction in the logs has
    duplicate_predictions: int = 0  # labelled request_ids logged twice (the first counts)
    versions: dict[str, int] = field(default_factory=dict)  # predictions per model version

    @property
    def labelled(self) -> int:
        return len(self.y_true)

    @property
    def labelled_share(self) -> float | None:
        return self.labelled / self.predictions if self.predictions else None

    @property
    def median_delay_s(self) -> float | None:
        return statistics.median(self.delays_s) if self.delays_s else None

    @property
    def has_probabilities(self) -> bool:
        return bool(self.proba) and len(self.proba) == len(self.y_true)


def read_outcomes(paths: Sequence[Path]) -> tuple[dict[str, Outcome], int, int]:
    """request_id -> its newest outcome; also the outcome lines read and the repeats."""
    outcomes: dict[str, Outcome] = {}
    lines = repeats = 0
    for path, number, entry in _entries(paths):
        request_id, value = entry.get("request_id"), entry.get("outcome")
        if not isinstance(request_id, str) or "outcome" not in entry:
            raise CouldNotCheck(f"{path}:{number}: {PROBLEMS['feedback']}")
        lines += 1
        stamp = entry.get("ts") if isinstance(entry.get("ts"), str) else None
        earlier = outcomes.get(request_id)
        if earlier is not None:
            repeats += 1
            if stamp is None or (earlier.ts is not None and earlier.ts > stamp):
                continue  # rotated logs come in any order: the newest outcome counts
        outcomes[request_id] = Outcome(value, stamp)
    return outcomes, lines, repeats


# what is wrong with a line, after its "path:number: " (the Spark engine says the same)
PROBLEMS = {
    "object": "each line must be a JSON object",
    "feedback": "a feedback line needs a request_id and an outcome",
    "lists": "request_ids and predictions must be lists of the same length",
    "text": "request_ids must be text",
    "probabilities": "probabilities must be one object per record",
}


# told every logged prediction: (model version, prediction, its class probabilities or None)
Observer = Callable[[str, Any, Any], None]


def join(
    requests: Sequence[Path],
    feedback: Sequence[Path],
    version: str | None = None,
    observe: Observer | None = None,
) -> Joined:
    """Outcomes joined with the predictions of `version` (None: the version of the newest
    request line, the one serving). One pass over the request log: every version's labelled
    predictions are kept (they are bounded by the outcomes) until the end decides. `observe`
    sees every prediction, labelled or not (the label-free estimate)."""
    outcomes, lines, repeats = read_outcomes(feedback)
    sides: dict[str, Joined] = {}
    latest: dict[str, str] = {}  # the newest request time of each version
    duplicates = 0
    for path, number, entry in _entries(requests):
        ids, predictions = entry.get("request_ids"), entry.get("predictions")
        if ids is None:
            continue  # a line from before request ids: nothing to join
        if (
            not isinstance(ids, list)
            or not isinstance(predictions, list)
            or len(ids) != len(predictions)
        ):
            raise CouldNotCheck(f"{path}:{number}: {PROBLEMS['lists']}")
        if not all(isinstance(i, str) for i in ids):
            raise CouldNotCheck(f"{path}:{number}: {PROBLEMS['text']}")
        line_version = str(entry.get("model_version"))
        side = sides.get(line_version)
        if side is None:
            side = sides[line_version] = Joined(line_version)
        side.predictions += len(ids)
        stamp = entry.get("ts")
        if isinstance(stamp, str) and (latest.get(line_version) or "") < stamp:
            latest[line_version] = stamp
        proba = entry.get("probabilities")
        if proba is not None and not (
            isinstance(proba, list) and all(isinstance(row, dict) for row in proba)
        ):
            raise CouldNotCheck(f"{path}:{number}: {PROBLEMS['probabilities']}")
        for index, (request_id, prediction) in enumerate(zip(ids, predictions, strict=True)):
            if observe is not None:
                row = proba[index] if isinstance(proba, list) and index < len(proba) else None
                observe(line_version, prediction, row)
            outcome = outcomes.get(request_id)
            if outcome is None:
                continue  # not labelled (yet): remembered nowhere, so memory follows outcomes
            if outcome.used:  # the same prediction logged twice (a log read twice)
                duplicates += 1
                continue
            outcome.used = True
            side.y_true.append(outcome.value)
            side.y_pred.append(prediction)
            if isinstance(proba, list) and index < len(proba):
                side.proba.append(proba[index])
            delay = seconds_between(entry.get("ts"), outcome.ts)
            if delay is not None:
                side.delays_s.append(delay)
    if version is None and sides:
        version = max(sides, key=lambda v: (latest.get(v, ""), sides[v].predictions, v))
    joined = sides.get(str(version)) if version is not None else None
    joined = joined or Joined(version)
    joined.version = version
    joined.outcomes, joined.repeats, joined.duplicate_predictions = lines, repeats, duplicates
    joined.versions = {name: side.predictions for name, side in sides.items()}
    joined.foreign = sum(side.labelled for name, side in sides.items() if name != version)
    joined.unknown = sum(1 for outcome in outcomes.values() if not outcome.used)
    return joined


def _entries(paths: Sequence[Path]) -> Iterator[tuple[Path, int, dict[str, Any]]]:
    for path in paths:
        if not path.is_file():
            raise CouldNotCheck(f"{path}: not found")
        try:
            for number, _, entry in json_lines(path):
                if not isinstance(entry, dict):
                    raise CouldNotCheck(f"{path}:{number}: {PROBLEMS['object']}")
                yield path, number, entry
        except OSError as exc:
            raise CouldNotCheck(f"{path}: cannot be read ({exc.strerror})") from None


def seconds_between(start: Any, end: Any) -> float | None:
    """Seconds from one logged time to another; None unless both are ISO 8601 text of the
    same kind (both with a zone, or both without)."""
    try:
        return (_moment(end) - _moment(start)).total_seconds()
    except (TypeError, ValueError):
        return None


def _moment(stamp: Any) -> datetime:
    if not isinstance(stamp, str):
        raise TypeError(stamp)
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
