"""Recording the window's finished batches in the history, on a worker.

The upload pane calls ``record_history`` when a batch ends; the entries (and their
thumbnails, made from the local files) are written by ``core.history.record_uploads`` on
a worker, never on the GUI thread and never before the batch is over. ``notifier()``
tells an open History window that new entries arrived.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from s3uploader_gui.core.background import lower_this_thread
from s3uploader_gui.core.cancel import CancelToken

if TYPE_CHECKING:
    from s3uploader_gui.core.imaging.thumbcache import ThumbnailCache
    from s3uploader_gui.core.operations.connect import Connection
    from s3uploader_gui.core.transfers.model import ItemResult
    from s3uploader_gui.ui.workers import WorkerPool


class HistoryNotifier(QObject):
    """Signals:
    recorded(int): that many entries were added to the history file.
    """

    recorded = Signal(int)


_notifier: HistoryNotifier | None = None


def notifier() -> HistoryNotifier:
    """The process's one notifier (created on first use, on the GUI thread)."""
    global _notifier
    if _notifier is None:
        _notifier = HistoryNotifier()
    return _notifier


def _announce(count: int) -> None:
    if count:
        notifier().recorded.emit(count)


def _in_background(record: Callable[[], int]) -> int:
    # The worker's thread lives for this job alone: its thumbnails (hundreds of decodes
    # as a batch ends) must not take the cores from the window meanwhile.
    lower_this_thread()
    return record()


def record_history(
    pool: WorkerPool,
    connection: Connection,
    bucket: str,
    results: Sequence[ItemResult],
    thumbnails: ThumbnailCache | None = None,
) -> None:
    """Record the objects of a finished batch (its DONE rows) on a worker; ``thumbnails``
    (the queue's cache) gives the thumbnails the queue has made already."""
    from s3uploader_gui.core.history import record_uploads
    from s3uploader_gui.core.transfers.model import ItemStatus

    done = tuple(r for r in results if r.status is ItemStatus.DONE)
    if not done:
        return
    token = CancelToken()  # quitting skips the thumbnails not made yet, not the entries
    record = functools.partial(
        record_uploads,
        None,
        connection.label,
        bucket,
        done,
        context=connection.context,
        options=connection.engine.settings.options,
        cancel=token,
        thumbnails=thumbnails,
    )
    pool.call(
        functools.partial(_in_background, record),
        _announce,
        name="history",
        cancel=token,
        receiver=notifier(),
    )
