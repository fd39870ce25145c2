"""Thumbnails of remote image objects, with a disk cache keyed by bucket, key and ETag.

An object's ETag changes whenever its content does, so a cached thumbnail never goes
stale. Objects larger than ``max_bytes`` are not downloaded whole: for JPEGs the first
bytes are fetched and the camera's embedded EXIF thumbnail is used when present;
otherwise there is no thumbnail (the browser shows a generic icon).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from s3uploader_gui.core import paths
from s3uploader_gui.core.errors import AppError, BadImage, translate
from s3uploader_gui.core.files import atomic_write
from s3uploader_gui.core.imaging.thumbnails import make_thumbnail
from s3uploader_gui.core.s3.client import S3Client

MiB = 1024 * 1024
#: Longest edge of a thumbnail, in pixels.
DEFAULT_EDGE = 256
#: Objects above this size are not downloaded just for a thumbnail.
DEFAULT_MAX_BYTES = 12 * MiB
#: How much of a big JPEG is fetched to look for its embedded EXIF thumbnail.
EXIF_PROBE_BYTES = 128 * 1024
#: Pixel limit for decoding (decompression bombs).
MAX_PIXELS = 80_000_000
_NONE_MARK = b""  # a cached "no thumbnail possible" answer


@dataclass(frozen=True)
class ThumbRequest:
    """Which object, in which version, at what size."""

    bucket: str
    key: str
    etag: str
    size: int
    edge: int = DEFAULT_EDGE


def thumbnail_cache_dir() -> Path:
    return paths.cache_dir() / "remote-thumbnails"


def cache_path(req: ThumbRequest, root: Path | None = None) -> Path:
    """The cache file for ``req`` (two-level fan-out so no folder gets huge)."""
    import hashlib  # OpenSSL's library is not start-up work

    digest = hashlib.sha256(
        "\0".join([req.bucket, req.key, req.etag, str(req.size), str(req.edge)]).encode()
    ).hexdigest()
    return (root or thumbnail_cache_dir()) / digest[:2] / (digest + ".thumb")


def read_cached(req: ThumbRequest, root: Path | None = None) -> bytes | None:
    """Cached thumbnail bytes; ``b""`` when the object is known to have none; None: unknown."""
    try:
        return cache_path(req, root).read_bytes()
    except OSError:
        return None


def _write_cache(path: Path, data: bytes) -> None:
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs speed
        atomic_write(path, data)


def _thumbnail_bytes(data: bytes, edge: int, name: str) -> bytes:
    """The app's thumbnail of downloaded image bytes (PNG with alpha, else JPEG).

    Raises a BadImage-like AppError when the bytes are not a decodable image.
    """
    try:
        return make_thumbnail(data, edge, name=name, max_pixels=MAX_PIXELS).data
    except AppError:
        raise
    except Exception as exc:
        raise BadImage(f"The object is not an image that can be previewed ({exc}).") from exc


def embedded_jpeg_thumbnail(head: bytes) -> bytes | None:
    """The EXIF thumbnail inside the first bytes of a JPEG, if there is one."""
    if not head.startswith(b"\xff\xd8"):
        return None
    start = head.find(b"\xff\xd8\xff", 2)
    if start < 0:
        return None
    end = head.find(b"\xff\xd9", start)
    if end < 0:
        return None
    return head[start : end + 2]


def _get(client: S3Client, bucket: str, key: str, byte_range: str | None = None) -> bytes:
    kwargs = {"Bucket": bucket, "Key": key}
    if byte_range:
        kwargs["Range"] = byte_range
    try:
        body = client.get_object(**kwargs)["Body"]  # type: ignore[arg-type]
        with contextlib.closing(body):
            data: bytes = body.read()
        return data
    except Exception as exc:
        raise translate(exc, bucket=bucket, key=key) from exc


def fetch_thumbnail(
    client: S3Client,
    req: ThumbRequest,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    root: Path | None = None,
) -> bytes | None:
    """Thumbnail bytes for an image object, from the cache or the server; None: no thumbnail.

    Network errors raise (so a later attempt may succeed); an object that is not a
    decodable image is remembered as "no thumbnail".
    """
    cached = read_cached(req, root)
    if cached is not None:
        return cached or None
    path = cache_path(req, root)
    if req.size > max_bytes:
        source = None
        if req.key.lower().endswith((".jpg", ".jpeg", ".jpe")):
            source = embedded_jpeg_thumbnail(
                _get(client, req.bucket, req.key, f"bytes=0-{EXIF_PROBE_BYTES - 1}")
            )
        if source is None:
            _write_cache(path, _NONE_MARK)
            return None
    else:
        source = _get(client, req.bucket, req.key)
    try:
        thumb = _thumbnail_bytes(source, req.edge, PurePosixPath(req.key).name or req.key)
    except AppError:
        _write_cache(path, _NONE_MARK)
        return None
    _write_cache(path, thumb)
    return thumb
