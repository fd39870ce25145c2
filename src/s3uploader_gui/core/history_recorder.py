"""Recording a batch in the upload history while it runs (the command line's uploads).

A ``HistoryRecorder`` is given each result as the batch reports it. Its thread opens the
history when the first object is stored and writes what came in every ``interval``
seconds, one transaction each: the end of the batch writes only the last few, and what
was written stays written when the run is interrupted. The entries are those
``history.record_uploads`` makes (``history.make_entries``: the same Content-Types, and
thumbnails within the same time), with the time they were written: a moment after their
upload ended, not the end of the batch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the history (and SQLite) load on the writing thread, not at the start
    from s3uploader_gui.core.history import HistoryStore
    from s3uploader_gui.core.s3.client import S3Context
    from s3uploader_gui.core.transfers.model import ItemResult, ObjectOptions

log = logging.getLogger(__name__)


class HistoryRecorder:
    """Records the objects of one batch as they are stored (see the module's docstring).

    ``add`` each result (any thread; only stored ones count), then ``close`` once the batch
    is over, also when it stopped at an error or an interrupt. ``connection_label`` is
    asked once, on the writing thread. Never raises for the history's sake.
    """

    def __init__(
        self,
        connection_label: Callable[[], str],
        bucket: str,
        *,
        context: S3Context | None = None,
        options: ObjectOptions | None = None,
        store: HistoryStore | None = None,
        interval: float = 0.2,
        thumbnail_seconds: float | None = None,
    ) -> None:
        self._label = connection_label
        self._bucket = bucket
        self._context = context
        self._options = options
        self._store = store
        self._interval = interval
        self._thumbnail_seconds = thumbnail_seconds
        self._lock = threading.Lock()
        self._pending: list[ItemResult] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        #: How many entries were written.
        self.recorded = 0

    def add(self, result: ItemResult) -> None:
        """Note ``result``: recorded soon when its object was stored."""
        from s3uploader_gui.core.transfers.model import ItemStatus

        if result.status is not ItemStatus.DONE:
            return
        with self._lock:
            if self._closed:
                return
            self._pending.append(result)
            if self._thread is None:  # the history is opened for a stored object only
                self._thread = threading.Thread(target=self._run, name="history", daemon=True)
                self._thread.start()

    def finish(self) -> None:
        """Take no more results and write what is left, without waiting for it (``close``
        waits): the caller's own closing (the engine's) goes on meanwhile."""
        with self._lock:
            self._closed = True
        self._stop.set()

    def close(self) -> int:
        """Write what is left and wait for it; how many entries were written in all."""
        self.finish()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join()
        return self.recorded

    def _run(self) -> None:
        from s3uploader_gui.core.history import (
            THUMBNAIL_SECONDS,
            batch_endpoint,
            make_entries,
            open_history,
        )

        try:
            label = self._label()
        except Exception as exc:  # the history only loses the connection's name
            log.info("history: no connection label: %s", exc)
            label = ""
        endpoint = batch_endpoint(self._context)
        seconds = self._thumbnail_seconds
        deadline = time.monotonic() + (THUMBNAIL_SECONDS if seconds is None else seconds)
        types: dict[str, str] = {}
        own = open_history() if self._store is None else None
        store = self._store or own
        try:
            while True:
                stopping = self._stop.wait(self._interval)
                with self._lock:
                    done, self._pending = self._pending, []
                if done and store is not None:
                    entries = make_entries(
                        done, label, self._bucket, endpoint=endpoint, options=self._options,
                        moment=time.time(), deadline=deadline, types=types,
                    )  # fmt: skip
                    self.recorded += store.record(entries)
                if stopping:
                    return
        except Exception as exc:  # the upload is done whatever happens here
            log.warning("the upload history was not written: %s", exc)
        finally:
            if own is not None:
                own.close()
