"""Recording a batch in the upload history while it runs, and the entries both ways of
recording make (``history.record_uploads`` writes a finished batch at once).

A ``HistoryRecorder`` is given each result as the batch reports it. Its thread opens the
history when the first object is stored and writes what came in every ``interval``
seconds, one transaction each: the end of the batch writes only the last few, and what
was written stays written when the run is interrupted. The entries are made as
``record_uploads`` makes them (same Content-Types, thumbnails within the same time), with
the time they were written: a moment after their upload ended, not the end of the batch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from s3uploader_gui.core.errors import AppError

if TYPE_CHECKING:  # the history (and SQLite) load on the writing thread, not at the start
    from s3uploader_gui.core.cancel import CancelToken
    from s3uploader_gui.core.history import HistoryEntry, HistoryStore
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

    def close(self) -> int:
        """Write what is left and wait for it; how many entries were written in all."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._stop.set()
        if thread is not None:
            thread.join()
        return self.recorded

    def _run(self) -> None:
        from s3uploader_gui.core.history import THUMBNAIL_SECONDS

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


def open_history() -> HistoryStore | None:
    """The user's history file, opened; None (logged) when it cannot be."""
    from s3uploader_gui.core.history import HistoryStore

    try:
        return HistoryStore()
    except AppError as err:
        log.warning("the upload history was not written: %s", err)
        return None


def batch_endpoint(context: S3Context | None) -> str:
    """The host[:port] a batch's entries name ("" when unknown)."""
    from s3uploader_gui.core.history import endpoint_host

    try:
        return endpoint_host(context.endpoint) if context is not None else ""
    except Exception as exc:  # a client that cannot be built: the entries still count
        log.info("history: endpoint unknown: %s", exc)
        return ""


def make_entries(
    done: Iterable[ItemResult],
    connection_label: str,
    bucket: str,
    *,
    endpoint: str,
    options: ObjectOptions | None,
    moment: float,
    deadline: float,
    cancel: CancelToken | None = None,
    types: dict[str, str] | None = None,
) -> list[HistoryEntry]:
    """The entries of stored objects ``done``, recorded at ``moment``; images get a
    thumbnail until ``deadline`` (``time.monotonic``) or ``cancel``. ``types`` keeps the
    Content-Type found for each extension, across calls for one batch."""
    from s3uploader_gui.core.history import HistoryEntry, small_thumbnail

    types = {} if types is None else types
    entries = []
    for result in done:
        entry = HistoryEntry(
            bucket=bucket,
            key=result.key,
            size=result.bytes,
            time=moment,
            content_type=_content_type(result.key, options, types) or "application/octet-stream",
            profile=connection_label,
            endpoint=endpoint,
        )
        in_time = time.monotonic() < deadline and not (cancel is not None and cancel.cancelled)
        if entry.is_image and in_time:
            entry = replace(entry, thumbnail=small_thumbnail(Path(result.path)))
        entries.append(entry)
    return entries


def _content_type(key: str, options: ObjectOptions | None, types: dict[str, str]) -> str:
    """The Content-Type ``key`` was sent with, found once per extension: it follows the
    options and the key's extension (``naming.content_type_for``) alone."""
    name = key.replace("\\", "/").rpartition("/")[2]
    ext: str | None = None
    if name not in ("", "."):  # else the path's last part is not ``name``: no shortcut
        dot = name.rfind(".")
        ext = name[dot:].lower() if 0 < dot < len(name) - 1 else ""  # PurePath.suffix
        if ext in types:
            return types[ext]
    from s3uploader_gui.core.naming import content_type_for

    found = str(options.extra_args(key)["ContentType"]) if options else content_type_for(key)
    if ext is not None:
        types[ext] = found
    return found
