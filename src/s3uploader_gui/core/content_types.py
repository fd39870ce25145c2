"""Content-Types of file and key names: the app's own table first, then the system's.

Apart from ``naming`` (keys and paths) so each stays short; ``naming`` names them too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

# Python's mimetypes reads the system tables, which miss these on some platforms.
_CONTENT_TYPES: dict[str, str] = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".svg": "image/svg+xml",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".bmp": "image/bmp",
    ".ico": "image/vnd.microsoft.icon",
    ".jxl": "image/jxl",
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".xml": "application/xml",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".tar": "application/x-tar",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".wasm": "application/wasm",
}

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".gif", ".webp", ".avif", ".heic", ".heif", ".tif", ".tiff",
     ".bmp"}
)  # fmt: skip


def content_type_for(name: str, overrides: Mapping[str, str] | None = None) -> str:
    """The Content-Type for a file or key name.

    ``overrides`` (extension with its dot → type) comes first, then the explicit table,
    then Python's mimetypes.
    """
    ext = _suffix(name)
    if overrides and ext in overrides:
        return overrides[ext]
    if ext in _CONTENT_TYPES:
        return _CONTENT_TYPES[ext]
    known = _GUESSED.get(ext)
    if known is None:
        guessed, _ = _mimetypes().guess_type("x" + ext, strict=False)
        known = _GUESSED[ext] = guessed or "application/octet-stream"
    return known


def warm_content_types(names: Iterable[str]) -> None:
    """Read the system's type tables on a background thread when a name among ``names``
    needs them: otherwise the first upload waits for them (and every transfer thread
    with it), while the work before it (connecting, journaling) leaves the CPU idle."""
    if _MIMETYPES or _WARMING.locked():
        return
    if any(_suffix(n) not in _CONTENT_TYPES for n in names):
        threading.Thread(target=_mimetypes, name="content-types", daemon=True).start()


def _suffix(name: str) -> str:
    # PurePosixPath(name).suffix, without building a path per file.
    text = name.replace("\\", "/")
    if "/." in text:  # "." parts, which a path drops: let it read them
        return PurePosixPath(text).suffix.lower()
    base = text.rstrip("/").rpartition("/")[2]
    dot = base.rfind(".")
    if dot <= 0 or dot == len(base) - 1:
        return ""
    return base[dot:].lower()


#: Extension → what mimetypes said, so each is asked once.
_GUESSED: dict[str, str] = {}
#: The initialised mimetypes module, once read (``_mimetypes``).
_MIMETYPES: list[Any] = []
_WARMING = threading.Lock()


def _mimetypes() -> Any:
    """mimetypes with its tables read, once, whichever thread asks first."""
    if _MIMETYPES:
        return _MIMETYPES[0]
    with _WARMING:
        if not _MIMETYPES:
            import mimetypes  # not at start-up: it probes for Windows modules, reads tables

            mimetypes.init()
            _MIMETYPES.append(mimetypes)
    return _MIMETYPES[0]


def is_image_name(name: str) -> bool:
    """True for names whose extension is a common raster image format."""
    return _suffix(name) in IMAGE_EXTENSIONS


def content_type_table() -> dict[str, str]:
    """A copy of the explicit extension → Content-Type table."""
    return dict(_CONTENT_TYPES)
