"""A two-level thumbnail cache: a bounded in-memory LRU over files on disk.

Entries are keyed by the file's path, size and modification time (and the thumbnail
size), so an edited photo gets a new thumbnail and an unchanged one is never decoded
twice, not even across runs. Safe to use from many threads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import struct
import threading
from collections import OrderedDict
from pathlib import Path

from s3uploader_gui.core import paths
from s3uploader_gui.core.errors import translate
from s3uploader_gui.core.files import atomic_write
from s3uploader_gui.core.imaging.info import ImageInfo
from s3uploader_gui.core.imaging.thumbnails import Thumbnail, make_thumbnail

#: Bumped whenever ``ImageInfo`` gains a field: older entries are then made again, not
#: read back with the new fields at their defaults.
_MAGIC = b"S3UT2"


def thumbnail_dir() -> Path:
    """Where thumbnails are kept between runs."""
    return paths.cache_dir() / "thumbnails"


class ThumbnailCache:
    """``get(path, size)`` returns a ``Thumbnail``, from memory, disk, or freshly made.

    Memory holds at most ``max_memory_bytes`` of thumbnail data (least recently used
    entries go first). The disk folder is trimmed to ``max_disk_bytes`` by ``prune()``.
    """

    def __init__(
        self,
        folder: Path | None = None,
        *,
        max_memory_bytes: int = 32 * 1024 * 1024,
        max_disk_bytes: int = 256 * 1024 * 1024,
    ) -> None:
        self.folder = folder if folder is not None else thumbnail_dir()
        self.max_memory_bytes = max_memory_bytes
        self.max_disk_bytes = max_disk_bytes
        self._memory: OrderedDict[str, Thumbnail] = OrderedDict()
        self._memory_bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.disk_hits = 0
        self.misses = 0

    @staticmethod
    def key(path: Path, size: int) -> str | None:
        """The cache key for ``path`` as it is now (None when it cannot be stat'ed)."""
        try:
            st = path.stat()
        except OSError:
            return None
        raw = f"{os.path.abspath(path)}\0{st.st_size}\0{st.st_mtime_ns}\0{size}"
        import hashlib  # OpenSSL's library is not start-up work

        return hashlib.sha1(raw.encode("utf-8", "surrogateescape")).hexdigest()

    @property
    def memory_bytes(self) -> int:
        with self._lock:
            return self._memory_bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._memory)

    def peek(self, path: Path, size: int) -> Thumbnail | None:
        """The thumbnail if it is already in memory (never touches the disk)."""
        key = self.key(path, size)
        if key is None:
            return None
        with self._lock:
            thumb = self._memory.get(key)
            if thumb is not None:
                self._memory.move_to_end(key)
            return thumb

    def get(self, path: str | os.PathLike[str], size: int = 256) -> Thumbnail:
        """The thumbnail of ``path``; raises BadImage/LocalFileError like make_thumbnail."""
        path = Path(path)
        key = self.key(path, size)
        if key is None:
            try:
                path.stat()
            except OSError as exc:
                raise translate(exc) from exc
        if key is not None:
            with self._lock:
                thumb = self._memory.get(key)
                if thumb is not None:
                    self._memory.move_to_end(key)
                    self.hits += 1
                    return thumb
            thumb = self._read_disk(key)
            if thumb is not None:
                with self._lock:
                    self.disk_hits += 1
                self._remember(key, thumb)
                return thumb
        thumb = make_thumbnail(path, size)
        with self._lock:
            self.misses += 1
        if key is not None:
            self._remember(key, thumb)
            self._write_disk(key, thumb)
        return thumb

    def _remember(self, key: str, thumb: Thumbnail) -> None:
        with self._lock:
            old = self._memory.pop(key, None)
            if old is not None:
                self._memory_bytes -= len(old.data)
            self._memory[key] = thumb
            self._memory_bytes += len(thumb.data)
            while self._memory_bytes > self.max_memory_bytes and len(self._memory) > 1:
                _, dropped = self._memory.popitem(last=False)
                self._memory_bytes -= len(dropped.data)

    def clear_memory(self) -> None:
        with self._lock:
            self._memory.clear()
            self._memory_bytes = 0

    # -- disk --------------------------------------------------------------------------
    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.thumb"

    def _read_disk(self, key: str) -> Thumbnail | None:
        try:
            raw = self._file(key).read_bytes()
            if not raw.startswith(_MAGIC):
                return None
            (length,) = struct.unpack(">I", raw[len(_MAGIC) : len(_MAGIC) + 4])
            start = len(_MAGIC) + 4
            head = json.loads(raw[start : start + length])
            info = ImageInfo(**head["info"])
            data = raw[start + length :]
            return Thumbnail(data, int(head["width"]), int(head["height"]), head["format"], info)
        except (OSError, ValueError, KeyError, TypeError, struct.error):
            return None

    def _write_disk(self, key: str, thumb: Thumbnail) -> None:
        head = json.dumps(
            {
                "width": thumb.width,
                "height": thumb.height,
                "format": thumb.format,
                "info": dataclasses.asdict(thumb.info),
            }
        ).encode()
        blob = _MAGIC + struct.pack(">I", len(head)) + head + thumb.data
        target = self._file(key)
        # A cache that cannot be written is only slower, never an error.
        with contextlib.suppress(OSError):
            atomic_write(target, blob)

    def prune(self) -> int:
        """Delete the least recently used files above ``max_disk_bytes``; returns how many."""
        entries: list[tuple[float, int, Path]] = []
        for file in self.folder.glob("*/*.thumb"):
            with contextlib.suppress(OSError):
                st = file.stat()
                entries.append((max(st.st_atime, st.st_mtime), st.st_size, file))
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, file in sorted(entries):
            if total <= self.max_disk_bytes:
                break
            with contextlib.suppress(OSError):
                file.unlink()
                total -= size
                removed += 1
        return removed
