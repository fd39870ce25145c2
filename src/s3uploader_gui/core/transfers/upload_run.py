"""The coordinator of one upload batch: on the caller's thread it starts items, honours
pause and cancel, and keeps the engine's pool fed with at most a window of requests."""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import queue
import stat
import time
from collections import deque
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import Cancelled
from s3uploader_gui.core.naming import UploadSource, normalize_key
from s3uploader_gui.core.transfers.control import BatchControl
from s3uploader_gui.core.transfers.existing import ExistingKeys
from s3uploader_gui.core.transfers.hooks import current
from s3uploader_gui.core.transfers.model import (
    AskFn,
    ConflictPolicy,
    ItemCallback,
    ItemResult,
    ItemStatus,
    StateCallback,
)
from s3uploader_gui.core.transfers.prepare import Preparer, discard
from s3uploader_gui.core.transfers.progress import TransferProgress
from s3uploader_gui.core.transfers.upload_items import UploadItems
from s3uploader_gui.core.transfers.upload_state import Delayed, Upload

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.pipeline import Done
    from s3uploader_gui.core.transfers.parts import EngineParts

log = logging.getLogger(__name__)


class UploadRun(UploadItems):
    """The coordinator of one upload batch: runs on the caller's thread, feeds the pool."""

    def __init__(
        self,
        engine: EngineParts,
        bucket: str,
        sources: Sequence[UploadSource],
        progress: TransferProgress,
        cancel: CancelToken,
        control: BatchControl,
        on_item: ItemCallback | None,
        on_start: Callable[[int], None] | None,
        on_state: StateCallback | None,
        ask: AskFn | None,
        preparer: Preparer | None,
        reserved: Collection[str] = (),
        conflict: ConflictPolicy | None = None,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = replace(engine.settings)
        self.fast = engine.fast_for(bucket)
        # The batch's view of the journal never raises: a failure turns resuming off for
        # this batch and is told once, on the caller's thread (see ``_drain_journal``).
        self.on_notice = on_notice
        self.journal_failures: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.journal = engine.journal.guarded(self.journal_failures.put)
        self.bucket = bucket
        self.progress = progress
        self.cancel = cancel
        self.control = control
        self.on_item = on_item
        self.on_start = on_start
        self.on_state = on_state
        self.ask = ask
        self.preparer = preparer
        self.endpoint = engine.context.settings.endpoint_url
        self.items = [Upload(i, s, key=s.key) for i, s in enumerate(sources)]
        self.results: dict[int, ItemResult] = {}
        self.waiting = deque(range(len(sources)))  # not started yet
        self.active: list[int] = []  # started, not finished (in start order)
        self.ready: deque[tuple[str, int, int]] = deque()  # tasks to submit
        self.delayed: list[Delayed] = []
        self.seq = itertools.count()
        self.in_flight = 0
        # SimpleQueue: the workers' answers cross with a lock apiece, not a Condition's.
        self.done: queue.SimpleQueue[tuple[tuple[str, int, int], Any, BaseException | None]] = (
            queue.SimpleQueue()
        )
        self.pool = engine._executor()
        #: Items whose request botocore is retrying (from the pool's threads).
        self.notices: queue.SimpleQueue[int] = queue.SimpleQueue()
        window = self.settings.window or 2 * self.settings.max_concurrency
        self.window = max(1, window)
        #: Queue entries not journaled yet (a journal in memory: ``_journal_queue``).
        self.unjournaled: list[tuple[Upload, int, int]] = []
        self.policy = conflict or self.settings.conflict
        # Keys are unique within a batch: each item holds its own, first come first
        # served; the caller's reserved keys belong to no item (see ``_claim``).
        self.claims: dict[str, int] = {normalize_key(k): -1 for k in reserved}
        for item in self.items:
            key = normalize_key(item.key)
            if self.claims.get(key, -1) < 0:
                self.claims[key] = item.index
        self.options = self.settings.options
        self.extra = dict(self.settings.extra)
        self.existing = ExistingKeys() if self.policy != ConflictPolicy.OVERWRITE else None
        self.condition = True

    def _submit(self, task: tuple[str, int, int]) -> None:
        kind, index, number = task
        if kind == "list":  # serves the items of a slice, not one item
            self._submit_listing(task)
            return
        fn = {
            "check": self._t_check,
            "put": self._t_put,
            "create": self._t_create,
            "part": self._t_part,
            "complete": self._t_complete,
            "abort": self._t_abort,
        }[kind]
        self.in_flight += 1
        item = self.items[index]
        item.in_flight += 1

        def done(value: Any, exc: BaseException | None) -> None:
            self.done.put((task, value, exc))

        if kind == "put" and self._pipelines(item):
            try:
                self.engine._pipelined().submit(self._put_steps(item), done, self._resume(index))
                return
            except RuntimeError:  # the pipeline stopped (a bug, logged): the threads send it
                pass
        self._resume(index)(lambda: fn(item, number), done)

    def _pipelines(self, item: Upload) -> bool:
        """Whether ``item``'s PutObject goes through the engine's pipeline: the lean
        sender's, small enough to hold, and no bandwidth limit (whose pacing waits)."""
        from s3uploader_gui.core.s3.http import SMALL  # loaded with ``fast`` already

        return self.fast is not None and item.size <= SMALL and not self.engine.limiter.rate

    def _resume(self, index: int) -> Callable[[Callable[[], Any], Done], None]:
        """Runs a function of item ``index`` on the transfer threads."""

        def resume(fn: Callable[[], Any], done: Done) -> None:
            def work() -> Any:
                current.cancel = self.cancel
                current.on_retry = lambda: self.notices.put(index)
                try:
                    return fn()
                finally:
                    current.cancel = None
                    current.on_retry = None

            self.pool.submit(work, done)

        return resume

    def _submit_listing(self, task: tuple[str, int, int]) -> None:
        assert self.existing is not None
        planned = self.existing.pending[task[2]]
        self.in_flight += 1

        def work() -> Any:
            current.cancel = self.cancel
            try:
                return self._t_list(planned)
            finally:
                current.cancel = None

        self.pool.submit(work, lambda value, exc: self.done.put((task, value, exc)))

    # -- the loop ------------------------------------------------------------------------
    def run(self) -> list[ItemResult]:
        for item in self.items:
            self.progress.add_item(item.index, item.source.size)
        try:
            self._claim_sources()
            self._journal_queue()
            seen_version = -1
            while len(self.results) < len(self.items):
                if self.cancel.cancelled or self.control.version != seen_version:
                    seen_version = self.control.version
                    self._control()
                self._start_items()
                self._promote_delayed()
                while self.ready and self.in_flight < self.window:
                    task = self.ready.popleft()
                    if task[0] == "list":
                        self._submit(task)
                        continue
                    item = self.items[task[1]]
                    if item.index in self.results or (item.ending and task[0] != "abort"):
                        continue  # the item ended meanwhile
                    self._submit(task)
                if self.unjournaled:
                    self._journal_rest()
                self._wait_one()
                self._drain_journal()
        finally:
            # The grouped finished marks are written now, so a failure to write the last
            # group still reaches the caller as a notice.
            self.journal.flush()
            self._drain_journal()
            if self.preparer is not None:
                self.preparer.close()
            for item in self.items:
                if item.src is not None and item.src is not item.source:
                    discard(item.src)
        return [self.results[i] for i in range(len(self.items))]

    def _drain_journal(self) -> None:
        """Tell the caller (on its thread) that the journal failed: once per batch."""
        while True:
            try:
                text = self.journal_failures.get_nowait()
            except queue.Empty:
                return
            if self.on_notice is not None:
                self.on_notice(text)

    def _claim_sources(self) -> None:
        """Without a preparation step every key is known now: settle the items that share
        one before anything is sent or journaled (a prepared item is settled as it
        starts, when its key is known)."""
        if self.preparer is not None:
            return
        for item in self.items:
            clash = self._claim(item)
            if clash is not None:
                self.waiting.remove(item.index)
                self._finish(item, ItemStatus.FAILED, clash)

    def _journal_queue(self) -> None:
        """Journal the whole queue before the first upload, in one transaction: after a
        crash every file not yet stored is offered again, not just those in flight.
        (Files that are prepared first are journaled as they start: what is uploaded
        is only known then.)"""
        if self.preparer is not None:
            return
        # What the scan saw is journaled as it is; a file changed since is found (and
        # journaled again) by _begin's stat as its upload starts.
        entries: list[tuple[Upload, int, int]] = []
        for item in self.items:
            if item.index in self.results:
                continue  # not sent (its key is another item's)
            source = item.source
            if source.mtime_ns is not None:
                entries.append((item, source.size, source.mtime_ns))
                continue
            try:
                st = os.stat(source.path)
            except OSError:
                continue  # _begin reports it when the item's turn comes
            entries.append((item, st.st_size, st.st_mtime_ns))
        if not self.journal.persistent:
            # Nothing of a journal in memory outlives a crash: the rows are only needed
            # as the items start, so the first window is journaled now and the rest
            # once the first requests are out (``_journal_rest``).
            entries, self.unjournaled = entries[: self.window], entries[self.window :]
        self._journal_entries(entries)

    def _journal_rest(self) -> None:
        rest, self.unjournaled = self.unjournaled, []
        # An item that started meanwhile journaled itself as it began.
        self._journal_entries(
            [e for e in rest if e[0].journal is None and not e[0].started
             and e[0].index not in self.results]
        )  # fmt: skip

    def _journal_entries(self, entries: list[tuple[Upload, int, int]]) -> None:
        if not entries:
            return
        options = {"options": self.options.to_dict(), "temporary": False}
        rows = self.journal.begin_many(
            self.engine.connection_id,
            self.bucket,
            [(i.key, i.source.path, size, mtime, options) for i, size, mtime in entries],
        )
        for (item, _, _), row in zip(entries, rows, strict=True):
            item.journal = row

    def _control(self) -> None:
        cancelled = self.cancel.cancelled
        for index in list(self.waiting):
            item = self.items[index]
            if cancelled or self.control.is_cancelled(index):
                self.waiting.remove(index)
                self._finish(item, ItemStatus.CANCELLED, Cancelled())
            elif self.control.is_paused(index):
                self.waiting.remove(index)
                self._state(index, ItemStatus.PAUSED)
                self._finish(item, ItemStatus.PAUSED)
        for index in list(self.active):
            item = self.items[index]
            if item.ending is not None:
                continue
            if cancelled or self.control.is_cancelled(index):
                self._end_when_idle(item, ItemStatus.CANCELLED, Cancelled())
            elif self.control.is_paused(index):
                self._end_when_idle(item, ItemStatus.PAUSED, None)

    def _start_items(self) -> None:
        # Start items while there is room: tasks queued + in flight below the window.
        while self.waiting and len(self.ready) + self.in_flight + self._parked() < self.window:
            index = self.waiting[0]
            item = self.items[index]
            if self.preparer is not None and not self.preparer.ready(index):
                if item.started is False and self.on_state is not None and not item.attempt:
                    item.attempt = -1  # announce "preparing" once
                    self._state(index, ItemStatus.PREPARING)
                return
            self.waiting.popleft()
            item.attempt = 0
            item.started = True
            self.active.append(index)
            if self.on_start is not None:
                self.on_start(index)
            try:
                self._begin(item)
            except Exception as exc:
                err = self._err(exc, item.key)
                status = ItemStatus.CANCELLED if isinstance(err, Cancelled) else ItemStatus.FAILED
                self._finish(item, status, err)

    def _begin(self, item: Upload) -> None:
        if self.preparer is not None:
            src = self.preparer.get(item.index)
            item.src = src
            self.progress.resize_item(item.index, item.source.size, src.size)
            clash = self._claim(item, src.key)
            if clash is not None:
                item.key = src.key
                raise clash
        src = item.src or item.source
        try:
            st = os.stat(src.path)
        except OSError as exc:
            raise self._err(exc, item.key) from exc
        item.seen_regular = stat.S_ISREG(st.st_mode)
        if st.st_size != src.size:
            self.progress.resize_item(item.index, src.size, st.st_size)
            item.src = replace(src, size=st.st_size)
            src = item.src
        journaled = item.journal
        if (
            journaled is None
            or journaled.key != item.key
            or journaled.size != src.size
            or journaled.mtime_ns != st.st_mtime_ns
        ):
            item.journal = self.journal.begin(
                self.engine.connection_id, self.bucket, item.key, item.source.path, src.size,
                st.st_mtime_ns, {"options": self.options.to_dict(), "temporary": src.temporary},
            )  # fmt: skip
            # (A journaled row of the same file that changed since is marked stale.)
        assert item.journal is not None
        self._state(item.index, ItemStatus.UPLOADING)
        resuming = bool(item.journal.upload_id)
        # Single-request uploads are marked finished in groups, so a crash can leave one
        # stored but unmarked: its own bytes at its key mean it is done, not a conflict.
        # (Only a single-request upload: its own bytes are read whole to compare.)
        item.maybe_stored = (
            item.journal.resumed and not resuming and src.size < self.settings.multipart_threshold
        )
        if self.policy != ConflictPolicy.OVERWRITE and not resuming:
            self._check(item)
        else:
            self._upload(item)

    def _parked(self) -> int:
        return self.existing.parked() if self.existing is not None else 0

    def _promote_delayed(self) -> None:
        now = time.monotonic()
        while self.delayed and self.delayed[0].due <= now:
            self.ready.append(heapq.heappop(self.delayed).task)

    def _wait_one(self) -> None:
        self._drain_notices()
        if self.in_flight == 0:
            if self.delayed:
                pause = max(0.0, min(0.1, self.delayed[0].due - time.monotonic()))
                self.cancel.wait(pause)
            elif self.waiting and not self.ready:
                self.cancel.wait(0.02)  # waiting for a preparation
            return
        try:
            task, value, exc = self.done.get(timeout=0.1)
        except queue.Empty:
            return
        self.in_flight -= 1
        if task[0] == "list":
            if exc is not None and not isinstance(exc, Cancelled):
                log.info("listing the keys ahead failed, each key gets a HEAD: %s", exc)
            self._list_done(task[2], value if exc is None else None)
            return
        index = task[1]
        item = self.items[index]
        item.in_flight -= 1
        if exc is not None:
            self._failed(item, task, exc)
        else:
            self._succeeded(item, task, value)
        if item.ending is not None and item.index not in self.results:
            self._end_when_idle(item, item.ending, item.ending_error)
