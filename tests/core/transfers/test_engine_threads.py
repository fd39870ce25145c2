"""A batch's transfer threads are all started with its pool, so its first requests leave
together; they are reused by the next batch and stopped with the engine."""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any

from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings


def _small_files(folder: Path, prefix: str, count: int, size: int) -> list[UploadSource]:
    sources = []
    for i in range(count):
        path = folder / f"{prefix}{i}.bin"
        path.write_bytes(bytes([i]) * size)
        sources.append(UploadSource(path, f"{prefix}/{prefix}{i}.bin", size))
    return sources


def _transfer_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith(("transfer", "upload_pipeline"))}


def test_every_thread_is_started_with_the_pool(tmp_path: Path) -> None:
    before = _transfer_threads()
    engine = TransferEngine(S3Context.__new__(S3Context), EngineSettings(max_concurrency=6))
    try:
        pool = engine._executor()
        started = _transfer_threads() - before
        assert len(started) == 6
        # Real work gets a thread without waiting, and its outcome goes where it is told.
        answers: queue.SimpleQueue[tuple[Any, BaseException | None]] = queue.SimpleQueue()
        pool.submit(lambda: 41 + 1, lambda value, exc: answers.put((value, exc)))
        assert answers.get(timeout=5) == (42, None)
        assert len(_transfer_threads() - before) == 6
    finally:
        engine.close()
    assert all(not t.is_alive() for t in started)


def test_a_batch_runs_on_the_started_threads(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    before = _transfer_threads()
    engine = TransferEngine(seaweed_context, EngineSettings(max_concurrency=4))
    try:
        sources = _small_files(tmp_path, "threads", 12, 300)
        results = engine.upload(seaweed_bucket, sources)
        assert [r.status for r in results] == [ItemStatus.DONE] * 12
        started = _transfer_threads() - before
        # Small files go through the one pipeline thread; the pool is there for the rest.
        assert len(started) == 5
        assert [t.name for t in started if "pipeline" in t.name] == ["upload_pipeline"]
    finally:
        engine.close()
    assert all(not t.is_alive() for t in started)


def test_a_journal_in_memory_gets_one_row_per_item_though_most_are_journaled_later(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    engine = TransferEngine(seaweed_context, EngineSettings(max_concurrency=2))
    assert not engine.journal.persistent
    begun: list[int] = []
    real = engine.journal.begin_many

    def begin_many(connection: str, bucket: str, entries: list[Any]) -> list[Any]:
        begun.append(len(entries))
        return real(connection, bucket, entries)

    engine.journal.begin_many = begin_many  # type: ignore[method-assign]
    try:
        sources = _small_files(tmp_path, "memory", 30, 200)
        results = engine.upload(seaweed_bucket, sources)
        assert [r.status for r in results] == [ItemStatus.DONE] * 30
        rows = engine.journal._store.db.execute("SELECT key, state FROM items").fetchall()
    finally:
        engine.close()
    # The first window before the first request, the rest with one statement after it.
    assert begun[0] == 4 and sum(begun) <= 30 and len(begun) == 2
    assert sorted(rows) == sorted((f"memory/memory{i}.bin", "done") for i in range(30))


def test_a_journal_on_disk_holds_the_whole_queue_before_the_first_request(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    from s3uploader_gui.core.transfers.journal import Journal

    journal = Journal(tmp_path / "j.sqlite3")
    engine = TransferEngine(seaweed_context, EngineSettings(max_concurrency=2), journal=journal)
    seen: list[int] = []

    def on_start(index: int) -> None:
        if not seen:
            seen.append(journal._store.db.execute("SELECT count(*) FROM items").fetchone()[0])

    try:
        sources = _small_files(tmp_path, "disk", 30, 200)
        results = engine.upload(seaweed_bucket, sources, on_start=on_start)
        assert [r.status for r in results] == [ItemStatus.DONE] * 30
    finally:
        engine.close()
        journal.close()
    assert seen == [30]


def test_a_bandwidth_limit_keeps_small_files_off_the_pipeline(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    """The limiter paces by waiting, which the pipeline's one thread must never do."""
    settings = EngineSettings(max_concurrency=2, max_bandwidth=50 * 1024 * 1024)
    engine = TransferEngine(seaweed_context, settings)
    try:
        sources = _small_files(tmp_path, "paced", 4, 300)
        results = engine.upload(seaweed_bucket, sources)
        assert [r.status for r in results] == [ItemStatus.DONE] * 4
        assert engine._pipeline is None and engine._pool is not None
        engine.configure(EngineSettings(max_concurrency=2))
        results = engine.upload(seaweed_bucket, _small_files(tmp_path, "free", 4, 300))
        assert [r.status for r in results] == [ItemStatus.DONE] * 4
        assert engine._pipeline is not None
    finally:
        engine.close()
