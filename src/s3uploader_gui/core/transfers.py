"""Uploads and downloads: fast, resumable, verified.

Uploads are driven here, request by request, on one thread pool per engine (sized to
the concurrency, sharing the connection's client and its pool):

* a file below the multipart threshold is one PutObject with a CRC32 checksum header;
* a larger file is a multipart upload whose part size grows so that any file up to
  5 TiB fits in 10,000 parts; parts of several files are in flight at once, each with
  its own CRC32. Every confirmed part is written to the journal (upload id, part number,
  ETag, checksum), so after a quit or a crash the upload continues from the parts the
  server still lists (ListParts) rather than starting again or creating a second upload.

Every upload is verified end to end: the server checks the CRC32 of every request body
(BadDigest otherwise) and echoes it, and the engine compares the echo — and, for
multipart uploads, the composite checksum CompleteMultipartUpload returns — with what it
computed from the file. A server that does not keep checksums is checked through the
ETag (the MD5 of the body). A mismatch is a failed item, never a silent success.

Memory is bounded: at most ``max_concurrency`` request bodies of at most
``EngineSettings.buffer_limit`` bytes each are held at once (bigger parts stream from
the file). Downloads go through s3transfer's TransferManager (size and ETag supplied, so
no extra HEAD per object).
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import enum
import heapq
import io
import itertools
import math
import os
import queue
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # botocore/s3transfer load on first use (a worker), not at start-up
    from s3transfer.manager import TransferConfig, TransferManager

    # Loaded with the first engine, not with the window (sqlite3, ssl, http.client).
    from s3uploader_gui.core.fastput import FastPut
    from s3uploader_gui.core.transfer_queue import Journal, JournalItem

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import (
    AccessDenied,
    AclNotSupported,
    AppError,
    AuthError,
    Cancelled,
    ConfigError,
    EndpointUnreachable,
    IntegrityError,
    LocalFileError,
    NotFound,
    ServerError,
    translate,
)
from s3uploader_gui.core.naming import UploadSource, content_type_for, renamed_key
from s3uploader_gui.core.progress import TransferProgress
from s3uploader_gui.core.s3client import S3Client, S3Context, is_loopback_http, make_client

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
TiB = 1024 * GiB

#: S3 limits for multipart uploads.
MAX_PARTS = 10_000
MIN_PART_SIZE = 5 * MiB
MAX_PART_SIZE = 5 * GiB
MAX_OBJECT_SIZE = 5 * TiB


class ItemStatus(enum.StrEnum):
    QUEUED = "queued"
    PREPARING = "preparing"
    UPLOADING = "uploading"
    DOWNLOADING = "downloading"
    PAUSED = "paused"
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


class ConflictPolicy(enum.StrEnum):
    """What to do when the destination (key or local file) already exists."""

    ASK = "ask"
    OVERWRITE = "overwrite"
    SKIP = "skip"
    SKIP_IDENTICAL = "skip-identical"
    RENAME = "rename"


@dataclass(frozen=True)
class ItemResult:
    """What happened to one item of a batch."""

    index: int
    key: str
    path: Path
    status: ItemStatus
    bytes: int = 0
    error: AppError | None = None
    #: How the item was verified ("CRC32", "MD5", "size") or why it was skipped.
    detail: str = ""


@dataclass(frozen=True)
class DownloadSource:
    """One object and the local file it goes to (``etag`` saves a HEAD per object)."""

    key: str
    path: Path
    size: int
    etag: str | None = None


@dataclass(frozen=True)
class ObjectOptions:
    """What every uploaded object carries besides its bytes.

    No ACL is sent unless ``acl`` is set ("public-read"): buckets with ACLs disabled
    refuse any ACL with AccessControlListNotSupported.
    """

    #: One Content-Type for every file; empty: by extension (``content_types`` first).
    content_type: str = ""
    content_types: Mapping[str, str] = field(default_factory=dict)
    cache_control: str = ""
    content_disposition: str = ""
    storage_class: str = ""
    #: "" (the bucket's default), "AES256" (SSE-S3) or "aws:kms" (SSE-KMS).
    sse: str = ""
    kms_key_id: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    acl: str = ""

    def extra_args(self, key: str, content_type: str | None = None) -> dict[str, Any]:
        """PutObject / CreateMultipartUpload arguments for ``key``."""
        args: dict[str, Any] = {
            "ContentType": content_type
            or self.content_type
            or content_type_for(key, self.content_types)
        }
        if self.cache_control:
            args["CacheControl"] = self.cache_control
        if self.content_disposition:
            args["ContentDisposition"] = self.content_disposition
        if self.storage_class:
            args["StorageClass"] = self.storage_class
        if self.sse:
            args["ServerSideEncryption"] = self.sse
            if self.sse == "aws:kms" and self.kms_key_id:
                args["SSEKMSKeyId"] = self.kms_key_id
        if self.metadata:
            args["Metadata"] = dict(self.metadata)
        if self.acl:
            args["ACL"] = self.acl
        return args

    def to_dict(self) -> dict[str, Any]:
        return {
            "content_type": self.content_type,
            "content_types": dict(self.content_types),
            "cache_control": self.cache_control,
            "content_disposition": self.content_disposition,
            "storage_class": self.storage_class,
            "sse": self.sse,
            "kms_key_id": self.kms_key_id,
            "metadata": dict(self.metadata),
            "acl": self.acl,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ObjectOptions:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def part_size_for(size: int, preferred: int) -> int:
    """The part size for a ``size``-byte file: ``preferred``, grown to fit 10,000 parts."""
    if size > MAX_OBJECT_SIZE:
        raise ConfigError(f"A file of {size} bytes is larger than S3's 5 TiB object limit.")
    part = max(preferred, MIN_PART_SIZE, math.ceil(size / MAX_PARTS))
    part = math.ceil(part / MiB) * MiB  # whole MiB, still ≤ 5 GiB for 5 TiB
    return min(part, MAX_PART_SIZE)


@dataclass
class EngineSettings:
    """Concurrency, part sizes, bandwidth and what objects carry.

    Memory held by uploads is at most about ``max_concurrency`` × min(part size,
    ``buffer_limit``) (see ``memory_bound``): larger parts stream from the file.
    """

    #: Requests (whole small files or parts) in flight at once; also the pool size.
    max_concurrency: int = 10
    multipart_threshold: int = 8 * MiB
    multipart_chunksize: int = 8 * MiB
    #: Tasks submitted ahead of the threads, so small files never leave a thread idle.
    window: int = 0
    #: Bytes per second for all transfers together; None: unlimited.
    max_bandwidth: int | None = None
    conflict: ConflictPolicy = ConflictPolicy.OVERWRITE
    options: ObjectOptions = field(default_factory=ObjectOptions)
    #: Extra PutObject/CreateMultipartUpload arguments (kept for callers of the old API).
    extra: dict[str, Any] = field(default_factory=dict)
    #: How long an item keeps retrying after network or server failures before it fails.
    retry_budget_s: float = 60.0
    #: Request bodies up to this size are read into memory; bigger ones stream.
    buffer_limit: int = 32 * MiB

    @property
    def memory_bound(self) -> int:
        """About the most memory request bodies take at once (bytes)."""
        per = min(max(self.multipart_chunksize, self.multipart_threshold), self.buffer_limit)
        return self.max_concurrency * per

    def transfer_config(self) -> TransferConfig:
        """s3transfer's config for downloads (it grows part sizes by itself)."""
        from s3transfer.manager import TransferConfig

        config = TransferConfig(
            multipart_threshold=self.multipart_threshold,
            multipart_chunksize=self.multipart_chunksize,
            max_request_concurrency=self.max_concurrency,
            max_submission_concurrency=max(2, self.max_concurrency // 2),
            max_io_queue_size=1000,
        )
        if self.max_bandwidth:
            config.max_bandwidth = self.max_bandwidth
        return config


ItemCallback = Callable[[ItemResult], None]
#: (index, status, detail) — detail is e.g. "retrying…" or "" — on the calling thread.
StateCallback = Callable[[int, ItemStatus, str], None]

#: Turns a source into the file actually uploaded (resize, re-encode...). Runs on a
#: preparation thread; raises an AppError (e.g. BadImage) to fail just that item.
PrepareFn = Callable[[UploadSource, CancelToken], UploadSource]


@dataclass(frozen=True)
class Conflict:
    """An upload whose key exists already (for the "ask" policy)."""

    index: int
    key: str
    path: Path
    local_size: int
    remote_size: int
    remote_modified: Any = None


#: Answers a Conflict with OVERWRITE, SKIP or RENAME (called on the calling thread).
AskFn = Callable[[Conflict], ConflictPolicy]


class BatchControl:
    """Pause and cancel for a running batch, from any thread.

    Pausing lets the requests in flight finish, keeps a multipart upload's confirmed
    parts (in the journal) and ends the item as PAUSED; uploading it again resumes it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._all_paused = False
        self._paused: set[int] = set()
        self._cancelled: set[int] = set()
        #: Bumped on every change, so a coordinator rechecks only when something changed.
        self.version = 0

    def pause(self, index: int | None = None) -> None:
        """Pause one item, or (None) every item not yet finished."""
        with self._lock:
            if index is None:
                self._all_paused = True
            else:
                self._paused.add(index)
            self.version += 1

    def cancel(self, index: int) -> None:
        """Cancel one item (its multipart upload is aborted)."""
        with self._lock:
            self._cancelled.add(index)
            self.version += 1

    def is_paused(self, index: int) -> bool:
        with self._lock:
            return self._all_paused or index in self._paused

    def is_cancelled(self, index: int) -> bool:
        with self._lock:
            return index in self._cancelled

    @property
    def all_paused(self) -> bool:
        with self._lock:
            return self._all_paused


class BandwidthLimiter:
    """A token bucket shared by every transfer thread (bytes per second)."""

    def __init__(self, rate: int | None) -> None:
        self.rate = rate
        self._lock = threading.Lock()
        self._balance = 0.0
        self._last = time.monotonic()

    def consume(self, nbytes: int, cancel: CancelToken | None = None) -> None:
        """Take ``nbytes``; sleep while the balance is negative."""
        rate = self.rate
        if not rate or nbytes <= 0:
            return
        with self._lock:
            now = time.monotonic()
            # Refill, allowing a burst of a quarter second at most.
            self._balance = min(self._balance + (now - self._last) * rate, rate / 4)
            self._last = now
            self._balance -= nbytes
            wait = -self._balance / rate if self._balance < 0 else 0.0
        if wait > 0:
            if cancel is not None:
                cancel.wait(wait)
            else:
                time.sleep(wait)  # the limiter's own pacing


def crc32_b64(data: bytes | memoryview, value: int = 0) -> str:
    """S3's base64 form of a CRC32 (big-endian 4 bytes)."""
    return base64.b64encode(zlib.crc32(data, value).to_bytes(4, "big")).decode()


def composite_crc32(part_checksums: Sequence[str]) -> str:
    """The multipart (COMPOSITE) checksum: CRC32 of the parts' raw CRC32s, then ``-N``."""
    raw = b"".join(base64.b64decode(c) for c in part_checksums)
    return f"{crc32_b64(raw)}-{len(part_checksums)}"


def file_crc32(path: Path, offset: int = 0, length: int | None = None) -> str:
    """CRC32 of a file range, read in 1 MiB blocks."""
    value = 0
    with open(path, "rb") as fh:
        fh.seek(offset)
        remaining = length if length is not None else -1
        while remaining != 0:
            block = fh.read(MiB if remaining < 0 else min(MiB, remaining))
            if not block:
                break
            value = zlib.crc32(block, value)
            if remaining > 0:
                remaining -= len(block)
    return base64.b64encode(value.to_bytes(4, "big")).decode()


class _Body(io.RawIOBase):
    """A request body over bytes or a file range: reports progress, obeys the limiter.

    botocore rewinds it (``seek(0)``) before a retry; the progress it reported rewinds too.
    """

    def __init__(
        self,
        data: bytes | None,
        path: Path | None,
        offset: int,
        length: int,
        on_bytes: Callable[[int], None],
        limiter: BandwidthLimiter,
        cancel: CancelToken,
    ) -> None:
        super().__init__()
        self._data = memoryview(data) if data is not None else None
        self._fh = open(path, "rb") if data is None and path is not None else None  # noqa: SIM115
        self._offset = offset
        self._length = length
        self._pos = 0
        self._reported = 0
        self._on_bytes = on_bytes
        self._limiter = limiter
        self._cancel = cancel

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def __len__(self) -> int:
        return self._length

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = 0) -> int:
        if whence == 1:
            pos += self._pos
        elif whence == 2:
            pos += self._length
        self._pos = max(0, min(pos, self._length))
        if self._pos < self._reported:
            self._on_bytes(self._pos - self._reported)
            self._reported = self._pos
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        self._cancel.raise_if_cancelled()
        remaining = self._length - self._pos
        n = remaining if size is None or size < 0 else min(size, remaining)
        if n <= 0:
            return b""
        self._limiter.consume(n, self._cancel)
        if self._data is not None:
            chunk = bytes(self._data[self._pos : self._pos + n])
        else:
            assert self._fh is not None
            self._fh.seek(self._offset + self._pos)
            chunk = self._fh.read(n)
        self._pos += len(chunk)
        if self._pos > self._reported:
            self._on_bytes(self._pos - self._reported)
            self._reported = self._pos
        return chunk

    def read_view(self, size: int) -> bytes | memoryview:
        """Like ``read``, without copying when the body is in memory (a view of it)."""
        if self._data is None:
            return self.read(size)
        self._cancel.raise_if_cancelled()
        n = max(0, min(size, self._length - self._pos))
        if n == 0:
            return b""
        self._limiter.consume(n, self._cancel)
        chunk = self._data[self._pos : self._pos + n]
        self._pos += n
        if self._pos > self._reported:
            self._on_bytes(self._pos - self._reported)
            self._reported = self._pos
        return chunk

    def readinto(self, buffer: Any) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def rewind_progress(self) -> None:
        """Take back every byte reported (the request failed)."""
        if self._reported:
            self._on_bytes(-self._reported)
            self._reported = 0

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        super().close()


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
            _discard(future.result())

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


