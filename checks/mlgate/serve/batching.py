"""Requests that arrive while the model is busy are predicted together, in one call.

A one-row prediction costs nearly what a 30-row one does, so under concurrent load the service
predicts whatever queued up during the previous call as one batch (up to max_rows rows) in a
worker thread, while the event loop goes on reading requests. Nothing waits for a batch to
fill: a lone request is predicted at once. When a merged batch fails (a request's values the
model refuses), each request is retried alone so only that one gets the error.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from typing import Any

LOG = logging.getLogger(__name__)
Columns = list[list[Any]]
Answer = tuple[list[Any], list[Any] | None]
Waiting = tuple[Columns, asyncio.Future[Answer]]


class Batcher:
    """One model call at a time; every call takes all the requests queued so far."""

    def __init__(
        self,
        predict: Callable[[Columns], Answer],
        max_rows: int,
        on_call: Callable[[int], None] = lambda rows: None,
    ) -> None:
        self._predict, self._max_rows, self._on_call = predict, max(1, max_rows), on_call
        self._waiting: deque[Waiting] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="predict")

    async def predict(self, columns: Columns) -> Answer:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((columns, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    def close(self) -> None:
        self._thread.shutdown(wait=True)

    async def _drain(self) -> None:
        while self._waiting:
            batch = self._take()
            try:
                await self._predict_batch(batch)
            except BaseException as exc:  # never leave a request waiting for good
                failure = exc if isinstance(exc, Exception) else RuntimeError("predict stopped")
                for _, future in batch:
                    if not future.done():
                        future.set_exception(failure)
                if not isinstance(exc, Exception):
                    raise

    async def _predict_batch(self, batch: list[Waiting]) -> None:
        if len(batch) == 1:
            await self._run_alone(batch[0])
            return
        width = len(batch[0][0])
        merged = [list(chain.from_iterable(c[i] for c, _ in batch)) for i in range(width)]
        try:
            labels, extra = await self._call(merged)
        except Exception:  # find the request it belongs to
            LOG.info("a merged model call failed; predicting its %d requests alone", len(batch))
            for waiting in batch:
                if not waiting[1].done():
                    await self._run_alone(waiting)
            return
        start = 0
        for columns, future in batch:
            end = start + len(columns[0])
            answer = labels[start:end], None if extra is None else extra[start:end]
            if not future.done():
                future.set_result(answer)
            start = end

    def _take(self) -> list[Waiting]:
        batch, rows = [], 0
        while self._waiting:
            size = len(self._waiting[0][0][0])
            if batch and rows + size > self._max_rows:
                break
            batch.append(self._waiting.popleft())
            rows += size
        return batch

    async def _run_alone(self, waiting: Waiting) -> None:
        columns, future = waiting
        try:
            answer = await self._call(columns)
        except Exception as exc:  # the request's handler decides what it means
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(answer)

    async def _call(self, columns: Columns) -> Answer:
        rows = len(columns[0]) if columns else 0
        self._on_call(rows)
        loop = asyncio.get_running_loop()
        labels, extra = await loop.run_in_executor(self._thread, self._predict, columns)
        if len(labels) != rows or (extra is not None and len(extra) != rows):
            raise RuntimeError(f"the model answered {len(labels)} rows for {rows}")
        return labels, extra
