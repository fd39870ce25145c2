"""Per-file events of a running batch, applied to the upload queue on a steady beat.

Item events arrive from the worker by the hundred per second with small files. Applied
one by one (each a repaint and a recount of the queue) they kept the window from
answering for 80–130 ms at a time. They are collected here and applied every
``ITEM_EVENT_INTERVAL_MS`` in slices of at most a few milliseconds, with one repaint and
one recount per slice.

The worker hands its events over with ``post`` from its own thread, straight into a
deque: no queued Qt signal per event, so the GUI thread is not woken up (and made to
take the GIL) once per event but once per beat.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Slot

from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.ui.upload.queue_model import UploadQueueModel

#: Item events wait this long for others to join them (one repaint for the lot)...
ITEM_EVENT_INTERVAL_MS = 60
#: ...and are applied for at most this long before the window answers other events.
ITEM_EVENT_BUDGET_S = 0.006


class ItemEventQueue(QObject):
    """Collects ``(kind, row, status, text)`` events and applies them to ``queue``.

    Kinds: "started", "planned" and "renamed" (``text`` is the row's key in its
    bucket, before the upload and after a conversion changed it), "state" (handed to
    ``apply_state`` with the status and detail), "finished" (``text`` is the error).
    ``after`` runs after the slice that empties the queue, and at least once a beat
    while a long burst is applied slice after slice (the pane recounts its buttons).
    """

    def __init__(
        self,
        queue: UploadQueueModel,
        apply_state: Callable[[int, ItemStatus, str], None],
        after: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._queue = queue
        self._apply_state = apply_state
        self._after = after
        #: Appended from any thread (deque.append is atomic), consumed on the GUI thread.
        self._events: deque[tuple[str, int, str, str]] = deque()
        self._following = False
        self._last_after = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.apply)

    def push(self, kind: str, row: int, status: str = "", text: str = "") -> None:
        """Queue a change of a row's state (GUI thread), applied at the next beat."""
        self._events.append((kind, row, status, text))
        if not self._timer.isActive():
            self._timer.start(ITEM_EVENT_INTERVAL_MS)

    def post(self, kind: str, row: int, status: str = "", text: str = "") -> None:
        """``push`` for a worker thread: only queues; the beat ``follow`` started
        applies it (touches no Qt object, so it is safe from any thread)."""
        self._events.append((kind, row, status, text))

    def follow(self) -> None:
        """A batch runs: apply what ``post`` queues every beat until ``flush``."""
        self._following = True
        if not self._timer.isActive():
            self._timer.start(ITEM_EVENT_INTERVAL_MS)

    @Slot()
    def apply(self, budget_s: float | None = ITEM_EVENT_BUDGET_S) -> None:
        """Apply queued item events (for at most ``budget_s``; None: all of them)."""
        events = self._events
        if events:
            self._apply(events, budget_s)
        if events:
            self._timer.start(0)  # the rest after the events waiting meanwhile
        elif self._following:
            self._timer.start(ITEM_EVENT_INTERVAL_MS)

    def _apply(self, events: deque[tuple[str, int, str, str]], budget_s: float | None) -> None:
        queue = self._queue
        deadline = time.perf_counter() + budget_s if budget_s is not None else None
        with queue.batched():
            first = True  # a slice applies one event at least, whatever its budget
            while events and (first or deadline is None or time.perf_counter() < deadline):
                first = False
                kind, row, status, text = events.popleft()
                if row >= queue.rowCount():
                    continue
                if kind == "started":
                    queue.set_status(row, ItemStatus.UPLOADING)
                elif kind in ("renamed", "planned"):
                    queue.set_destination(row, queue.item(row).bucket, text)
                elif kind == "state":
                    self._apply_state(row, ItemStatus(status), text)
                else:
                    queue.set_status(row, ItemStatus(status), text)
                    if status == ItemStatus.DONE:
                        queue.set_progress(row, queue.item(row).size)
        now = time.perf_counter()
        if not events or now - self._last_after >= ITEM_EVENT_INTERVAL_MS / 1000:
            self._last_after = now
            self._after()

    def flush(self) -> None:
        """Apply every queued event now and stop following (a batch ended: its items'
        last states first)."""
        self._following = False
        self._timer.stop()
        if self._events:
            self._apply(self._events, None)
