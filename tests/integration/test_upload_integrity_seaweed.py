"""On a real SeaweedFS (which checks and keeps every CRC32): a file rewritten while its
multipart upload runs was stored as a mix of old and new bytes and reported "verified by
CRC32". It now fails with one sentence and leaves no upload and no object behind."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from s3uploader_gui.core.errors import LocalFileError
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import ConflictPolicy, ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from tests.helpers.files import make_random


def _engine(context: S3Context) -> TransferEngine:
    settings = EngineSettings(
        max_concurrency=1, multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB
    )
    return TransferEngine(context, settings)


def test_file_rewritten_during_multipart_is_not_stored_as_a_mix(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "video.bin", 16 * MiB)  # four parts, one at a time
    before = f.stat().st_mtime_ns
    rewritten: list[bool] = []

    def rewrite_after_first_part(**_: Any) -> None:
        if rewritten:
            return
        rewritten.append(True)
        while f.stat().st_mtime_ns == before:  # until the file system's clock shows it
            with open(f, "r+b") as fh:
                fh.seek(6 * MiB)
                fh.write(os.urandom(MiB))

    engine = _engine(seaweed_context)
    engine.register("after-call.s3.UploadPart", rewrite_after_first_part)
    try:
        (r,) = engine.upload(seaweed_bucket, [UploadSource(f, "video.bin", 16 * MiB)])
    finally:
        engine.unregister("after-call.s3.UploadPart", rewrite_after_first_part)
        engine.close()
    assert r.status == ItemStatus.FAILED, r
    assert isinstance(r.error, LocalFileError) and r.error.code == "FileChanged"
    assert r.error.message == "video.bin changed while it was uploading; upload it again."
    client = seaweed_context.client
    assert client.list_multipart_uploads(Bucket=seaweed_bucket).get("Uploads", []) == []
    assert client.list_objects_v2(Bucket=seaweed_bucket).get("KeyCount", 0) == 0


def test_a_multipart_object_is_found_identical_on_the_next_run(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "big.bin", 11 * MiB)
    src = UploadSource(f, "big.bin", 11 * MiB)
    engine = _engine(seaweed_context)
    try:
        (first,) = engine.upload(seaweed_bucket, [src])
        (again,) = engine.upload(seaweed_bucket, [src], conflict=ConflictPolicy.SKIP_IDENTICAL)
    finally:
        engine.close()
    assert first.status == ItemStatus.DONE and first.detail.startswith("CRC32"), first
    assert again.status == ItemStatus.SKIPPED, again
