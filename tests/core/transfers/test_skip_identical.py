"""``--on-conflict skip-identical`` compares what can be compared: moto's HEAD gives a
multipart object's composite CRC32 without its ``-N`` suffix, which once counted as
"different" and re-uploaded the object on every run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.checksums import composite_crc32, crc32_b64, same_content
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import ConflictPolicy, ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from tests.helpers.files import make_random


@pytest.fixture(params=["lean", "botocore"])
def path_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both request paths: the lean sender and botocore (``S3UPLOADER_FAST_PATH=0``)."""
    if request.param == "botocore":
        monkeypatch.setenv("S3UPLOADER_FAST_PATH", "0")
    return str(request.param)


def _src(path: Path) -> UploadSource:
    return UploadSource(path, path.name, path.stat().st_size)


def test_skip_identical_skips_a_multipart_object_whose_crc32_has_no_suffix(
    path_kind: str, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "big.bin", 11 * MiB)
    settings = EngineSettings(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    engine = TransferEngine(moto_context, settings)
    try:
        (first,) = engine.upload(http_bucket, [_src(f)])
        # Its HEAD gives the composite without its "-N": compared, it confirms the upload.
        assert first.status == ItemStatus.DONE and first.detail == "CRC32", first
        head = moto_context.client.head_object(
            Bucket=http_bucket, Key="big.bin", ChecksumMode="ENABLED"
        )
        assert "-" not in head.get("ChecksumCRC32", "-")  # moto: the composite, no "-3"
        (again,) = engine.upload(http_bucket, [_src(f)], conflict=ConflictPolicy.SKIP_IDENTICAL)
        assert again.status == ItemStatus.SKIPPED, again
        assert again.detail == "an identical object exists"
        # The same size with other bytes is still found different.
        make_random(f, 11 * MiB)
        (changed,) = engine.upload(http_bucket, [_src(f)], conflict=ConflictPolicy.SKIP_IDENTICAL)
        assert changed.status == ItemStatus.DONE, changed
    finally:
        engine.close()


def test_same_content_reads_each_kind_of_checksum(tmp_path: Path) -> None:
    data = os.urandom(11 * MiB)
    f = tmp_path / "f.bin"
    f.write_bytes(data)
    part = 5 * MiB
    parts = [crc32_b64(data[i : i + part]) for i in range(0, len(data), part)]
    composite = composite_crc32(parts)
    full = crc32_b64(data)
    multipart_etag = '"0123456789abcdef0123456789abcdef-3"'
    # A full-object CRC32, the composite with and without its "-N": compared.
    assert same_content(f, {"ChecksumCRC32": full}, part)
    assert not same_content(f, {"ChecksumCRC32": crc32_b64(b"x")}, part)
    assert same_content(f, {"ChecksumCRC32": composite, "ETag": multipart_etag}, part)
    bare = composite.split("-")[0]
    assert same_content(f, {"ChecksumCRC32": bare, "ETag": multipart_etag}, part)
    other = composite_crc32([crc32_b64(b"x")] * 3).split("-")[0]
    assert not same_content(f, {"ChecksumCRC32": other, "ETag": multipart_etag}, part)
    # An MD5 ETag, and a multipart ETag with the part size.
    import hashlib

    md5 = hashlib.md5(data).hexdigest()
    assert same_content(f, {"ETag": f'"{md5}"'}, part)
    assert not same_content(f, {"ETag": f'"{hashlib.md5(b"x").hexdigest()}"'}, part)
    digests = b"".join(hashlib.md5(data[i : i + part]).digest() for i in range(0, len(data), part))
    assert same_content(f, {"ETag": f'"{hashlib.md5(digests).hexdigest()}-3"'}, part)
    assert not same_content(f, {"ETag": multipart_etag}, part)
    # Another size is never the same.
    assert not same_content(f, {"ChecksumCRC32": full, "ContentLength": 5}, part)
    # A composite of another part count cannot be compared: the size (compared by the
    # caller) decides, it is not "different".
    assert same_content(
        f,
        {
            "ChecksumCRC32": composite_crc32(parts[:2]),
            "ETag": '"0123456789abcdef0123456789abcdef-2"',
        },
        part,
    )
    assert same_content(
        f, {"ChecksumCRC32": bare, "ETag": '"0123456789abcdef0123456789abcdef-2"'}, part
    )
