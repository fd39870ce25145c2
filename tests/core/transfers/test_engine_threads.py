"""A batch's transfer threads are all started with its pool, so its first requests leave
together; they are reused by the next batch and stopped with the engine."""

from __future__ import annotations

import threading
from pathlib import Path

from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings


def _transfer_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("transfer")}


def test_every_thread_is_started_with_the_pool(tmp_path: Path) -> None:
    before = _transfer_threads()
    engine = TransferEngine(S3Context.__new__(S3Context), EngineSettings(max_concurrency=6))
    try:
        pool = engine._executor()
        started = _transfer_threads() - before
        assert len(started) == 6
        # Free again at once: real work gets a thread without waiting.
        assert pool.submit(lambda: 41 + 1).result(timeout=5) == 42
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
        sources = []
        for i in range(12):
            path = tmp_path / f"f{i}.bin"
            path.write_bytes(bytes([i]) * 300)
            sources.append(UploadSource(path, f"threads/f{i}.bin", 300))
        results = engine.upload(seaweed_bucket, sources)
        assert [r.status for r in results] == [ItemStatus.DONE] * 12
        assert len(_transfer_threads() - before) == 4
    finally:
        engine.close()
