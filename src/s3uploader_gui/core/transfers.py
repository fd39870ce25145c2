"""Uploads and downloads through one shared s3transfer TransferManager per connection."""

from __future__ import annotations

import concurrent.futures
import contextlib
import enum
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3transfer.manager import TransferConfig, TransferManager
from s3transfer.subscribers import BaseSubscriber

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError, Cancelled, translate
from s3uploader_gui.core.naming import UploadSource, content_type_for
from s3uploader_gui.core.progress import TransferProgress
from s3uploader_gui.core.s3client import S3Context

MiB = 1024 * 1024


class ItemStatus(enum.StrEnum):
    QUEUED = "queued"
    UPLOADING = "uploading"
    DOWNLOADING = "downloading"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in _FINISHED


_FINISHED = frozenset(
    {ItemStatus.DONE, ItemStatus.SKIPPED, ItemStatus.FAILED, ItemStatus.CANCELLED}
)


@dataclass(frozen=True)
class ItemResult:
    """What happened to one item of a batch."""

    index: int
    key: str
    path: Path
    status: ItemStatus
    bytes: int = 0
    error: AppError | None = None


@dataclass(frozen=True)
class DownloadSource:
    """One object and the local file it goes to."""

    key: str
    path: Path
    size: int


@dataclass
class EngineSettings:
    """Concurrency and part sizes; memory is bounded by about threads × part size."""

    max_concurrency: int = 10
    multipart_threshold: int = 8 * MiB
    multipart_chunksize: int = 8 * MiB
    #: Files submitted ahead of the threads, so small files never leave a thread idle.
    window: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def transfer_config(self) -> TransferConfig:
        # s3transfer grows the part size by itself (ChunksizeAdjuster) so that any file up
        # to 5 TiB fits in 10,000 parts.
        return TransferConfig(
            multipart_threshold=self.multipart_threshold,
            multipart_chunksize=self.multipart_chunksize,
            max_request_concurrency=self.max_concurrency,
            max_submission_concurrency=max(2, self.max_concurrency // 2),
            max_io_queue_size=1000,
        )


class _Subscriber(BaseSubscriber):
    """Feeds progress and completion back from s3transfer's threads."""

    def __init__(self, index: int, progress: TransferProgress, done: queue.Queue[int]) -> None:
        self._index = index
        self._progress = progress
        self._done = done

    def on_progress(self, future: Any, bytes_transferred: int, **kwargs: Any) -> None:
        self._progress.advance(self._index, bytes_transferred)

    def on_done(self, future: Any, **kwargs: Any) -> None:
        self._done.put(self._index)


ItemCallback = Callable[[ItemResult], None]

#: Turns a source into the file actually uploaded (resize, re-encode...). Runs on a
#: preparation thread; raises an AppError (e.g. BadImage) to fail just that item.
PrepareFn = Callable[[UploadSource, CancelToken], UploadSource]


class _Preparer:
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

    def get(self, index: int) -> UploadSource:
        """The prepared source for ``index`` (waits for it; raises what preparing raised)."""
        self._fill(index)
        future = self._futures.pop(index)
        while True:
            try:
                return future.result(timeout=0.1)
            except concurrent.futures.TimeoutError:
                self._cancel.raise_if_cancelled()

    def close(self) -> None:
        """Stop preparing; delete temporary files nobody will upload."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        for future in self._futures.values():
            if future.done() and not future.cancelled() and future.exception() is None:
                _discard(future.result())
        self._futures.clear()


def _discard(source: UploadSource) -> None:
    if source.temporary:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(source.path)


class TransferEngine:
    """Runs batches of uploads or downloads with bounded concurrency, progress and cancel.

    One engine per connection: its TransferManager keeps the connection pool and thread
    pools warm across batches.
    """

    def __init__(self, context: S3Context, settings: EngineSettings | None = None) -> None:
        self.context = context
        self.settings = settings or EngineSettings(max_concurrency=context.concurrency)
        self._manager: TransferManager | None = None
        self._lock = threading.Lock()

    @property
    def manager(self) -> TransferManager:
        with self._lock:
            if self._manager is None:
                self._manager = TransferManager(
                    self.context.client, config=self.settings.transfer_config()
                )
            return self._manager

    def close(self) -> None:
        """Stop the manager's threads (cancelling anything still running)."""
        with self._lock:
            if self._manager is not None:
                self._manager.shutdown(cancel=True)
                self._manager = None

    # -- uploads -----------------------------------------------------------------------
    def upload(
        self,
        bucket: str,
        sources: Sequence[UploadSource],
        *,
        progress: TransferProgress | None = None,
        cancel: CancelToken | None = None,
        on_item: ItemCallback | None = None,
        on_start: Callable[[int], None] | None = None,
        prepare: PrepareFn | None = None,
        prepare_workers: int | None = None,
    ) -> list[ItemResult]:
        """Upload every source; one failure never stops the others.

        With ``prepare``, each source is first turned into the file to upload, on
        ``prepare_workers`` threads (default: one per core) running ahead of the uploads,
        so item N+1 is prepared while item N uploads.
        """
        progress = progress or TransferProgress()
        cancel = cancel or CancelToken()
        items = [(s.key, s.path, s.size) for s in sources]
        preparer = (
            _Preparer(sources, prepare, cancel, prepare_workers or os.cpu_count() or 2)
            if prepare is not None
            else None
        )
        uploading: dict[int, UploadSource] = {}

        def submit(index: int, sub: _Subscriber) -> Any:
            src = sources[index]
            if preparer is not None:
                src = preparer.get(index)
                uploading[index] = src
                progress.resize_item(index, items[index][2], src.size)
                items[index] = (src.key, items[index][1], src.size)
            content_type = src.content_type or content_type_for(src.key)
            extra = {"ContentType": content_type, **self.settings.extra}
            return self.manager.upload(
                str(src.path), bucket, src.key, extra_args=extra, subscribers=[sub]
            )

        def finished(result: ItemResult) -> None:
            prepared = uploading.pop(result.index, None)
            if prepared is not None:
                _discard(prepared)
            if on_item is not None:
                on_item(result)

        try:
            return self._run(
                bucket, items, submit, ItemStatus.DONE, progress, cancel, finished, on_start
            )
        finally:
            if preparer is not None:
                preparer.close()
            for prepared in uploading.values():
                _discard(prepared)

    # -- downloads ---------------------------------------------------------------------
    def download(
        self,
        bucket: str,
        sources: Sequence[DownloadSource],
        *,
        progress: TransferProgress | None = None,
        cancel: CancelToken | None = None,
        on_item: ItemCallback | None = None,
        on_start: Callable[[int], None] | None = None,
    ) -> list[ItemResult]:
        """Download every source to its path (via a temporary file, renamed when complete)."""

        def submit(index: int, sub: _Subscriber) -> Any:
            src = sources[index]
            src.path.parent.mkdir(parents=True, exist_ok=True)
            return self.manager.download(bucket, src.key, str(src.path), subscribers=[sub])

        items = [(s.key, s.path, s.size) for s in sources]
        return self._run(
            bucket, items, submit, ItemStatus.DONE, progress, cancel, on_item, on_start
        )

    # -- the loop shared by both directions ----------------------------------------------
    def _run(
        self,
        bucket: str,
        items: Sequence[tuple[str, Path, int]],
        submit: Callable[[int, _Subscriber], Any],
        success: ItemStatus,
        progress: TransferProgress | None,
        cancel: CancelToken | None,
        on_item: ItemCallback | None,
        on_start: Callable[[int], None] | None,
    ) -> list[ItemResult]:
        progress = progress or TransferProgress()
        cancel = cancel or CancelToken()
        for i, (_, _, size) in enumerate(items):
            progress.add_item(i, size)
        results: dict[int, ItemResult] = {}
        pending = deque(range(len(items)))
        in_flight: dict[int, Any] = {}
        done: queue.Queue[int] = queue.Queue()
        window = self.settings.window or max(4, 2 * self.settings.max_concurrency)
        endpoint = self.context.settings.endpoint_url

        def record(result: ItemResult) -> None:
            results[result.index] = result
            if result.status not in (ItemStatus.DONE, ItemStatus.SKIPPED):
                # Bytes that will never move leave the total, so the bar can reach 100 %.
                progress.remove_item(result.index, items[result.index][2])
            progress.finish_item(result.index)
            if on_item is not None:
                on_item(result)

        while pending or in_flight:
            while pending and len(in_flight) < window and not cancel.cancelled:
                index = pending.popleft()
                if on_start is not None:
                    on_start(index)
                try:
                    in_flight[index] = submit(index, _Subscriber(index, progress, done))
                except Exception as exc:  # submission itself failed (e.g. a folder vanished)
                    key, path, _ = items[index]
                    err = _item_error(exc, bucket, key, endpoint)
                    failed = (
                        ItemStatus.CANCELLED if isinstance(err, Cancelled) else ItemStatus.FAILED
                    )
                    record(ItemResult(index, key, path, failed, 0, err))
            if cancel.cancelled:
                for future in in_flight.values():
                    future.cancel()
                while pending:
                    index = pending.popleft()
                    key, path, _ = items[index]
                    record(ItemResult(index, key, path, ItemStatus.CANCELLED, 0, Cancelled()))
            if not in_flight:
                continue
            try:
                index = done.get(timeout=0.1)
            except queue.Empty:
                continue
            future = in_flight.pop(index)
            key, path, size = items[index]
            try:
                future.result()
            except Exception as exc:
                err = _item_error(exc, bucket, key, endpoint)
                status = ItemStatus.CANCELLED if isinstance(err, Cancelled) else ItemStatus.FAILED
                record(ItemResult(index, key, path, status, 0, err))
            else:
                progress.set_item(index, size)
                record(ItemResult(index, key, path, success, size))
        return [results[i] for i in range(len(items))]


def _item_error(exc: BaseException, bucket: str, key: str, endpoint: str | None) -> AppError:
    return translate(exc, bucket=bucket, key=key, endpoint=endpoint)