def _retryable(err: AppError) -> bool:
    """Failures worth another try: the network, an overloaded server, a garbled body."""
    if isinstance(err, EndpointUnreachable):
        return True
    if isinstance(err, IntegrityError):
        return True
    if isinstance(err, ServerError):
        return err.code in {"SlowDown", "503", "ServiceUnavailable", "InternalError", "500",
                            "RequestTimeout", "ServerError", ""}  # fmt: skip
    return False


# -- the per-item state of an upload batch ---------------------------------------------------
@dataclass
class _Upload:
    index: int
    source: UploadSource
    src: UploadSource | None = None  # after preparation
    key: str = ""
    journal: JournalItem | None = None
    started: bool = False
    rename_from: str = ""
    rename_n: int = 0
    # multipart
    upload_id: str | None = None
    part_size: int = 0
    parts_total: int = 0
    todo: deque[int] = field(default_factory=deque)
    in_flight: int = 0
    parts: dict[int, tuple[str, str]] = field(default_factory=dict)  # number → (etag, crc)
    # retries and ending
    retry_since: float | None = None
    retry_shown: bool = False
    attempt: int = 0
    ending: ItemStatus | None = None
    ending_error: AppError | None = None
    verified: str = ""

    @property
    def size(self) -> int:
        return (self.src or self.source).size


