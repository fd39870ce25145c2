"""A request body over bytes or a range of an open source file that reports progress as
botocore (or the lean sender) reads it, takes it back when a request is retried or fails,
and obeys the bandwidth limit and the cancel token."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.transfers.control import BandwidthLimiter

if TYPE_CHECKING:
    from s3uploader_gui.core.transfers.source import SourceFile


class Body(io.RawIOBase):
    """A request body over bytes or a file range: reports progress, obeys the limiter.

    botocore rewinds it (``seek(0)``) before a retry; the progress it reported rewinds too.
    A file range is read through the upload's one open ``SourceFile`` (never by opening
    the path again: that could be another file by now), which it does not close.
    """

    def __init__(
        self,
        data: bytes | None,
        source: SourceFile | None,
        offset: int,
        length: int,
        on_bytes: Callable[[int], None],
        limiter: BandwidthLimiter,
        cancel: CancelToken,
    ) -> None:
        super().__init__()
        self._data = memoryview(data) if data is not None else None
        self._source = source if data is None else None
        self._offset = offset
        self._length = length
        self._pos = 0
        self._reported = 0
        self._on_bytes = on_bytes
        self._limiter = limiter
        self._cancel = cancel

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def __len__(self) -> int:
        return self._length

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = 0) -> int:
        if whence == 1:
            pos += self._pos
        elif whence == 2:
            pos += self._length
        self._pos = max(0, min(pos, self._length))
        if self._pos < self._reported:
            self._on_bytes(self._pos - self._reported)
            self._reported = self._pos
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        remaining = self._length - self._pos
        n = remaining if size is None or size < 0 else min(size, remaining)
        if n <= 0:
            # Every byte is out (this is http.client asking for more): a cancel now would
            # drop a request the server may store anyway. Its answer says what happened.
            return b""
        self._cancel.raise_if_cancelled()
        self._limiter.consume(n, self._cancel)
        if self._data is not None:
            chunk = bytes(self._data[self._pos : self._pos + n])
        else:
            assert self._source is not None
            chunk = self._source.read(self._offset + self._pos, n)  # short: FileChanged
        self._pos += len(chunk)
        if self._pos > self._reported:
            self._on_bytes(self._pos - self._reported)
            self._reported = self._pos
        return chunk

    def read_view(self, size: int) -> bytes | memoryview:
        """Like ``read``, without copying when the body is in memory (a view of it)."""
        if self._data is None:
            return self.read(size)
        self._cancel.raise_if_cancelled()
        n = max(0, min(size, self._length - self._pos))
        if n == 0:
            return b""
        self._limiter.consume(n, self._cancel)
        chunk = self._data[self._pos : self._pos + n]
        self._pos += n
        if self._pos > self._reported:
            self._on_bytes(self._pos - self._reported)
            self._reported = self._pos
        return chunk

    def readinto(self, buffer: Any) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def rewind_progress(self) -> None:
        """Take back every byte reported (the request failed)."""
        if self._reported:
            self._on_bytes(-self._reported)
            self._reported = 0

    def close(self) -> None:
        self._source = None  # the upload's, not this body's, to close
        super().close()
