"""TransferProgress: snapshot maths, speed and ETA on an injected clock, thread safety."""

from __future__ import annotations

import threading

import pytest

from s3uploader_gui.core.transfers.progress import ProgressSnapshot, TransferProgress


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_snapshot_totals_and_fraction() -> None:
    p = TransferProgress(clock=FakeClock())
    p.add_item(0, 100)
    p.add_item(1, 300)
    p.advance(0, 40)
    p.advance(1, 60)
    s = p.snapshot()
    assert s.total_bytes == 400
    assert s.done_bytes == 100
    assert s.items_total == 2
    assert s.items_finished == 0
    assert s.item_bytes == {0: 40, 1: 60}
    assert s.fraction == pytest.approx(0.25)


def test_empty_progress() -> None:
    s = TransferProgress(clock=FakeClock()).snapshot()
    assert s.total_bytes == 0
    assert s.fraction == 0.0
    assert s.eta_seconds == 0.0
    assert s.bytes_per_second == 0.0


def test_set_item_and_negative_advance_on_retry() -> None:
    p = TransferProgress(clock=FakeClock())
    p.add_item(0, 1000)
    p.advance(0, 700)
    p.advance(0, -200)  # s3transfer rewinds a retried part
    assert p.snapshot().done_bytes == 500
    p.set_item(0, 1000)
    p.finish_item(0)
    s = p.snapshot()
    assert s.done_bytes == 1000
    assert s.item_bytes == {0: 1000}
    assert s.items_finished == 1
    assert s.fraction == 1.0
    assert s.eta_seconds == 0.0


def test_remove_item_takes_it_out_of_the_totals() -> None:
    p = TransferProgress(clock=FakeClock())
    p.add_item(0, 100)
    p.add_item(1, 900)
    p.advance(0, 100)
    p.advance(1, 450)
    p.remove_item(1, 900)
    s = p.snapshot()
    assert s.total_bytes == 100
    assert s.done_bytes == 100
    assert s.item_bytes[1] == 0
    assert s.fraction == 1.0


def test_speed_and_eta_with_an_injected_clock() -> None:
    clock = FakeClock()
    p = TransferProgress(clock=clock)
    p.add_item(0, 10_000)
    first = p.snapshot()
    assert first.bytes_per_second == 0.0
    assert first.eta_seconds is None  # no speed yet: unknown, not zero or infinite

    clock.now += 1.0
    p.advance(0, 1000)
    s = p.snapshot()
    assert s.bytes_per_second == pytest.approx(1000.0)
    assert s.eta_seconds == pytest.approx(9.0)

    clock.now += 1.0
    p.advance(0, 3000)
    s = p.snapshot()
    assert s.bytes_per_second == pytest.approx(2000.0)  # 4000 bytes over 2 s
    assert s.eta_seconds == pytest.approx(3.0)


def test_speed_forgets_old_samples() -> None:
    """After a stall longer than the window the speed drops instead of averaging forever."""
    clock = FakeClock()
    p = TransferProgress(clock=clock)
    p.add_item(0, 1_000_000)
    p.snapshot()
    clock.now += 1
    p.advance(0, 100_000)
    assert p.snapshot().bytes_per_second == pytest.approx(100_000)
    # Ten seconds of nothing, sampled every second.
    for _ in range(10):
        clock.now += 1
        s = p.snapshot()
    assert s.bytes_per_second == pytest.approx(0.0)
    assert s.eta_seconds is None
    # Then 5,000 bytes a second again: the speed follows within the window.
    for _ in range(5):
        clock.now += 1
        p.advance(0, 5000)
        s = p.snapshot()
    assert s.bytes_per_second == pytest.approx(5000, rel=0.01)


def test_changed_only_reports_each_change_once() -> None:
    p = TransferProgress(clock=FakeClock())
    for i in range(3):
        p.add_item(i, 10)
    p.advance(0, 5)
    p.advance(2, 1)
    assert p.snapshot(changed_only=True).item_bytes == {0: 5, 2: 1}
    assert p.snapshot(changed_only=True).item_bytes == {}
    p.finish_item(1)
    assert p.snapshot(changed_only=True).item_bytes == {1: 0}
    # A full snapshot still has every item and does not consume the changed set.
    p.advance(0, 5)
    assert p.snapshot().item_bytes == {0: 10, 1: 0, 2: 1}
    assert p.snapshot(changed_only=True).item_bytes == {0: 10}


def test_snapshot_is_a_copy() -> None:
    p = TransferProgress(clock=FakeClock())
    p.add_item(0, 10)
    s = p.snapshot()
    s.item_bytes[0] = 999
    p.advance(0, 1)
    assert p.snapshot().item_bytes == {0: 1}


def test_many_threads_advancing_lose_no_bytes() -> None:
    p = TransferProgress()
    threads_n, items_per_thread, calls, chunk = 8, 4, 2000, 7
    for t in range(threads_n):
        for j in range(items_per_thread):
            p.add_item(t * items_per_thread + j, calls * chunk)
    start = threading.Barrier(threads_n + 1)
    stop_sampling = threading.Event()
    seen: list[ProgressSnapshot] = []

    def work(t: int) -> None:
        start.wait()
        for _ in range(calls):
            for j in range(items_per_thread):
                p.advance(t * items_per_thread + j, chunk)

    def sample() -> None:
        while not stop_sampling.is_set():
            seen.append(p.snapshot(changed_only=True))

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads_n)]
    sampler = threading.Thread(target=sample)
    for w in workers:
        w.start()
    sampler.start()
    start.wait()
    for w in workers:
        w.join(30)
    stop_sampling.set()
    sampler.join(30)

    s = p.snapshot()
    expected = threads_n * items_per_thread * calls * chunk
    assert s.total_bytes == expected
    assert s.done_bytes == expected
    assert sum(s.item_bytes.values()) == expected
    assert all(v == calls * chunk for v in s.item_bytes.values())
    # Every sample was internally consistent: never more done than the total.
    assert all(0 <= snap.done_bytes <= expected for snap in seen)
    done_series = [snap.done_bytes for snap in seen]
    assert done_series == sorted(done_series)
