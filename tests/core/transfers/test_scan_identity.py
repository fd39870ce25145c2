"""What the scan of a dropped folder saw (size, modification time) is what the journal
records for its queue, so the files are not asked again before the uploads start; a file
changed after the scan is still uploaded as it is when its turn comes, and journaled so.
The open that follows a stat finding a regular file does not ask again, and still never
blocks on a FIFO put in the file's place."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from s3uploader_gui.core.errors import LocalFileError
from s3uploader_gui.core.operations.uploads import expand_paths
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.journal import Journal
from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings
from s3uploader_gui.core.transfers.source import SourceFile


def _folder(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    for i in range(count):
        (folder / f"f{i}.bin").write_bytes(bytes([i]) * (100 + i))
    return folder


def test_the_scan_gives_each_file_its_modification_time(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 3)
    expanded = expand_paths([folder], "p/")
    assert [s.key for s in expanded.candidates] == [
        "p/drop/f0.bin",
        "p/drop/f1.bin",
        "p/drop/f2.bin",
    ]
    for s in expanded.candidates:
        assert s.mtime_ns == s.path.stat().st_mtime_ns
        assert s.size == s.path.stat().st_size


@pytest.mark.parametrize("fast", ["1", "0"], ids=["lean", "botocore"])
def test_a_queue_is_journaled_without_asking_each_file_again(
    fast: str,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("S3UPLOADER_FAST_PATH", fast)
    folder = _folder(tmp_path, 4)
    sources = list(expand_paths([folder], "scan/").candidates)
    watched = {str(s.path) for s in sources}
    stats: list[str] = []
    real_stat = os.stat

    def counting_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if str(path) in watched:
            stats.append(str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", counting_stat)
    journal = Journal(tmp_path / "journal.sqlite3")
    engine = TransferEngine(seaweed_context, EngineSettings(), journal=journal)
    try:
        results = engine.upload(seaweed_bucket, sources)
    finally:
        engine.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * 4
    # Per file: the stat as its upload starts, and the change checks around the request
    # (after reading it, after sending it). Not: the journaling, a stat before opening.
    for path in watched:
        assert stats.count(path) == 3, (path, stats.count(path))


@pytest.mark.parametrize("fast", ["1", "0"], ids=["lean", "botocore"])
def test_a_file_changed_after_the_scan_is_uploaded_and_journaled_as_it_is_now(
    fast: str,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("S3UPLOADER_FAST_PATH", fast)
    folder = _folder(tmp_path, 3)
    sources = list(expand_paths([folder], "changed/").candidates)
    changed = folder / "f1.bin"
    changed.write_bytes(b"new and longer content " * 10)
    st = changed.stat()
    os.utime(changed, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    new_mtime = changed.stat().st_mtime_ns
    journal_path = tmp_path / "journal.sqlite3"
    journal = Journal(journal_path)
    engine = TransferEngine(seaweed_context, EngineSettings(), journal=journal)
    try:
        results = engine.upload(seaweed_bucket, sources)
    finally:
        engine.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * 3
    stored = seaweed_context.client.get_object(Bucket=seaweed_bucket, Key="changed/drop/f1.bin")
    assert stored["Body"].read() == changed.read_bytes()
    journal.close()
    with sqlite3.connect(journal_path) as db:
        rows = db.execute(
            "SELECT size, mtime_ns, state FROM items WHERE key=? ORDER BY id",
            ("changed/drop/f1.bin",),
        ).fetchall()
    # The row begun with what the scan saw is stale; the file's upload is the new row.
    assert rows[-1] == (changed.stat().st_size, new_mtime, "done")
    assert all(state != "done" for _, _, state in rows[:-1])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only (FIFOs)")
def test_an_open_that_trusts_an_earlier_stat_still_refuses_a_fifo_without_blocking(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "was-a-file"
    os.mkfifo(fifo)  # put in the file's place after the stat found a regular file
    with pytest.raises(LocalFileError) as info:
        SourceFile(fifo, "was-a-file", seen_regular=True)
    assert info.value.code == "NotRegularFile"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_a_source_dropped_without_closing_frees_its_descriptor(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"0123456789")
    before = len(os.listdir("/proc/self/fd"))
    opened = SourceFile(path, "a.bin")
    assert len(os.listdir("/proc/self/fd")) == before + 1
    assert opened.read(2, 3) == b"234"
    del opened
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_closed_source_is_closed_once(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"0123456789")
    opened = SourceFile(path, "a.bin")
    opened.close()
    opened.close()
    with pytest.raises(ValueError):
        opened.read(0, 1)
