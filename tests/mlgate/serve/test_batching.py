"""Concurrent requests share model calls, and each still gets exactly its own answer."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from mlgate.serve.batching import Batcher


class SlowModel:
    """Doubles each value; refuses the value -1; takes a while, like a real model."""

    def __init__(self, seconds: float = 0.02) -> None:
        self.seconds, self.calls, self.lock = seconds, [], threading.Lock()

    def __call__(self, columns: list[list]) -> tuple[list, list | None]:
        with self.lock:
            self.calls.append(len(columns[0]))
        time.sleep(self.seconds)
        if -1 in columns[0]:
            raise ValueError("the model cannot use -1")
        return [2 * v for v in columns[0]], [{"v": v} for v in columns[1]]


def requests_of(count: int, rows: int = 1) -> list[list[list]]:
    return [[[i * 100 + r for r in range(rows)], [f"r{i}.{r}" for r in range(rows)]]
            for i in range(count)]  # fmt: skip


async def send_all(batcher: Batcher, requests: list[list[list]]) -> list:
    """Every answer or error; a request left waiting fails the test instead of hanging it."""
    answers = asyncio.gather(*(batcher.predict(r) for r in requests), return_exceptions=True)
    return await asyncio.wait_for(answers, timeout=10)


def test_a_lone_request_is_predicted_at_once() -> None:
    model = SlowModel(0)
    batcher = Batcher(model, max_rows=100)
    answer = asyncio.run(batcher.predict([[3], ["x"]]))
    assert answer == ([6], [{"v": "x"}]) and model.calls == [1]
    batcher.close()


def test_requests_waiting_for_the_model_go_in_one_call_and_get_their_own_rows() -> None:
    model, calls = SlowModel(), []
    batcher = Batcher(model, max_rows=1000, on_call=calls.append)
    requests = requests_of(20, rows=3)

    async def scenario() -> list:
        first = asyncio.create_task(batcher.predict(requests[0]))
        await asyncio.sleep(0.005)  # the model is busy with the first
        return [await first, *await send_all(batcher, requests[1:])]

    answers = asyncio.run(scenario())
    for request, (labels, extra) in zip(requests, answers, strict=True):
        assert labels == [2 * v for v in request[0]]
        assert extra == [{"v": v} for v in request[1]]
    assert model.calls == [3, 57] == calls  # the first alone, the rest while it ran
    batcher.close()


def test_a_call_takes_at_most_max_rows() -> None:
    model = SlowModel()
    batcher = Batcher(model, max_rows=10)
    answers = asyncio.run(send_all(batcher, requests_of(13, rows=4)))
    assert all(not isinstance(a, Exception) for a in answers)
    assert model.calls == [8, 8, 8, 8, 8, 8, 4]
    batcher.close()


def test_a_request_the_model_refuses_fails_alone() -> None:
    model = SlowModel()
    batcher = Batcher(model, max_rows=1000)
    requests = requests_of(6)
    requests[3][0][0] = -1
    answers = asyncio.run(send_all(batcher, requests))
    assert isinstance(answers[3], ValueError)
    assert [a[0] for i, a in enumerate(answers) if i != 3] == [[0], [200], [400], [800], [1000]]
    batcher.close()


def test_a_cancelled_request_does_not_stop_the_others() -> None:
    model = SlowModel()
    batcher = Batcher(model, max_rows=1000)

    async def scenario() -> list:
        tasks = [asyncio.create_task(batcher.predict(r)) for r in requests_of(5)]
        await asyncio.sleep(0.005)
        tasks[2].cancel()
        return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)

    answers = asyncio.run(scenario())
    assert isinstance(answers[2], asyncio.CancelledError)
    assert [a[0] for i, a in enumerate(answers) if i != 2] == [[0], [200], [600], [800]]
    batcher.close()


def test_a_model_answering_the_wrong_number_of_rows_fails_every_request() -> None:
    def short(columns: list[list]) -> tuple[list, None]:
        return columns[0][:-1], None

    batcher = Batcher(short, max_rows=1000)
    answers = asyncio.run(send_all(batcher, requests_of(4, rows=2)))
    assert all(isinstance(a, RuntimeError) and "1 rows for 2" in str(a) for a in answers)
    batcher.close()


def test_an_error_outside_the_model_call_fails_the_batch_instead_of_hanging_it() -> None:
    def broken(columns: list[list]) -> tuple[None, None]:
        return None, None  # len(None) raises outside the model call

    batcher = Batcher(broken, max_rows=1000)
    answers = asyncio.run(send_all(batcher, requests_of(3)))
    assert all(isinstance(a, TypeError) for a in answers)
    assert asyncio.run(Batcher(SlowModel(0), max_rows=5).predict([[1], ["a"]]))[0] == [2]
    batcher.close()


@pytest.mark.parametrize("max_rows", [0, -5])
def test_max_rows_below_one_still_predicts(max_rows: int) -> None:
    batcher = Batcher(SlowModel(0), max_rows=max_rows)
    assert asyncio.run(batcher.predict([[1], ["a"]]))[0] == [2]
    batcher.close()