@dataclass(order=True)
class _Delayed:
    due: float
    seq: int
    task: tuple[str, int, int] = field(compare=False)


class TransferEngine:
    """Runs batches of uploads or downloads with bounded concurrency, progress and cancel.

    One engine per connection: its thread pool, connection pool and (for downloads) its
    TransferManager stay warm across batches. With a ``journal`` uploads survive a crash;
    without one an in-memory journal still lets paused uploads resume in this session.
    """

    def __init__(
        self,
        context: S3Context,
        settings: EngineSettings | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.context = context
        self.settings = settings or EngineSettings(max_concurrency=context.concurrency)
        from s3uploader_gui.core.transfer_queue import Journal

        self.journal = journal if journal is not None else Journal(":memory:")
        self._owns_journal = journal is None
        self._manager: TransferManager | None = None
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pool_size = 0
        self._client: S3Client | None = None
        self._fast: FastPut | None = None
        self._fast_checked = False
        self._lock = threading.Lock()
        self.limiter = BandwidthLimiter(self.settings.max_bandwidth)

    # -- resources ----------------------------------------------------------------------
    @property
    def connection_id(self) -> str:
        """How the journal names this connection (profile label, else endpoint)."""
        s = self.context.settings
        return s.label or s.endpoint_url or "aws"

    @property
    def client(self) -> S3Client:
        """The connection's client, or one with a bigger pool when the concurrency needs it."""
        with self._lock:
            if self.settings.max_concurrency + 2 <= self.context.concurrency + 4:
                return self.context.client
            if self._client is None:
                self._client = make_client(
                    self.context.settings,
                    session=self.context.session,
                    max_pool_connections=self.settings.max_concurrency + 2,
                )
            return self._client

    @property
    def fast(self) -> FastPut | None:
        """The lean sender for PutObject/UploadPart, where it fits this connection."""
        from s3uploader_gui.core.fastput import for_client, for_settings

        if not self._fast_checked:
            # With explicit keys no botocore client is needed (building one costs about
            # 0.3 s: a CLI upload of small files may be over by then).
            fast = for_settings(self.context.settings)
            if fast is None:
                fast = for_client(self.client, self.context.session)
            with self._lock:
                if not self._fast_checked:
                    self._fast, self._fast_checked = fast, True
        return self._fast

    def register(self, event: str, handler: Callable[..., Any]) -> None:
        """Observe requests by botocore's event names (``after-call.s3.UploadPart``...),
        whichever way they are sent."""
        self.client.meta.events.register(event, handler)
        if self.fast is not None:
            self.fast.register(event, handler)

    def unregister(self, event: str, handler: Callable[..., Any]) -> None:
        self.client.meta.events.unregister(event, handler)
        if self.fast is not None:
            self.fast.unregister(event, handler)

    @property
    def manager(self) -> TransferManager:
        with self._lock:
            if self._manager is None:
                from s3transfer.manager import TransferManager

                self._manager = TransferManager(
                    self.context.client, config=self.settings.transfer_config()
                )
            return self._manager

    def _executor(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._lock:
            size = max(1, self.settings.max_concurrency)
            if self._pool is None or self._pool_size != size:
                if self._pool is not None:
                    self._pool.shutdown(wait=False)
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    size, thread_name_prefix="transfer"
                )
                self._pool_size = size
            return self._pool

    def configure(self, settings: EngineSettings) -> None:
        """Adopt new settings between batches (pool, bandwidth, conflicts, options)."""
        with self._lock:
            old = self.settings
            self.settings = settings
            self.limiter.rate = settings.max_bandwidth
            if self._manager is not None and (
                old.max_concurrency != settings.max_concurrency
                or old.max_bandwidth != settings.max_bandwidth
            ):
                self._manager.shutdown(cancel=True)
                self._manager = None
            if self._client is not None and old.max_concurrency != settings.max_concurrency:
                self._client = None

    def close(self) -> None:
        """Stop the threads (cancelling anything still running)."""
        with self._lock:
            if self._manager is not None:
                self._manager.shutdown(cancel=True)
                self._manager = None
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
            if self._fast is not None:
                self._fast.close()
            self._fast, self._fast_checked = None, False
            if self._owns_journal:
                self.journal.close()
                from s3uploader_gui.core.transfer_queue import Journal

                self.journal = Journal(":memory:")

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
        on_state: StateCallback | None = None,
        control: BatchControl | None = None,
        ask: AskFn | None = None,
    ) -> list[ItemResult]:
        """Upload every source; one failure never stops the others.

        With ``prepare``, each source is first turned into the file to upload, on
        ``prepare_workers`` threads (default: one per core) running ahead of the uploads.
        ``on_item``, ``on_start``, ``on_state`` and ``ask`` run on the calling thread.
        """
        cancel = cancel or CancelToken()
        preparer = (
            _Preparer(sources, prepare, cancel, prepare_workers or os.cpu_count() or 2)
            if prepare is not None
            else None
        )
        run = _UploadRun(
            self,
            bucket,
            sources,
            progress or TransferProgress(),
            cancel,
            control or BatchControl(),
            on_item,
            on_start,
            on_state,
            ask,
            preparer,
        )
        return run.run()

    def discard(self, items: Sequence[JournalItem]) -> None:
        """Forget journaled uploads the user will not resume, aborting their multipart uploads."""
        client = self.client
        for item in items:
            if item.upload_id:
                with contextlib.suppress(Exception):
                    client.abort_multipart_upload(
                        Bucket=item.bucket, Key=item.key, UploadId=item.upload_id
                    )
        self.journal.forget([i.id for i in items])

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
        conflict: ConflictPolicy = ConflictPolicy.OVERWRITE,
    ) -> list[ItemResult]:
        """Download every source to its path (via a temporary file, renamed when complete).

        Each file is verified: its size, and the object's checksum where the server keeps
        a full-object one (botocore validates it while reading). ``conflict`` decides
        about existing local files (SKIP, SKIP_IDENTICAL, RENAME or OVERWRITE).
        """
        progress = progress or TransferProgress()
        cancel = cancel or CancelToken()
        targets: dict[int, Path] = {s_i: s.path for s_i, s in enumerate(sources)}
        skipped: dict[int, str] = {}
        for i, src in enumerate(sources):
            if not (src.path.exists() or src.path.is_symlink()):
                continue
            if conflict == ConflictPolicy.RENAME:
                n = 1
                while True:
                    candidate = src.path.with_name(renamed_key(src.path.name, n))
                    if not candidate.exists():
                        targets[i] = candidate
                        break
                    n += 1
            elif conflict == ConflictPolicy.SKIP or conflict == ConflictPolicy.ASK:
                skipped[i] = "the local file exists"
            elif conflict == ConflictPolicy.SKIP_IDENTICAL and _local_matches(
                self.context.client, bucket, src
            ):
                skipped[i] = "the local file is identical"

        def submit(index: int, sub: _Subscriber) -> Any:
            src = sources[index]
            target = targets[index]
            target.parent.mkdir(parents=True, exist_ok=True)
            # _Subscriber is an s3transfer subscriber by duck typing (see its docstring).
            subscribers: list[Any] = [sub]
            return self.manager.download(bucket, src.key, str(target), subscribers=subscribers)

        def check(index: int) -> str:
            target = targets[index]
            actual = target.stat().st_size
            if actual != sources[index].size:
                raise IntegrityError(
                    f"s3://{bucket}/{sources[index].key}: {actual} bytes arrived, "
                    f"{sources[index].size} expected.",
                    code="SizeMismatch",
                )
            return "size"

        items = [(s.key, targets[i], s.size) for i, s in enumerate(sources)]
        return _run_downloads(
            self, bucket, items, sources, skipped, submit, check, progress, cancel,
            on_item, on_start,
        )  # fmt: skip


