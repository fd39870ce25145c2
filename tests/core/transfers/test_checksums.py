"""The checksums S3 keeps, computed as S3 defines them."""

from __future__ import annotations

from s3uploader_gui.core.transfers.checksums import composite_crc32, crc32_b64


def test_composite_checksum_matches_s3s_definition() -> None:
    # S3: base64(CRC32(raw part checksums)) + "-N".
    parts = [crc32_b64(b"a" * 10), crc32_b64(b"b" * 10)]
    assert composite_crc32(parts).endswith("-2")
    assert crc32_b64(b"") == "AAAAAA=="
