"""Preparing upload sources (resizing, re-encoding images) a few items ahead of the uploads,
on their own threads, so that decoded images and temporary files stay few."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import stat
from collections.abc import Sequence

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.transfers.model import PrepareFn
from s3uploader_gui.core.transfers.source import not_regular


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
            self._futures[i] = self._pool.submit(self._prepare_one, self._sources[i])
            self._next += 1

    def _prepare_one(self, source: UploadSource) -> UploadSource:
        # A preparer opens the file as it is (an image decoder does): a FIFO put where a
        # queued file was would hold this thread, and the batch's end, until someone
        # writes to it. Only a regular file is prepared (a missing one: the preparer says).
        with contextlib.suppress(FileNotFoundError):
            mode = os.stat(source.path).st_mode
            if not stat.S_ISREG(mode):
                raise not_regular(source.path.name or str(source.path), mode)
        return self._prepare(source, self._cancel)

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
        """Item ``index`` will not be uploaded: drop its prepared file, if any (now, or
        when a preparation still running ends)."""
        future = self._futures.pop(index, None)
        if future is not None and not future.cancel():
            future.add_done_callback(_drop)

    def close(self) -> None:
        """Stop preparing; delete temporary files nobody will upload.

        After a cancel, a preparation still running is not waited for: one blocked on a
        file that never answers would hold the batch, and the thread that asked for the
        cancel, forever. Its file is deleted when it ends.
        """
        self._pool.shutdown(wait=not self._cancel.cancelled, cancel_futures=True)
        for future in self._futures.values():
            future.add_done_callback(_drop)  # at once when done
        self._futures.clear()


def _drop(future: concurrent.futures.Future[UploadSource]) -> None:
    if not future.cancelled() and future.exception() is None:
        discard(future.result())


def discard(source: UploadSource) -> None:
    if source.temporary:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(source.path)