def _local_matches(client: S3Client, bucket: str, src: DownloadSource) -> bool:
    """True when the local file has the object's size and checksum (or MD5 ETag)."""
    try:
        if src.path.stat().st_size != src.size:
            return False
        head = client.head_object(Bucket=bucket, Key=src.key, ChecksumMode="ENABLED")
    except Exception:
        return False
    return _same_content(src.path, head)


def _same_content(path: Path, head: Mapping[str, Any], part_size: int | None = None) -> bool:
    """Compare a local file with a HEAD answer: CRC32 if stored, else the MD5 ETag."""
    import hashlib  # OpenSSL's library is not start-up work

    crc = head.get("ChecksumCRC32")
    if crc and "-" not in str(crc):
        return bool(file_crc32(path) == crc)
    etag = str(head.get("ETag", "")).strip('"')
    if "-" not in etag and len(etag) == 32:
        md5 = hashlib.md5(usedforsecurity=False)
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(MiB), b""):
                md5.update(block)
        return md5.hexdigest() == etag
    if "-" in etag and part_size:
        count = int(etag.rsplit("-", 1)[1])
        size = path.stat().st_size
        if math.ceil(size / part_size) != count:
            return False
        digests = b""
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(part_size), b""):
                digests += hashlib.md5(block, usedforsecurity=False).digest()
        return f"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{count}" == etag
    return False


class _Subscriber:
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


