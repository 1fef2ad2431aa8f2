"""The service's JSON-lines logs: the request log (one line per accepted request, with each
record's request_id: the input of `mlgate drift`) and the feedback log (one line per outcome
sent to /feedback, joined to the predictions by request_id).

Writing happens off the request path: a request appends to an in-memory buffer, and a
background thread turns the buffer into lines every interval (and at shutdown, so nothing
accepted is lost). The file rotates by size, like logging's RotatingFileHandler:
requests.jsonl → requests.jsonl.1 → ... up to the number of backups kept.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO


class JsonLinesLog:
    """A buffered, rotating JSON-lines file; each entry gets the time and the model version."""

    NAME = "log"

    def __init__(
        self, target: str, *, max_bytes: int, backups: int, flush_s: float, version: str
    ) -> None:
        self.target = target  # a path, or "-" for standard output
        self.max_bytes, self.backups, self.flush_s = max_bytes, backups, flush_s
        self.version = version
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._file: TextIO | None = None
        self.written = 0  # lines written since start
        self.errors = 0  # failed writes (the lines stay buffered)

    def start(self) -> None:
        if self.target != "-":
            path = Path(self.target)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")
        self._thread = threading.Thread(target=self._run, name="request-log", daemon=True)
        self._thread.start()

    def append_entries(self, entries: list[dict[str, Any]]) -> None:
        """Called per accepted request: a list extend under a lock, nothing more."""
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        stamped = [{"ts": stamp, "model_version": self.version, **entry} for entry in entries]
        with self._lock:
            self._pending.extend(stamped)

    def close(self) -> None:
        """Write everything still buffered, then stop the writer (called at shutdown)."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        self._flush()
        if self._file is not None:
            self._file.close()
            self._file = None

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.flush_s)
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        text = "".join(_line(entry) for entry in pending)
        out = self._file if self._file is not None else sys.stdout
        try:
            out.write(text)
            out.flush()
        except OSError as exc:  # a full disk: keep the lines and try again next interval
            with self._lock:
                self._pending[:0] = pending
            self.errors += 1
            print(f"{self.NAME}: cannot write {self.target}: {exc}", file=sys.stderr)
            return
        self.written += len(pending)
        if self._file is not None and self._file.tell() >= self.max_bytes:
            self._rotate()

    def _rotate(self) -> None:
        assert self._file is not None
        self._file.close()
        path = self.target
        if self.backups == 0:
            os.truncate(path, 0)
        else:
            for index in range(self.backups - 1, 0, -1):
                if os.path.exists(f"{path}.{index}"):
                    os.replace(f"{path}.{index}", f"{path}.{index + 1}")
            os.replace(path, f"{path}.1")
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 (kept open on purpose)


class RequestLog(JsonLinesLog):
    NAME = "request log"

    def append(
        self,
        records: list[dict[str, Any]],
        predictions: list[Any],
        request_ids: list[str],
        probabilities: list[dict[str, float]] | None = None,
    ) -> None:
        """One line per request: its records' features, predictions (and a classifier's class
        probabilities, which production scoring needs for ROC AUC) and request ids."""
        one = len(records) == 1
        entry = {"features": records[0] if one else records, "predictions": predictions,
                 "request_ids": request_ids}  # fmt: skip
        if probabilities is not None:
            entry["probabilities"] = probabilities
        self.append_entries([entry])


class FeedbackLog(JsonLinesLog):
    NAME = "feedback log"

    def append(self, outcomes: list[tuple[str, Any]]) -> None:
        """One line per outcome: the request_id it belongs to, and what really happened."""
        self.append_entries([{"request_id": rid, "outcome": value} for rid, value in outcomes])


def _line(entry: dict[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=_json) + "\n"


def _json(value: Any) -> Any:
    """A value json cannot write (a numpy scalar from a project's hook): its Python value, else
    its text, so one odd value never stops the writer."""
    return value.item() if hasattr(value, "item") else str(value)
