"""The checksums S3 keeps (CRC32, the composite CRC32 of a multipart upload, MD5 ETags) and
how a local file is compared with them, in one place so that uploads and downloads verify
the same way."""

from __future__ import annotations

import base64
import io
import math
import os
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from s3uploader_gui.core.errors import LocalFileError
from s3uploader_gui.core.transfers.settings import MiB
from s3uploader_gui.core.transfers.source import open_regular


def crc32_b64(data: bytes | memoryview, value: int = 0) -> str:
    """S3's base64 form of a CRC32 (big-endian 4 bytes)."""
    return base64.b64encode(zlib.crc32(data, value).to_bytes(4, "big")).decode()


def composite_crc32(part_checksums: Sequence[str]) -> str:
    """The multipart (COMPOSITE) checksum: CRC32 of the parts' raw CRC32s, then ``-N``."""
    raw = b"".join(base64.b64decode(c) for c in part_checksums)
    return f"{crc32_b64(raw)}-{len(part_checksums)}"


def file_crc32(path: Path, offset: int = 0, length: int | None = None) -> str:
    """CRC32 of a file range, read in 1 MiB blocks (a regular file only: never blocks)."""
    value = 0
    fd, _ = open_regular(path)
    with io.FileIO(fd, "rb", closefd=True) as fh:
        fh.seek(offset)
        remaining = length if length is not None else -1
        while remaining != 0:
            block = fh.read(MiB if remaining < 0 else min(MiB, remaining))
            if not block:
                break
            value = zlib.crc32(block, value)
            if remaining > 0:
                remaining -= len(block)
    return base64.b64encode(value.to_bytes(4, "big")).decode()


def same_content(path: Path, head: Mapping[str, Any], part_size: int | None = None) -> bool:
    """Compare a local file with a HEAD answer: CRC32 if stored, else the MD5 ETag. A path
    that is not a regular file is never the same, and is never read (a FIFO would block)."""
    import hashlib  # OpenSSL's library is not start-up work

    try:
        os.close(open_regular(path)[0])
    except (OSError, LocalFileError):
        return False
    crc = head.get("ChecksumCRC32")
    if crc and "-" not in str(crc):
        return bool(file_crc32(path) == crc)
    etag = str(head.get("ETag", "")).strip('"')
    if "-" not in etag and len(etag) == 32:
        md5 = hashlib.md5(usedforsecurity=False)
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(MiB), b""):
                md5.update(block)
        return md5.hexdigest() == etag
    if "-" in etag and part_size:
        count = int(etag.rsplit("-", 1)[1])
        size = path.stat().st_size
        if math.ceil(size / part_size) != count:
            return False
        digests = b""
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(part_size), b""):
                digests += hashlib.md5(block, usedforsecurity=False).digest()
        return f"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{count}" == etag
    return False