def _run_downloads(
    engine: TransferEngine,
    bucket: str,
    items: Sequence[tuple[str, Path, int]],
    sources: Sequence[DownloadSource],
    skipped: Mapping[int, str],
    submit: Callable[[int, _Subscriber], Any],
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
                sub = _Subscriber(index, progress, done, size, sources[index].etag)
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


# -- one upload batch ------------------------------------------------------------------------
class _UploadRun:
    """The coordinator of one upload batch: runs on the caller's thread, feeds the pool."""

    def __init__(
        self,
        engine: TransferEngine,
        bucket: str,
        sources: Sequence[UploadSource],
        progress: TransferProgress,
        cancel: CancelToken,
        control: BatchControl,
        on_item: ItemCallback | None,
        on_start: Callable[[int], None] | None,
        on_state: StateCallback | None,
        ask: AskFn | None,
        preparer: _Preparer | None,
    ) -> None:
        self.engine = engine
        self.settings = replace(engine.settings)
        self.fast = engine.fast
        self.journal = engine.journal
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
        self.items = [_Upload(i, s, key=s.key) for i, s in enumerate(sources)]
        self.results: dict[int, ItemResult] = {}
        self.waiting = deque(range(len(sources)))  # not started yet
        self.active: list[int] = []  # started, not finished (in start order)
        self.ready: deque[tuple[str, int, int]] = deque()  # tasks to submit
        self.delayed: list[_Delayed] = []
        self.seq = itertools.count()
        self.in_flight = 0
        self.done: queue.Queue[tuple[tuple[str, int, int], Any, BaseException | None]] = (
            queue.Queue()
        )
        self.pool = engine._executor()
        #: Items whose request botocore is retrying (from the pool's threads).
        self.notices: queue.SimpleQueue[int] = queue.SimpleQueue()
        window = self.settings.window or 2 * self.settings.max_concurrency
        self.window = max(1, window)
        self.policy = self.settings.conflict
        self.options = self.settings.options
        self.extra = dict(self.settings.extra)

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def client(self) -> S3Client:
        """botocore's client, made on first use (small files may never need it)."""
        client = self.engine.client
        _install_hooks(client)
        return client

    def _state(self, index: int, status: ItemStatus, detail: str = "") -> None:
        if self.on_state is not None:
            self.on_state(index, status, detail)

    def _err(self, exc: BaseException, key: str) -> AppError:
        return _translate(exc, bucket=self.bucket, key=key, endpoint=self.endpoint)

    def _submit(self, task: tuple[str, int, int]) -> None:
        kind, index, number = task
        fn = {
            "check": self._t_check,
            "put": self._t_put,
            "create": self._t_create,
            "part": self._t_part,
            "complete": self._t_complete,
            "abort": self._t_abort,
        }[kind]
        self.in_flight += 1
        self.items[index].in_flight += 1

        def work() -> Any:
            _current.cancel = self.cancel
            _current.on_retry = lambda: self.notices.put(index)
            try:
                return fn(self.items[index], number)
            finally:
                _current.cancel = None
                _current.on_retry = None

        future = self.pool.submit(work)

        def finished(f: concurrent.futures.Future[Any]) -> None:
            exc = f.exception() if not f.cancelled() else Cancelled()
            self.done.put((task, None if exc else f.result(), exc))

        future.add_done_callback(finished)

    def _finish(
        self,
        item: _Upload,
        status: ItemStatus,
        error: AppError | None = None,
        detail: str = "",
    ) -> None:
        if item.index in self.results:
            return
        src = item.src or item.source
        size = src.size
        nbytes = size if status == ItemStatus.DONE else 0
        if status == ItemStatus.DONE:
            self.progress.set_item(item.index, size)
        else:
            self.progress.remove_item(item.index, size)
        self.progress.finish_item(item.index)
        if item.journal is not None:
            message = error.message if error is not None else ""
            if status in (ItemStatus.FAILED, ItemStatus.PAUSED):
                self.journal.set_state(item.journal.id, str(status), message)
            else:
                multipart = item.upload_id is not None or item.journal.upload_id is not None
                self.journal.finish(
                    item.journal.id,
                    str(status),
                    message,
                    parts=multipart or size >= self.settings.multipart_threshold,
                )
        if item.src is not None and item.src is not item.source:
            _discard(item.src)
        elif self.preparer is not None and not item.started:
            self.preparer.discard(item.index)
        if item.index in self.active:
            self.active.remove(item.index)
        result = ItemResult(
            item.index,
            item.key,
            item.source.path,
            status,
            nbytes,
            error,
            detail or item.verified,
        )
        self.results[item.index] = result
        if self.on_item is not None:
            self.on_item(result)

    def _end_when_idle(self, item: _Upload, status: ItemStatus, error: AppError | None) -> None:
        """End ``item`` once its requests in flight are back (abort first if cancelled)."""
        if item.ending is None:
            item.ending = status
            item.ending_error = error
        item.todo.clear()
        self.ready = deque(t for t in self.ready if t[1] != item.index)
        self.delayed = [d for d in self.delayed if d.task[1] != item.index]
        heapq.heapify(self.delayed)
        if item.in_flight:
            return
        if item.ending == ItemStatus.CANCELLED and item.upload_id:
            self.ready.appendleft(("abort", item.index, 0))
            item.ending = ItemStatus.CANCELLED  # the abort's completion finishes it
            return
        if item.ending == ItemStatus.PAUSED:
            self._state(item.index, ItemStatus.PAUSED)
        self._finish(item, item.ending, item.ending_error)

    # -- the loop ------------------------------------------------------------------------
    def run(self) -> list[ItemResult]:
        for item in self.items:
            self.progress.add_item(item.index, item.source.size)
        try:
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
                    item = self.items[task[1]]
                    if item.index in self.results or (item.ending and task[0] != "abort"):
                        continue  # the item ended meanwhile
                    self._submit(task)
                self._wait_one()
        finally:
            if self.preparer is not None:
                self.preparer.close()
            for item in self.items:
                if item.src is not None and item.src is not item.source:
                    _discard(item.src)
        return [self.results[i] for i in range(len(self.items))]

    def _journal_queue(self) -> None:
        """Journal the whole queue before the first upload, in one transaction: after a
        crash every file not yet stored is offered again, not just those in flight.
        (Files that are prepared first are journaled as they start: what is uploaded
        is only known then.)"""
        if self.preparer is not None:
            return
        entries: list[tuple[_Upload, os.stat_result]] = []
        for item in self.items:
            try:
                entries.append((item, os.stat(item.source.path)))
            except OSError:
                continue  # _begin reports it when the item's turn comes
        options = {"options": self.options.to_dict(), "temporary": False}
        rows = self.journal.begin_many(
            self.engine.connection_id,
            self.bucket,
            [(i.key, i.source.path, st.st_size, st.st_mtime_ns, options) for i, st in entries],
        )
        for (item, _), row in zip(entries, rows, strict=True):
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
        while self.waiting and len(self.ready) + self.in_flight < self.window:
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

    def _begin(self, item: _Upload) -> None:
        if self.preparer is not None:
            src = self.preparer.get(item.index)
            item.src = src
            self.progress.resize_item(item.index, item.source.size, src.size)
            item.key = src.key
        src = item.src or item.source
        try:
            st = os.stat(src.path)
        except OSError as exc:
            raise self._err(exc, item.key) from exc
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
        if self.policy != ConflictPolicy.OVERWRITE and not resuming:
            self.ready.append(("check", item.index, 0))
        else:
            self._upload(item)

    def _upload(self, item: _Upload) -> None:
        if item.size >= self.settings.multipart_threshold:
            self.ready.append(("create", item.index, 0))
        else:
            self.ready.append(("put", item.index, 0))

    def _promote_delayed(self) -> None:
        now = time.monotonic()
        while self.delayed and self.delayed[0].due <= now:
            self.ready.append(heapq.heappop(self.delayed).task)

    def _drain_notices(self) -> None:
        while True:
            try:
                index = self.notices.get_nowait()
            except queue.Empty:
                return
            item = self.items[index]
            if not item.retry_shown and index not in self.results and item.ending is None:
                item.retry_shown = True
                self._state(index, ItemStatus.UPLOADING, "retrying…")

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
        index = task[1]
        item = self.items[index]
        item.in_flight -= 1
        if exc is not None:
            self._failed(item, task, exc)
        else:
            self._succeeded(item, task, value)
        if item.ending is not None and item.index not in self.results:
            self._end_when_idle(item, item.ending, item.ending_error)

    # -- outcomes ----------------------------------------------------------------------------
    def _succeeded(self, item: _Upload, task: tuple[str, int, int], value: Any) -> None:
        kind, index, number = task
        self._drain_notices()
        if item.retry_since is not None or item.retry_shown:
            item.retry_since = None
            item.retry_shown = False
            item.attempt = 0
            if item.ending is None and kind != "abort":
                self._state(index, ItemStatus.UPLOADING)
        if kind == "abort":
            if item.journal is not None:
                self.journal.set_multipart(item.journal.id, None, None, None)
            item.upload_id = None
            ending = item.ending or ItemStatus.CANCELLED
            self._finish(item, ending, item.ending_error or Cancelled())
            return
        if item.ending is not None:
            if kind == "part":
                item.parts[number] = value
            elif kind == "create":
                # Cancelled or paused while the upload was being created: keep its id, so
                # a cancel aborts it (instead of leaving it on the server) and a pause can
                # resume it.
                item.upload_id = value[0]
            return
        if kind == "check":
            self._resolve_conflict(item, value)
        elif kind == "put":
            item.verified = value
            self._finish(item, ItemStatus.DONE)
        elif kind == "create":
            self._planned(item, value)
        elif kind == "part":
            item.parts[number] = value
            if len(item.parts) == item.parts_total:
                self.ready.appendleft(("complete", index, 0))
        elif kind == "complete":
            item.verified = value
            self._finish(item, ItemStatus.DONE)

    def _failed(self, item: _Upload, task: tuple[str, int, int], exc: BaseException) -> None:
        kind, index, number = task
        err = self._err(exc, item.key)
        if kind == "abort":
            # The abort itself failed: the journal keeps the upload id for a later cleanup.
            ending = item.ending or ItemStatus.CANCELLED
            self._finish(item, ending, item.ending_error or Cancelled())
            return
        if isinstance(err, Cancelled) or item.ending is not None:
            if item.ending is None:
                item.ending = ItemStatus.CANCELLED
                item.ending_error = err
            if kind == "part":
                item.todo.appendleft(number)
            return
        if kind == "complete" and isinstance(err, NotFound) and err.code == "NoSuchUpload":
            # The server forgot the upload (expired, aborted elsewhere): start it over.
            self._restart_multipart(item)
            return
        if _retryable(err) and not self.cancel.cancelled:
            now = time.monotonic()
            if item.retry_since is None:
                item.retry_since = now
            if now - item.retry_since < self.settings.retry_budget_s:
                item.attempt += 1
                delay = min(8.0, 0.25 * 2 ** min(item.attempt, 6))
                left = self.settings.retry_budget_s - (now - item.retry_since)
                delay = max(0.05, min(delay, left))
                heapq.heappush(self.delayed, _Delayed(now + delay, next(self.seq), task))
                if not item.retry_shown:
                    item.retry_shown = True
                    self._state(index, ItemStatus.UPLOADING, "retrying…")
                return
            err = _gave_up(err, self.settings.retry_budget_s)
        if isinstance(err, AclNotSupported | AccessDenied | AuthError) and item.upload_id:
            # Nothing will succeed for this upload: do not leave its parts behind.
            item.ending = ItemStatus.FAILED
            item.ending_error = err
            self.ready.appendleft(("abort", index, 0))
            return
        if kind == "part":
            item.todo.appendleft(number)
        item.ending = ItemStatus.FAILED
        item.ending_error = err
        if item.in_flight == 0:
            self._finish(item, ItemStatus.FAILED, err)

    def _resolve_conflict(self, item: _Upload, head: Mapping[str, Any] | None) -> None:
        if head is None:
            if item.rename_from:
                self._rekey(item)
            self._upload(item)
            return
        policy = self.policy
        if policy == ConflictPolicy.ASK:
            if self.ask is None:
                policy = ConflictPolicy.SKIP
            else:
                modified = head.get("LastModified")
                policy = self.ask(
                    Conflict(item.index, item.key, item.source.path, item.size,
                             int(head.get("ContentLength", 0)), modified)
                )  # fmt: skip
                if policy == ConflictPolicy.ASK:
                    policy = ConflictPolicy.SKIP
        if policy == ConflictPolicy.OVERWRITE:
            self._upload(item)
        elif policy == ConflictPolicy.SKIP:
            self._finish(item, ItemStatus.SKIPPED, detail="the key exists")
        elif policy == ConflictPolicy.SKIP_IDENTICAL:
            if head.get("_identical"):
                self._finish(item, ItemStatus.SKIPPED, detail="an identical object exists")
            else:
                self._upload(item)
        elif policy == ConflictPolicy.RENAME:
            if not item.rename_from:
                item.rename_from = item.key
            item.rename_n += 1
            item.key = renamed_key(item.rename_from, item.rename_n)
            self.ready.appendleft(("check", item.index, 0))

    def _rekey(self, item: _Upload) -> None:
        if item.journal is not None:
            self.journal.set_key(item.journal.id, item.key)

    def _planned(self, item: _Upload, plan: tuple[str, int, dict[int, tuple[str, str]]]) -> None:
        upload_id, part_size, confirmed = plan
        item.upload_id = upload_id
        item.part_size = part_size
        item.parts_total = max(1, math.ceil(item.size / part_size))
        item.parts = dict(confirmed)
        done_bytes = sum(min(part_size, item.size - (n - 1) * part_size) for n in item.parts)
        if done_bytes:
            self.progress.advance(item.index, done_bytes)
        item.todo = deque(n for n in range(1, item.parts_total + 1) if n not in item.parts)
        if not item.todo:
            self.ready.appendleft(("complete", item.index, 0))
            return
        # This item's parts go first, so few multipart uploads are open at once.
        self.ready.extendleft(reversed([("part", item.index, n) for n in item.todo]))
        item.todo.clear()

    def _restart_multipart(self, item: _Upload) -> None:
        if item.journal is not None:
            self.journal.set_multipart(item.journal.id, None, None, None)
        done = sum(min(item.part_size, item.size - (n - 1) * item.part_size) for n in item.parts)
        self.progress.advance(item.index, -done)
        item.upload_id = None
        item.parts.clear()
        self.ready.appendleft(("create", item.index, 0))

    # -- tasks (on the pool's threads) ------------------------------------------------------
    def _t_check(self, item: _Upload, _: int) -> dict[str, Any] | None:
        try:
            if self.fast is not None:
                head: dict[str, Any] = self.fast.head_object(self.bucket, item.key)
            else:
                head = dict(
                    self.client.head_object(
                        Bucket=self.bucket, Key=item.key, ChecksumMode="ENABLED"
                    )
                )
        except Exception as exc:
            err = self._err(exc, item.key)
            if isinstance(err, NotFound):
                return None
            raise err from exc
        if self.policy == ConflictPolicy.SKIP_IDENTICAL:
            src = item.src or item.source
            head["_identical"] = int(head.get("ContentLength", -1)) == src.size and _same_content(
                src.path, head, part_size_for(src.size, self.settings.multipart_chunksize)
            )
        return head

    def _args(self, item: _Upload) -> dict[str, Any]:
        src = item.src or item.source
        args = self.options.extra_args(item.key, src.content_type)
        args.update(self.extra)
        return args

    def _t_put(self, item: _Upload, _: int) -> str:
        src = item.src or item.source
        self.cancel.raise_if_cancelled()
        with open(src.path, "rb") as fh:
            data = fh.read()
        if len(data) != src.size:
            raise LocalFileError(f"{src.path} changed while it was being uploaded.")
        crc = crc32_b64(data)
        body = _Body(data, None, 0, len(data), self._bytes(item), self.engine.limiter, self.cancel)
        args = self._args(item)
        headers = self.fast.headers_for(args) if self.fast is not None else None
        answer: Mapping[str, Any]
        try:
            if self.fast is not None and headers is not None and self.fast.can_send(len(data)):
                answer = self.fast.put_object(self.bucket, item.key, body, len(data), crc, headers)
            else:
                answer = self.client.put_object(
                    Bucket=self.bucket,
                    Key=item.key,
                    Body=body,  # type: ignore[arg-type]
                    ChecksumCRC32=crc,
                    **args,
                )
        except BaseException:
            body.rewind_progress()
            raise
        finally:
            body.close()
        return self._verify(item.key, answer, crc, data)

    def _bytes(self, item: _Upload) -> Callable[[int], None]:
        progress, index = self.progress, item.index

        def report(n: int) -> None:
            progress.advance(index, n)

        return report

    def _verify(self, key: str, answer: Mapping[str, Any], crc: str, data: bytes | None) -> str:
        echoed = answer.get("ChecksumCRC32")
        if echoed:
            if echoed != crc:
                raise IntegrityError(
                    f"s3://{self.bucket}/{key}: the server stored different data "
                    f"(CRC32 {echoed}, sent {crc}).",
                    code="ChecksumMismatch",
                )
            return "CRC32"
        etag = str(answer.get("ETag", "")).strip('"')
        if data is not None and len(etag) == 32 and "-" not in etag:
            import hashlib

            if hashlib.md5(data, usedforsecurity=False).hexdigest() != etag:
                raise IntegrityError(
                    f"s3://{self.bucket}/{key}: the server stored different data (MD5 ETag).",
                    code="ChecksumMismatch",
                )
            return "MD5"
        return "size"

    def _t_create(self, item: _Upload, _: int) -> tuple[str, int, dict[int, tuple[str, str]]]:
        """Resume the journaled multipart upload if the server still has it, else create one."""
        assert item.journal is not None
        journaled = self.journal.get(item.journal.id)
        size = item.size
        if journaled is not None and journaled.upload_id and journaled.part_size:
            confirmed = self._confirmed_parts(item, journaled)
            if confirmed is not None:
                return journaled.upload_id, journaled.part_size, confirmed
        part_size = part_size_for(size, self.settings.multipart_chunksize)
        args = self._args(item)
        headers = self.fast.headers_for(args) if self.fast is not None else None
        answer: Mapping[str, Any]
        if self.fast is not None and headers is not None:
            answer = self.fast.create_multipart_upload(self.bucket, item.key, headers)
        else:
            answer = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=item.key, ChecksumAlgorithm="CRC32", **args
            )
        upload_id = str(answer["UploadId"])
        self.journal.set_multipart(item.journal.id, upload_id, part_size, "CRC32")
        return upload_id, part_size, {}

    def _confirmed_parts(
        self, item: _Upload, journaled: JournalItem
    ) -> dict[int, tuple[str, str]] | None:
        """Journaled parts the server still lists with the same ETag; None: upload gone."""
        assert journaled.upload_id is not None
        listed: dict[int, Mapping[str, Any]] = {}
        marker = 0
        try:
            while True:
                page = self.client.list_parts(
                    Bucket=self.bucket,
                    Key=journaled.key,
                    UploadId=journaled.upload_id,
                    PartNumberMarker=marker,
                )
                for listed_part in page.get("Parts", []):
                    listed[int(listed_part["PartNumber"])] = listed_part
                if not page.get("IsTruncated"):
                    break
                marker = int(page.get("NextPartNumberMarker", 0))
        except Exception as exc:
            err = self._err(exc, item.key)
            if isinstance(err, NotFound):
                self.journal.set_multipart(journaled.id, None, None, None)
                return None
            raise err from exc
        item.key = journaled.key
        confirmed: dict[int, tuple[str, str]] = {}
        for part in self.journal.parts(journaled.id):
            server = listed.get(part.number)
            if server is None:
                continue
            etag = str(server.get("ETag", "")).strip('"')
            if etag != part.etag.strip('"') or int(server.get("Size", -1)) != part.size:
                continue
            crc = server.get("ChecksumCRC32")
            if crc and crc != part.checksum:
                continue
            confirmed[part.number] = (part.etag, part.checksum)
        return confirmed

    def _t_part(self, item: _Upload, number: int) -> tuple[str, str]:
        src = item.src or item.source
        assert item.upload_id is not None and item.journal is not None
        self.cancel.raise_if_cancelled()
        offset = (number - 1) * item.part_size
        length = min(item.part_size, item.size - offset)
        data: bytes | None = None
        if length <= self.settings.buffer_limit:
            with open(src.path, "rb") as fh:
                fh.seek(offset)
                data = fh.read(length)
            if len(data) != length:
                raise LocalFileError(f"{src.path} changed while it was being uploaded.")
            crc = crc32_b64(data)
        else:
            crc = file_crc32(src.path, offset, length)
        body = _Body(
            data, src.path, offset, length, self._bytes(item), self.engine.limiter, self.cancel
        )
        answer: Mapping[str, Any]
        try:
            if self.fast is not None and self.fast.can_send(length):
                answer = self.fast.upload_part(
                    self.bucket, item.key, item.upload_id, number, body, length, crc
                )
            else:
                answer = self.client.upload_part(
                    Bucket=self.bucket,
                    Key=item.key,
                    UploadId=item.upload_id,
                    PartNumber=number,
                    Body=body,  # type: ignore[arg-type]
                    ChecksumCRC32=crc,
                )
        except BaseException:
            body.rewind_progress()
            raise
        finally:
            body.close()
        try:
            self._verify(item.key, answer, crc, data)
        except IntegrityError:
            body.rewind_progress()
            raise
        etag = str(answer["ETag"])
        from s3uploader_gui.core.transfer_queue import JournalPart

        self.journal.add_part(item.journal.id, JournalPart(number, length, etag, crc))
        return etag, crc

    def _t_complete(self, item: _Upload, _: int) -> str:
        assert item.upload_id is not None
        numbers = sorted(item.parts)
        if numbers != list(range(1, item.parts_total + 1)):
            raise IntegrityError(f"s3://{self.bucket}/{item.key}: parts are missing.")
        answer: Mapping[str, Any]
        if self.fast is not None:
            answer = self.fast.complete_multipart_upload(
                self.bucket, item.key, item.upload_id, [(n, *item.parts[n]) for n in numbers]
            )
        else:
            parts = [
                {"PartNumber": n, "ETag": item.parts[n][0], "ChecksumCRC32": item.parts[n][1]}
                for n in numbers
            ]
            answer = self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=item.key,
                UploadId=item.upload_id,
                MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
            )
        expected = composite_crc32([item.parts[n][1] for n in numbers])
        echoed = answer.get("ChecksumCRC32")
        if echoed:
            mine = expected.split("-")[0]
            if str(echoed).split("-")[0] != mine:
                raise IntegrityError(
                    f"s3://{self.bucket}/{item.key}: the server assembled different data "
                    f"(CRC32 {echoed}, expected {expected}).",
                    code="ChecksumMismatch",
                )
            return "CRC32"
        head: Mapping[str, Any] = (
            self.fast.head_object(self.bucket, item.key)
            if self.fast is not None
            else self.client.head_object(Bucket=self.bucket, Key=item.key)
        )
        if int(head.get("ContentLength", -1)) != item.size:
            raise IntegrityError(
                f"s3://{self.bucket}/{item.key}: the server holds "
                f"{head.get('ContentLength')} bytes, {item.size} were sent.",
                code="SizeMismatch",
            )
        return "CRC32 parts"

    def _t_abort(self, item: _Upload, _: int) -> None:
        if item.upload_id:
            try:
                if self.fast is not None:
                    self.fast.abort_multipart_upload(self.bucket, item.key, item.upload_id)
                else:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=item.key, UploadId=item.upload_id
                    )
            except Exception as exc:
                err = self._err(exc, item.key)
                if not isinstance(err, NotFound):
                    raise err from exc


