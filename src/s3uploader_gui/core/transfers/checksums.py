"""The checksums S3 keeps (CRC32, the composite CRC32 of a multipart upload, MD5 ETags) and
how a local file is compared with them, in one place so that uploads and downloads verify
the same way."""

from __future__ import annotations

import base64
import io
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from s3uploader_gui.core.errors import LocalFileError
from s3uploader_gui.core.transfers.settings import (
    MAX_OBJECT_SIZE,
    EngineSettings,
    MiB,
    part_size_for,
)
from s3uploader_gui.core.transfers.source import open_regular

_MD5 = re.compile(r"[0-9a-fA-F]{32}")
_MULTIPART_ETAG = re.compile(r"[0-9a-fA-F]{32}-(\d+)")


def crc32_b64(data: bytes | memoryview, value: int = 0) -> str:
    """S3's base64 form of a CRC32 (big-endian 4 bytes)."""
    return base64.b64encode(zlib.crc32(data, value).to_bytes(4, "big")).decode()


def composite_crc32(part_checksums: Sequence[str]) -> str:
    """The multipart (COMPOSITE) checksum: CRC32 of the parts' raw CRC32s, then ``-N``."""
    raw = b"".join(base64.b64decode(c) for c in part_checksums)
    return f"{crc32_b64(raw)}-{len(part_checksums)}"


def file_crc32(path: Path, offset: int = 0, length: int | None = None) -> str:
    """CRC32 of a file range, read in 1 MiB blocks (a regular file only: never blocks)."""
    fd, _ = open_regular(path)
    with io.FileIO(fd, "rb", closefd=True) as fh:
        fh.seek(offset)
        value = 0
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
    """Whether the local file holds the object a HEAD answer describes.

    The strongest check the answer allows decides: a full-object CRC32; a multipart
    upload's composite CRC32 (with its ``-N``, or without it as moto answers, the part
    count then read from the ETag), computed with ``part_size`` (default: the part size
    this app uses); an MD5 ETag; a multipart ETag (MD5 of the parts' MD5s) with
    ``part_size``. A checksum that cannot be compared (a composite of another part
    count) is not a difference: the next check decides, and the size last. A path that is
    not a regular file is never the same, and is never read (a FIFO would block).
    """
    try:
        fd, st = open_regular(path)
    except (OSError, LocalFileError):
        return False
    with io.FileIO(fd, "rb", closefd=True) as fh:
        size = st.st_size
        if "ContentLength" in head and int(head["ContentLength"]) != size:
            return False
        if part_size is None:
            part_size = part_size_for(
                min(size, MAX_OBJECT_SIZE), EngineSettings.multipart_chunksize
            )
        etag = str(head.get("ETag", "")).strip('"')
        multipart = _MULTIPART_ETAG.fullmatch(etag)
        etag_parts = int(multipart.group(1)) if multipart else None
        verdict = _by_crc32(fh, size, head, etag_parts, part_size)
        if verdict is None:
            verdict = _by_etag(fh, size, etag, etag_parts, part_size)
    return True if verdict is None else verdict


def _by_crc32(
    fh: io.FileIO, size: int, head: Mapping[str, Any], etag_parts: int | None, part_size: int
) -> bool | None:
    """The CRC32 verdict, or None when the answer has none that can be compared."""
    crc = str(head.get("ChecksumCRC32") or "")
    if not crc:
        return None
    base, _, suffix = crc.partition("-")
    full_object = str(head.get("ChecksumType") or "").upper() == "FULL_OBJECT"
    count = int(suffix) if suffix.isdigit() else None
    if full_object or (count is None and etag_parts is None):
        return _crc32s(fh, size, size or 1)[0] == base
    fits = math.ceil(size / part_size) == (count or etag_parts)
    full, parts = _crc32s(fh, size, part_size if fits else size or 1)
    if count is None and full == base:
        return True  # no "-N" and no type: it may be a full-object CRC32 after all
    if not fits:
        return None  # a composite of parts of another size: cannot be compared
    return composite_crc32(parts).split("-")[0] == base


def _crc32s(fh: io.FileIO, size: int, part_size: int) -> tuple[str, list[str]]:
    """The whole file's CRC32 and each ``part_size`` part's, in one pass."""
    fh.seek(0)
    whole = 0
    parts: list[str] = []
    offset = 0
    while offset < size or not parts:
        part = 0
        end = min(size, offset + part_size)
        while offset < end:
            block = fh.read(min(MiB, end - offset))
            if not block:
                break
            whole = zlib.crc32(block, whole)
            part = zlib.crc32(block, part)
            offset += len(block)
        parts.append(base64.b64encode(part.to_bytes(4, "big")).decode())
        if offset < end:
            break  # the file shrank meanwhile: its checksum cannot match anyway
    return base64.b64encode(whole.to_bytes(4, "big")).decode(), parts


def _by_etag(
    fh: io.FileIO, size: int, etag: str, etag_parts: int | None, part_size: int
) -> bool | None:
    """The ETag verdict (an MD5, or a multipart upload's MD5 of MD5s), or None."""
    import hashlib  # OpenSSL's library is not start-up work

    fh.seek(0)
    if _MD5.fullmatch(etag):
        md5 = hashlib.md5(usedforsecurity=False)
        for block in iter(lambda: fh.read(MiB), b""):
            md5.update(block)
        return md5.hexdigest() == etag.lower()
    if etag_parts is None or math.ceil(size / part_size) != etag_parts:
        return None
    digests = b""
    for _ in range(etag_parts):
        md5 = hashlib.md5(usedforsecurity=False)
        left = part_size
        while left > 0:
            block = fh.read(min(MiB, left))
            if not block:
                break
            md5.update(block)
            left -= len(block)
        digests += md5.digest()
    return f"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{etag_parts}" == etag.lower()
