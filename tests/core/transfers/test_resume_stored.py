"""A crash can come after the server stored a small file but before the journal marked it
finished (the marks of single-request uploads are written in groups). Resumed, such a
file finds its own object at its key (same size and CRC32 or MD5) and is done: under
"Keep both" it does not become "name (1).ext", under "Ask" nobody is asked. A different
object at the key still goes through the policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.journal import Journal
from s3uploader_gui.core.transfers.model import Conflict, ConflictPolicy, ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from s3uploader_gui.core.transfers.source import SourceFile
from tests.helpers.files import make_random


def _crashed_after_storing(
    context: S3Context, journal: Journal, bucket: str, sources: list[UploadSource]
) -> None:
    connection = TransferEngine(context, EngineSettings(), journal=journal).connection_id
    """What a crash leaves: rows begun (by a program that is gone) and the objects stored."""
    for s in sources:
        row = journal.begin(
            connection, bucket, s.key, s.path, s.size, s.path.stat().st_mtime_ns, {}
        )
        assert row.state == "queued"
        context.client.put_object(Bucket=bucket, Key=s.key, Body=s.path.read_bytes())
    journal.close()


@pytest.mark.parametrize("fast", ["1", "0"], ids=["lean", "botocore"])
@pytest.mark.parametrize("policy", [ConflictPolicy.RENAME, ConflictPolicy.ASK])
def test_a_resumed_small_file_already_stored_is_done_not_copied(
    fast: str,
    policy: ConflictPolicy,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("S3UPLOADER_FAST_PATH", fast)
    # Enough files for the batch to learn what exists from a listing, and a few alone.
    names = [f"f{i:02}.bin" for i in range(12)]
    sources = [UploadSource(make_random(tmp_path / n, 700 + i), f"re/{n}", 700 + i)
               for i, n in enumerate(names)]  # fmt: skip
    path = tmp_path / "journal.sqlite3"
    _crashed_after_storing(seaweed_context, Journal(path), seaweed_bucket, sources[:10])
    # f10 and f11 were never begun; f11's key holds someone else's object.
    seaweed_context.client.put_object(Bucket=seaweed_bucket, Key="re/f11.bin", Body=b"other")
    asked: list[Conflict] = []

    def ask(conflict: Conflict) -> ConflictPolicy:
        asked.append(conflict)
        return ConflictPolicy.SKIP

    journal = Journal(path)
    engine = TransferEngine(seaweed_context, EngineSettings(), journal=journal)
    try:
        results = engine.upload(seaweed_bucket, sources, conflict=policy, ask=ask)
    finally:
        engine.close()
        journal.close()
    by_key = {r.key: r for r in results}
    for s in sources[:11]:
        assert by_key[s.key].status is ItemStatus.DONE, by_key[s.key]
    assert by_key["re/f03.bin"].detail in ("CRC32", "MD5")
    listed = seaweed_context.client.list_objects_v2(Bucket=seaweed_bucket, Prefix="re/")
    keys = sorted(o["Key"] for o in listed["Contents"])
    if policy is ConflictPolicy.RENAME:
        # Only the foreign object made a copy necessary.
        assert keys == sorted([s.key for s in sources] + ["re/f11 (1).bin"])
        assert not asked
    else:
        assert keys == sorted(s.key for s in sources)
        assert [c.key for c in asked] == ["re/f11.bin"]
        assert by_key["re/f11.bin"].status is ItemStatus.SKIPPED


def test_a_resumed_large_file_is_not_read_whole_to_compare(
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file of multipart size is never read into memory to compare with what the key
    holds (its object's checksum and ETag are not whole-file ones anyway): a resumed one
    whose key exists goes through the policy."""
    size = 6 * MiB
    source = UploadSource(make_random(tmp_path / "big.bin", size), "re/big.bin", size)
    path = tmp_path / "journal.sqlite3"
    _crashed_after_storing(seaweed_context, Journal(path), seaweed_bucket, [source])
    reads: list[int] = []
    original = SourceFile.read

    def counted(self: SourceFile, offset: int, length: int) -> bytes:
        reads.append(length)
        return original(self, offset, length)

    monkeypatch.setattr(SourceFile, "read", counted)
    asked: list[Conflict] = []

    def ask(conflict: Conflict) -> ConflictPolicy:
        asked.append(conflict)
        return ConflictPolicy.SKIP

    journal = Journal(path)
    settings = EngineSettings(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    engine = TransferEngine(seaweed_context, settings, journal=journal)
    try:
        (result,) = engine.upload(seaweed_bucket, [source], conflict=ConflictPolicy.ASK, ask=ask)
    finally:
        engine.close()
        journal.close()
    assert [c.key for c in asked] == ["re/big.bin"]
    assert result.status is ItemStatus.SKIPPED
    assert size not in reads
