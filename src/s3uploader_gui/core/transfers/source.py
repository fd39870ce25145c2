"""An upload source opened once, read only through that open file, and checked for change.

Why: a big file is read part by part over minutes, and it can change meanwhile (an editor
saves it, a log grows). Each part's CRC32 is then right for what that part read, the
server confirms every one, and the object holds a mix of old and new bytes. So the file
is opened once, its identity (size, mtime, ctime, inode) is taken before the first byte,
every byte is read through that same open file, and the identity is compared again after
each read and before the upload completes: a change fails the item.

Opening never blocks and reads only regular files: a FIFO (or a device) put where a
queued file was would hold a transfer thread until someone writes to it, and no cancel
can free a thread blocked in ``open``. So the path is checked first, then opened with
``O_NONBLOCK`` and checked again on the open file (``fstat``).
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
import zlib
from pathlib import Path
from typing import NamedTuple

from s3uploader_gui.core.errors import LocalFileError

_BLOCK = 1024 * 1024


class Identity(NamedTuple):
    """What changes when a file's content does (or when another file takes its name)."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, st: os.stat_result) -> Identity:
        return cls(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def changed(name: str) -> LocalFileError:
    """The one sentence for a source that changed while it was being uploaded."""
    return LocalFileError(
        f"{name} changed while it was uploading; upload it again.", code="FileChanged"
    )


def not_regular(name: str, mode: int) -> LocalFileError:
    if stat.S_ISDIR(mode):
        return LocalFileError(f"{name} is a folder, not a file.", code="IsADirectory")
    return LocalFileError(
        f"{name} is not a regular file (a pipe, a device or a socket).", code="NotRegularFile"
    )


def open_regular(
    path: Path, name: str | None = None, *, seen_regular: bool = False
) -> tuple[int, os.stat_result]:
    """A read-only descriptor of ``path`` and its ``fstat``, or ``LocalFileError`` when it
    is not a regular file; never blocks (a FIFO, a device). OSError when it cannot be
    opened (``errors.translate`` words it). ``seen_regular``: the caller's own ``stat`` of
    the path found a regular file a moment ago, so it is not asked again before opening."""
    name = name or path.name or str(path)
    if not seen_regular:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise not_regular(name, mode)  # not even opened: opening a device can act on it
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # replaced between the stat and the open
            raise not_regular(name, st.st_mode)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


class SourceFile:
    """One upload source, open for the whole upload; thread-safe reads at offsets.

    ``name`` is what messages call it (the user's file, also for a prepared copy).
    """

    def __init__(self, path: Path, name: str, *, seen_regular: bool = False) -> None:
        fd, st = open_regular(path, name, seen_regular=seen_regular)
        self.path = path
        self.name = name
        self.identity = Identity.of(st)
        self._fd = fd  # a bare descriptor: io.FileIO would fstat it once more
        self._lock = threading.Lock()  # only where os.pread is missing (Windows)

    @property
    def size(self) -> int:
        return self.identity.size

    def read(self, offset: int, length: int) -> bytes:
        """Exactly ``length`` bytes at ``offset``; a shorter file has changed."""
        chunks: list[bytes] = []
        got = 0
        while got < length:
            chunk = self._pread(length - got, offset + got)
            if not chunk:
                raise changed(self.name)
            chunks.append(chunk)
            got += len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)  # b"" for none

    def crc32(self, offset: int, length: int) -> str:
        """S3's base64 CRC32 of a range, read in 1 MiB blocks."""
        import base64

        value = 0
        done = 0
        while done < length:
            block = self.read(offset + done, min(_BLOCK, length - done))
            value = zlib.crc32(block, value)
            done += len(block)
        return base64.b64encode(value.to_bytes(4, "big")).decode()

    def check(self) -> None:
        """Raise ``changed`` unless the open file and the file at its path are still the
        one opened, as it was (size, times, inode).

        One ``stat`` of the path answers for both: while this file is open its inode
        cannot be freed, so no other file can have its inode and device; a path showing
        them is this very file, and ``fstat`` would show the same size and times."""
        try:
            at_path = os.stat(self.path)
        except FileNotFoundError:
            raise changed(self.name) from None
        if Identity.of(at_path) != self.identity:
            raise changed(self.name)

    def close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def __del__(self) -> None:  # a source dropped without close() still frees its descriptor
        if getattr(self, "_fd", -1) >= 0:
            with contextlib.suppress(OSError, TypeError, AttributeError):  # (at exit: no os)
                self.close()

    def _pread(self, n: int, offset: int) -> bytes:
        fd = self._fd
        if fd < 0:
            raise ValueError("read of a closed source")
        if hasattr(os, "pread"):
            return os.pread(fd, n, offset)
        with self._lock:
            os.lseek(fd, offset, os.SEEK_SET)
            return os.read(fd, n)
