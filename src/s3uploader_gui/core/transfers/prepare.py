"""Preparing upload sources (resizing, re-encoding images) a few items ahead of the uploads,
on their own threads, so that decoded images and temporary files stay few."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
from collections.abc import Sequence

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.transfers.model import PrepareFn


class Preparer:
    """Prepares sources a few items ahead of the uploads, on their own threads.

    At most ``workers + 1`` prepared results wait at once, which bounds both the decoded
    images in memory and the temporary files on disk.
    """

    def __init__(
        self,
        sources: Sequence[UploadSource],
        prepare: PrepareFn,
        cancel: CancelToken,
        workers: int,
    ) -> None:
        self._sources = sources
        self._prepare = prepare
        self._cancel = cancel
        self._ahead = workers + 1
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="prepare")
        self._futures: dict[int, concurrent.futures.Future[UploadSource]] = {}
        self._next = 0
        self._fill(0)

    def _fill(self, current: int) -> None:
        while self._next < len(self._sources) and self._next <= current + self._ahead:
            i = self._next
            self._futures[i] = self._pool.submit(self._prepare, self._sources[i], self._cancel)
            self._next += 1

    def ready(self, index: int) -> bool:
        """True when ``get(index)`` would not wait."""
        self._fill(index)
        future = self._futures.get(index)
        return future is None or future.done()

    def get(self, index: int) -> UploadSource:
        """The prepared source for ``index`` (waits for it; raises what preparing raised)."""
        self._fill(index)
        future = self._futures.pop(index)
        while True:
            try:
                return future.result(timeout=0.1)
            except concurrent.futures.TimeoutError:
                self._cancel.raise_if_cancelled()

    def discard(self, index: int) -> None:
        """Item ``index`` will not be uploaded: drop its prepared file, if any."""
        future = self._futures.pop(index, None)
        if future is None:
            return
        if not future.cancel() and future.done() and future.exception() is None:
            discard(future.result())

    def close(self) -> None:
        """Stop preparing; delete temporary files nobody will upload."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        for future in self._futures.values():
            if future.done() and not future.cancelled() and future.exception() is None:
                discard(future.result())
        self._futures.clear()


def discard(source: UploadSource) -> None:
    if source.temporary:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(source.path)
