"""The request log: one JSON line per accepted request, the input of `mlgate drift`.

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


class RequestLog:
    def __init__(
        self, target: str, *, max_bytes: int, backups: int, flush_s: float, version: str
    ) -> None:
        self.target = target  # a path, or "-" for standard output
        self.max_bytes, self.backups, self.flush_s = max_bytes, backups, flush_s
        self.version = version
        self._pending: list[tuple[str, list[dict[str, Any]], list[Any]]] = []
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

    def append(self, records: list[dict[str, Any]], predictions: list[Any]) -> None:
        """Called per accepted request: a list append under a lock, nothing more."""
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with self._lock:
            self._pending.append((stamp, records, predictions))

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
        text = "".join(self._line(*entry) for entry in pending)
        out = self._file if self._file is not None else sys.stdout
        try:
            out.write(text)
            out.flush()
        except OSError as exc:  # a full disk: keep the lines and try again next interval
            with self._lock:
                self._pending[:0] = pending
            self.errors += 1
            print(f"request log: cannot write {self.target}: {exc}", file=sys.stderr)
            return
        self.written += len(pending)
        if self._file is not None and self._file.tell() >= self.max_bytes:
            self._rotate()

    def _line(self, stamp: str, records: list[dict[str, Any]], predictions: list[Any]) -> str:
        entry = {
            "ts": stamp,
            "model_version": self.version,
            "features": records[0] if len(records) == 1 else records,
            "predictions": predictions,
        }
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=_json) + "\n"

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


def _json(value: Any) -> Any:
    """A value json cannot write (a numpy scalar from a project's hook): its Python value, else
    its text, so one odd value never stops the writer."""
    return value.item() if hasattr(value, "item") else str(value)
