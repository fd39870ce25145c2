"""The worker that runs one planned batch of uploads (``core.operations.uploads``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, Signal, Slot

from s3uploader_gui.core.background import lower_this_thread
from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import translate, user_message
from s3uploader_gui.core.memory import release_free_memory
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.operations.uploads import UploadPlan, run_uploads
from s3uploader_gui.core.transfers.control import BatchControl
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import (
    Conflict,
    ConflictPolicy,
    ItemResult,
    ItemStatus,
    PrepareFn,
)
from s3uploader_gui.core.transfers.progress import TransferProgress

#: Makes a batch's plan and the prepare step it uploads with (run on the worker's thread).
Planner = Callable[[], tuple[UploadPlan, PrepareFn | None]]


class UploadWorker(QObject):
    """Runs ``plan`` into ``bucket``; ``rows[i]`` is the queue row of the plan's candidate i.

    ``plan`` may be a ``Planner``: the plan is then made when the worker runs, and each
    row's key sent first, as a "planned" event (``itemRenamed`` without ``events``).

    Signals:
        itemStarted(int): queue row whose upload began.
        itemFinished(int, str, str): queue row, ItemStatus value, error sentence ("" on success).
        itemRenamed(int, str): queue row and its new key (an image converted to another
            format gets that format's extension); emitted before its itemFinished.
        batchFailed(str): the batch could not run at all.
        itemState(int, str, str): queue row, ItemStatus value (preparing, uploading, paused)
            and a detail such as "retrying…" ("" for none).
        conflictAsked(object): a ``Conflict`` to decide; answer with ``answer_conflict``
            (the batch waits for it).
        notice(str): a sentence about the whole batch (it cannot be resumed); also kept
            in ``notices`` for the batch's summary.
        finished(): always last.

    Byte progress is not signalled: the window samples ``progress.snapshot()`` on a timer.

    With ``events`` given, the per-file events (started, renamed, state, finished) go
    to it instead of the four item signals, from the worker's thread, as
    ``events(kind, row, status, text)`` with the kinds of ``item_events``: a queued
    signal per event woke the GUI thread hundreds of times per second.
    """

    itemStarted = Signal(int)
    itemFinished = Signal(int, str, str)
    itemRenamed = Signal(int, str)
    batchFailed = Signal(str)
    itemState = Signal(int, str, str)
    conflictAsked = Signal(object)
    notice = Signal(str)
    finished = Signal()

    def __init__(
        self,
        engine: TransferEngine,
        bucket: str,
        plan: UploadPlan | Planner,
        rows: list[int],
        *,
        prepare: PrepareFn | None = None,
        events: Callable[[str, int, str, str], None] | None = None,
    ) -> None:
        super().__init__()
        self._events = events
        #: Turns images into the files to upload (resize, re-encode, metadata); None: as is.
        self.prepare = prepare
        self.name = "upload"
        self.engine = engine
        self.bucket = bucket
        #: The batch's plan (None until a planner has made it on the worker's thread).
        self.plan: UploadPlan | None = plan if isinstance(plan, UploadPlan) else None
        self._planner = None if isinstance(plan, UploadPlan) else plan
        self._keys = {p.index: p.key for p in self.plan.items} if self.plan else {}
        self.rows = rows
        self.progress = TransferProgress()
        self.cancel_token = CancelToken()
        self.control = BatchControl()
        self.results: list[ItemResult] = []
        self.notices: list[str] = []
        self._answer: ConflictPolicy | None = None
        self._answer_all: ConflictPolicy | None = None
        self._answered = threading.Event()

    def cancel(self) -> None:
        self.cancel_token.cancel()
        self._answered.set()

    def answer_conflict(self, policy: ConflictPolicy, apply_to_all: bool = False) -> None:
        """The user's answer to the last ``conflictAsked`` (any thread)."""
        self._answer = policy
        if apply_to_all:
            self._answer_all = policy
        self._answered.set()

    def _ask(self, conflict: Conflict) -> ConflictPolicy:
        """Engine callback (worker thread): ask the window, wait for its answer."""
        if self._answer_all is not None:
            return self._answer_all
        self._answered.clear()
        self._answer = None
        self.conflictAsked.emit(replace(conflict, index=self.rows[conflict.index]))
        while not self._answered.wait(0.2):
            if self.cancel_token.cancelled:
                break
        return self._answer or ConflictPolicy.SKIP

    def _state(self, index: int, status: ItemStatus, detail: str) -> None:
        if self._events is not None:
            self._events("state", self.rows[index], str(status), detail)
            return
        self.itemState.emit(self.rows[index], str(status), detail)

    def _make_plan(self) -> UploadPlan:
        """The plan given, or the planner's (its rows' keys announced as "planned")."""
        if self.plan is not None or self._planner is None:
            assert self.plan is not None
            return self.plan
        plan, self.prepare = self._planner()
        self.plan = plan
        self._keys = {p.index: p.key for p in plan.items}
        for index, key in sorted(
            [(p.index, p.key) for p in plan.items] + [(r.index, r.key) for r in plan.rejected]
        ):
            if self._events is not None:
                self._events("planned", self.rows[index], "", key)
            else:
                self.itemRenamed.emit(self.rows[index], key)
        return plan

    @Slot()
    def run(self) -> None:
        try:
            plan = self._make_plan()
            outcome = run_uploads(
                self.engine,
                self.bucket,
                plan,
                progress=self.progress,
                prepare=None if self.prepare is None else _in_background(self.prepare),
                cancel=self.cancel_token,
                on_start=self._started,
                on_item=self._finished_item,
                on_state=self._state,
                control=self.control,
                ask=self._ask,
                # The window shows each file's error and goes on; it never stops a batch.
                stop_on_fatal=False,
                on_notice=self._notice,
            )
            self.results = list(outcome.results)
        except Exception as exc:  # the engine itself failed (never a single item)
            self.batchFailed.emit(user_message(translate(exc)))
        finally:
            # Every row has its outcome already: this delays only the batch's end.
            release_free_memory()
            self.finished.emit()

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        self.notice.emit(text)

    def _started(self, index: int) -> None:
        if self._events is not None:
            self._events("started", self.rows[index], "", "")
            return
        self.itemStarted.emit(self.rows[index])

    def _finished_item(self, result: ItemResult) -> None:
        row = self.rows[result.index]
        planned = self._keys.get(result.index)
        renamed = planned is not None and result.key != planned
        error = user_message(result.error) if result.error is not None else ""
        if self._events is not None:
            if renamed:
                self._events("renamed", row, "", result.key)
            self._events("finished", row, str(result.status), error)
            return
        if renamed:
            self.itemRenamed.emit(row, result.key)
        self.itemFinished.emit(row, str(result.status), error)


def _in_background(prepare: PrepareFn) -> PrepareFn:
    """``prepare`` on threads that yield the cores to the window's: image preparation
    decodes in C with the GIL released, and two such threads beside the upload and a
    local server left the window's thread waiting for a core as a batch began. The
    preparing threads are the batch's own and end with it (``core.transfers.prepare``)."""

    def run(source: UploadSource, cancel: CancelToken) -> UploadSource:
        lower_this_thread()
        return prepare(source, cancel)

    return run
