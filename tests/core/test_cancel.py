"""CancelToken: one flag shared across threads."""

from __future__ import annotations

import threading

import pytest

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import Cancelled


def test_fresh_token_is_not_cancelled() -> None:
    token = CancelToken()
    assert not token.cancelled
    token.raise_if_cancelled()  # no exception
    assert token.wait(0) is False


def test_cancel_raises_cancelled() -> None:
    token = CancelToken()
    token.cancel()
    assert token.cancelled
    with pytest.raises(Cancelled) as info:
        token.raise_if_cancelled()
    assert info.value.code == "Cancelled"
    token.cancel()  # idempotent
    assert token.cancelled


def test_wait_wakes_up_when_another_thread_cancels() -> None:
    token = CancelToken()
    started = threading.Event()
    woke: list[bool] = []

    def worker() -> None:
        started.set()
        woke.append(token.wait(30))

    thread = threading.Thread(target=worker)
    thread.start()
    assert started.wait(5)
    token.cancel()
    thread.join(5)
    assert not thread.is_alive()
    assert woke == [True]


def test_workers_stop_at_their_next_check() -> None:
    token = CancelToken()
    iterations = [0] * 4
    outcome: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(5)

    def worker(n: int) -> None:
        barrier.wait()
        try:
            while True:
                token.raise_if_cancelled()
                iterations[n] += 1
                token.wait(0.001)
        except Cancelled:
            with lock:
                outcome.append("cancelled")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    barrier.wait()
    token.cancel()
    for t in threads:
        t.join(5)
    assert not any(t.is_alive() for t in threads)
    assert outcome == ["cancelled"] * 4
