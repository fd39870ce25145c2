"""Downloads through s3transfer's TransferManager: a window of transfers in flight, progress
fed back from its threads, and each file checked when it lands."""

from __future__ import annotations

import contextlib
import queue
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import Cancelled, IntegrityError, translate
from s3uploader_gui.core.s3client import S3Client
from s3uploader_gui.core.transfers.checksums import same_content
from s3uploader_gui.core.transfers.model import (
    DownloadSource,
    ItemCallback,
    ItemResult,
    ItemStatus,
)
from s3uploader_gui.core.transfers.progress import TransferProgress

if TYPE_CHECKING:
    from s3uploader_gui.core.transfers.engine import TransferEngine


def local_matches(client: S3Client, bucket: str, src: DownloadSource) -> bool:
    """True when the local file has the object's size and checksum (or MD5 ETag)."""
    try:
        if src.path.stat().st_size != src.size:
            return False
        head = client.head_object(Bucket=bucket, Key=src.key, ChecksumMode="ENABLED")
    except Exception:
        return False
    return same_content(src.path, head)


class Subscriber:
    """Feeds progress and completion back from s3transfer's threads (downloads).

    An s3transfer subscriber by duck typing (s3transfer only calls ``on_queued``,
    ``on_progress`` and ``on_done``), so that importing this module does not import
    s3transfer.
    """

    def __init__(
        self,
        index: int,
        progress: TransferProgress,
        done: queue.Queue[int],
        size: int | None = None,
        etag: str | None = None,
    ) -> None:
        self._index = index
        self._progress = progress
        self._done = done
        self._size = size
        self._etag = etag

    def on_queued(self, future: Any, **kwargs: Any) -> None:
        # Known size and ETag: s3transfer skips its HEAD request.
        if self._size is not None and self._etag:
            future.meta.provide_transfer_size(self._size)
            future.meta.provide_object_etag(self._etag)

    def on_progress(self, future: Any, bytes_transferred: int, **kwargs: Any) -> None:
        self._progress.advance(self._index, bytes_transferred)

    def on_done(self, future: Any, **kwargs: Any) -> None:
        self._done.put(self._index)


def run_downloads(
    engine: TransferEngine,
    bucket: str,
    items: Sequence[tuple[str, Path, int]],
    sources: Sequence[DownloadSource],
    skipped: Mapping[int, str],
    submit: Callable[[int, Subscriber], Any],
    check: Callable[[int], str],
    progress: TransferProgress,
    cancel: CancelToken,
    on_item: ItemCallback | None,
    on_start: Callable[[int], None] | None,
) -> list[ItemResult]:
    for i, (_, _, size) in enumerate(items):
        progress.add_item(i, size)
    results: dict[int, ItemResult] = {}
    pending = deque(range(len(items)))
    in_flight: dict[int, Any] = {}
    done: queue.Queue[int] = queue.Queue()
    window = engine.settings.window or max(4, 2 * engine.settings.max_concurrency)
    endpoint = engine.context.settings.endpoint_url

    def record(result: ItemResult) -> None:
        results[result.index] = result
        if result.status != ItemStatus.DONE:
            # Bytes that will never move leave the total, so the bar can reach 100 %.
            progress.remove_item(result.index, items[result.index][2])
        progress.finish_item(result.index)
        if on_item is not None:
            on_item(result)

    while pending or in_flight:
        while pending and len(in_flight) < window and not cancel.cancelled:
            index = pending.popleft()
            key, path, size = items[index]
            if index in skipped:
                record(ItemResult(index, key, path, ItemStatus.SKIPPED, 0, detail=skipped[index]))
                continue
            if on_start is not None:
                on_start(index)
            try:
                sub = Subscriber(index, progress, done, size, sources[index].etag)
                in_flight[index] = submit(index, sub)
            except Exception as exc:
                err = translate(exc, bucket=bucket, key=key, endpoint=endpoint)
                failed = ItemStatus.CANCELLED if isinstance(err, Cancelled) else ItemStatus.FAILED
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
            detail = check(index)
        except Exception as exc:
            err = translate(exc, bucket=bucket, key=key, endpoint=endpoint)
            status = ItemStatus.CANCELLED if isinstance(err, Cancelled) else ItemStatus.FAILED
            if isinstance(err, IntegrityError):
                with contextlib.suppress(OSError):
                    path.unlink()
            record(ItemResult(index, key, path, status, 0, err))
        else:
            progress.set_item(index, size)
            record(ItemResult(index, key, path, ItemStatus.DONE, size, detail=detail))
    return [results[i] for i in range(len(items))]
