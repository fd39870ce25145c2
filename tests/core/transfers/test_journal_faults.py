"""The journal never takes a batch down: a journal that cannot be written (read-only, a
full disk) or that is damaged turns resuming off for that batch, says so once, and the
uploads carry on; a damaged journal file is set aside (kept) and a new one started."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.journal import Journal
from s3uploader_gui.core.transfers.model import ItemResult, ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from tests.helpers.files import make_random

SETTINGS = EngineSettings(
    max_concurrency=2, multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB
)


def _files(folder: Path, count: int = 3) -> list[Path]:
    big = make_random(folder / "big.bin", 11 * MiB)  # 3 parts
    return [big, *(make_random(folder / f"s{i}.bin", 1000 + i) for i in range(count))]


def _sources(files: list[Path], prefix: str = "") -> list[UploadSource]:
    return [UploadSource(f, prefix + f.name, f.stat().st_size) for f in files]


def _upload(
    engine: TransferEngine, bucket: str, files: list[Path], prefix: str = ""
) -> tuple[list[ItemResult], list[str]]:
    notices: list[str] = []
    results = engine.upload(bucket, _sources(files, prefix), on_notice=notices.append)
    return results, notices


def _check_stored(context: S3Context, bucket: str, files: list[Path], prefix: str = "") -> None:
    for f in files:
        body = context.client.get_object(Bucket=bucket, Key=prefix + f.name)["Body"].read()
        assert body == f.read_bytes(), f.name
    assert context.client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def _assert_notice(notices: list[str]) -> None:
    (text,) = notices  # once per batch, however many writes failed
    assert "journal" in text and "resum" in text
    assert "\n" not in text


def test_a_journal_made_read_only_mid_batch_never_fails_an_upload(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    files = _files(tmp_path)
    journal = Journal(tmp_path / "j.sqlite3")
    engine = TransferEngine(seaweed_context, SETTINGS, journal=journal)

    def read_only(**kwargs: Any) -> None:
        # The file can no longer be written from here on (as a remount read-only would).
        with journal._store.lock:
            journal._store.db.execute("PRAGMA query_only=ON")

    engine.register("after-call.s3.CreateMultipartUpload", read_only)
    try:
        results, notices = _upload(engine, seaweed_bucket, files)
    finally:
        engine.close()
        journal.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * len(files), [r.error for r in results]
    assert results[0].detail.startswith("CRC32")
    _assert_notice(notices)
    _check_stored(seaweed_context, seaweed_bucket, files)


def test_a_full_journal_at_the_start_never_fails_the_batch(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    files = _files(tmp_path, count=40)
    journal = Journal(tmp_path / "j.sqlite3")
    with journal._store.lock:  # SQLite's own "database or disk is full" as soon as it grows
        pages = journal._store.db.execute("PRAGMA page_count").fetchone()[0]
        journal._store.db.execute(f"PRAGMA max_page_count={pages}")
    engine = TransferEngine(seaweed_context, SETTINGS, journal=journal)
    try:
        results, notices = _upload(engine, seaweed_bucket, files)
        # The next batch tries the journal again: one row still fits, so it is journaled.
        second, notices2 = _upload(engine, seaweed_bucket, files[:1], prefix="again/")
        assert journal.unfinished() == [] and journal.get(1) is not None
    finally:
        engine.close()
        journal.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * len(files)
    assert "full" in notices[0]
    _assert_notice(notices)
    assert [r.status for r in second] == [ItemStatus.DONE]
    assert notices2 == []
    _check_stored(seaweed_context, seaweed_bucket, files)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (root only): a real full disk."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte."""
    with open(folder / "filler", "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass


def test_a_journal_on_a_full_disk_never_fails_the_batch(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path, tiny_disk: Path
) -> None:
    files = _files(tmp_path, count=40)
    journal = Journal(tiny_disk / "transfers.sqlite3")
    engine = TransferEngine(seaweed_context, SETTINGS, journal=journal)

    def disk_full(**kwargs: Any) -> None:
        _fill(tiny_disk)

    engine.register("after-call.s3.CreateMultipartUpload", disk_full)
    try:
        results, notices = _upload(engine, seaweed_bucket, files)
    finally:
        engine.close()
        journal.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * len(files), [r.error for r in results]
    _assert_notice(notices)
    _check_stored(seaweed_context, seaweed_bucket, files)


def _journal_with_history(path: Path, rows: int = 400) -> None:
    """A journal of a long use: many finished rows, all in the main file (no WAL)."""
    journal = Journal(path)
    for i in range(rows):
        item = journal.begin("old", "bucket", f"old/{i:05}.bin", path.parent / f"{i}", i, i)
        journal.finish(item.id, "done")
    journal.close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def _damage(path: Path) -> None:
    """Garbage over every page after the first (the schema still reads fine)."""
    size = path.stat().st_size
    assert size > 8 * 4096
    with open(path, "r+b") as fh:
        fh.seek(4096)
        fh.write(os.urandom(size - 4096))


def test_a_damaged_journal_is_set_aside_at_open_and_a_new_one_started(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    path = tmp_path / "data" / "transfers.sqlite3"
    path.parent.mkdir()
    _journal_with_history(path)
    _damage(path)
    damaged = path.read_bytes()

    journal = Journal(path)  # opens: the damage is further in
    files = _files(tmp_path)
    engine = TransferEngine(seaweed_context, SETTINGS, journal=journal)
    try:
        results, notices = _upload(engine, seaweed_bucket, files)
    finally:
        engine.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * len(files)
    assert notices == []  # the new journal works: resuming stays on
    assert journal.unfinished() == []
    assert journal.get(1) is not None  # this batch's rows are in the new journal
    journal.close()
    (kept,) = [p for p in path.parent.iterdir() if ".damaged-" in p.name]
    assert kept.name.startswith("transfers.sqlite3.damaged-")
    assert kept.read_bytes() == damaged  # kept for inspection, as it was
    _check_stored(seaweed_context, seaweed_bucket, files)


def test_a_journal_damaged_while_open_turns_resume_off_then_is_replaced(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    path = tmp_path / "data" / "transfers.sqlite3"
    path.parent.mkdir()
    _journal_with_history(path)
    journal = Journal(path)
    engine = TransferEngine(seaweed_context, SETTINGS, journal=journal)
    files = _files(tmp_path)
    try:
        _damage(path)  # while the app runs: another program, a failing disk
        other = sqlite3.connect(path)  # someone else's write: the app must read the file
        other.execute("PRAGMA user_version=1")
        other.close()
        results, notices = _upload(engine, seaweed_bucket, files)
        assert [r.status for r in results] == [ItemStatus.DONE] * len(files)
        _assert_notice(notices)
        assert "damaged" in notices[0]

        # The next batch starts a new journal (the damaged one kept) and resumes again.
        second, notices2 = _upload(engine, seaweed_bucket, files, prefix="again/")
        assert [r.status for r in second] == [ItemStatus.DONE] * len(files)
        assert notices2 == []
        assert {i.key for i in journal.unfinished()} == set()
    finally:
        engine.close()
        journal.close()
    assert [p for p in path.parent.iterdir() if ".damaged-" in p.name]
    _check_stored(seaweed_context, seaweed_bucket, files)
    _check_stored(seaweed_context, seaweed_bucket, files, prefix="again/")