def _translate(exc: BaseException, *, bucket: str, key: str, endpoint: str | None) -> AppError:
    """``errors.translate``, seeing through botocore's wrapping of our own errors."""
    inner = getattr(exc, "kwargs", {}).get("error") if isinstance(exc, Exception) else None
    if isinstance(inner, AppError):
        return inner
    return translate(exc, bucket=bucket, key=key, endpoint=endpoint)


#: The cancel token of the batch whose request runs on this thread.
_current = threading.local()


def _stop_retrying_app_errors(
    caught_exception: BaseException | None = None, response: Any = None, **_: Any
) -> None:
    """botocore ``needs-retry`` hook: our own errors raised inside a request (Cancelled
    from a request body, a file that changed) must not be retried as network failures,
    and a cancelled batch must not sit through botocore's backoff."""
    failed = caught_exception is not None
    if not failed and response is not None:
        status = getattr(response[0], "status_code", 200) if response else 200
        failed = status >= 500 or status == 429
    token = getattr(_current, "cancel", None)
    if failed and token is not None and token.cancelled:
        raise Cancelled()
    note = getattr(_current, "on_retry", None)
    if failed and note is not None:
        note()  # botocore may retry: the item shows "retrying…"
    inner = getattr(caught_exception, "kwargs", {}).get("error") if caught_exception else None
    if isinstance(inner, AppError):
        raise inner
    if isinstance(caught_exception, AppError):
        raise caught_exception


_hooks_lock = threading.Lock()


def _install_hooks(client: S3Client) -> None:
    """Once per client: no retries of our own errors; no 100-continue on loopback."""
    if getattr(client.meta, "_s3uploader_hooks", False):
        return
    with _hooks_lock:
        if not getattr(client.meta, "_s3uploader_hooks", False):
            _register_hooks(client)


def _register_hooks(client: S3Client) -> None:
    events = client.meta.events
    events.register_first("needs-retry.s3", _stop_retrying_app_errors)
    if is_loopback_http(client.meta.endpoint_url):
        # "Expect: 100-continue" saves sending a body a remote server would refuse; on
        # this computer it only adds a round trip (and CPU) to every request.
        import botocore.handlers

        events.unregister("before-call.s3", botocore.handlers.add_expect_header)
    client.meta._s3uploader_hooks = True  # type: ignore[attr-defined]


def _gave_up(err: AppError, budget: float) -> AppError:
    """The last error of an item that kept failing, saying how long it was retried."""
    text = err.message.rstrip(".") + f" (retried for {budget:.0f} s; the upload can resume)."
    clone = type(err).__new__(type(err))
    clone.__dict__.update(err.__dict__)
    clone.message = text
    clone.args = (text,)
    return clone
