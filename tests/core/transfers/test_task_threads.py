"""The transfer threads: every task's outcome reaches its ``done``, on the thread that
ran it; a task that raises leaves the thread working; stopping reports the tasks never
started as cancelled and ends every thread."""

from __future__ import annotations

import queue
import threading
from typing import Any

import pytest

from s3uploader_gui.core.errors import Cancelled
from s3uploader_gui.core.transfers.task_threads import TaskThreads

Outcome = tuple[str, Any, BaseException | None, str]


def _collect(answers: queue.SimpleQueue[Outcome], tag: str) -> Any:
    return lambda value, exc: answers.put((tag, value, exc, threading.current_thread().name))


def test_results_and_errors_reach_done_on_the_thread_that_ran_the_task() -> None:
    pool = TaskThreads(3, "tt")
    answers: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
    ran_on: dict[str, str] = {}

    def task(n: int) -> int:
        ran_on[f"t{n}"] = threading.current_thread().name
        if n % 4 == 0:
            raise ValueError(f"bad {n}")
        return n * n

    try:
        for n in range(20):
            pool.submit(lambda n=n: task(n), _collect(answers, f"t{n}"))
        got = {
            tag: (value, exc, name)
            for tag, value, exc, name in (answers.get(timeout=5) for _ in range(20))
        }
    finally:
        pool.shutdown(Cancelled())
    assert set(got) == {f"t{n}" for n in range(20)}
    for n in range(20):
        value, exc, name = got[f"t{n}"]
        assert name == ran_on[f"t{n}"] and name.startswith("tt_")
        if n % 4 == 0:
            assert value is None and isinstance(exc, ValueError) and str(exc) == f"bad {n}"
        else:
            assert value == n * n and exc is None


def test_stopping_cancels_what_never_started_and_ends_every_thread() -> None:
    pool = TaskThreads(2, "tt-stop")
    threads = [t for t in threading.enumerate() if t.name.startswith("tt-stop_")]
    assert len(threads) == 2
    release = threading.Event()
    running = threading.Barrier(3)
    answers: queue.SimpleQueue[Outcome] = queue.SimpleQueue()

    def hold() -> str:
        running.wait(5)
        release.wait(5)
        return "held"

    for i in range(2):
        pool.submit(hold, _collect(answers, f"hold{i}"))
    running.wait(5)  # both threads are busy: the next tasks wait in the queue
    for i in range(3):
        pool.submit(lambda: "never", _collect(answers, f"queued{i}"))
    stopper = threading.Thread(target=pool.shutdown, args=(Cancelled(),))
    stopper.start()
    cancelled = [answers.get(timeout=5) for _ in range(3)]
    assert sorted(tag for tag, *_ in cancelled) == ["queued0", "queued1", "queued2"]
    assert all(value is None and isinstance(exc, Cancelled) for _, value, exc, _ in cancelled)
    release.set()
    stopper.join(5)
    assert not stopper.is_alive()
    finished = sorted((answers.get(timeout=5)[:2]) for _ in range(2))
    assert finished == [("hold0", "held"), ("hold1", "held")]
    assert all(not t.is_alive() for t in threads)
    with pytest.raises(RuntimeError):
        pool.submit(lambda: 1, _collect(answers, "late"))


def test_a_failing_done_does_not_cost_a_thread(caplog: pytest.LogCaptureFixture) -> None:
    pool = TaskThreads(1, "tt-done")
    answers: queue.SimpleQueue[Outcome] = queue.SimpleQueue()

    def broken(value: Any, exc: BaseException | None) -> None:
        raise RuntimeError("a bug in the caller")

    try:
        pool.submit(lambda: 1, broken)
        pool.submit(lambda: 2, _collect(answers, "after"))
        assert answers.get(timeout=5)[:3] == ("after", 2, None)
    finally:
        pool.shutdown(Cancelled())
    assert "completion failed" in caplog.text
