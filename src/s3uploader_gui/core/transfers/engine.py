"""The TransferEngine: one per connection, it runs batches of uploads and downloads and
keeps what is costly to make warm across them (its thread pool, the lean sender, a
client with a bigger pool when needed, s3transfer's TransferManager).

The request path. An upload batch sends its requests either through the lean sender
(``core.s3.fastput``: "lean") or through botocore ("botocore"), as
``core.s3.fastput_setup.decide`` finds for the connection (and, per bucket,
``FastPut.serves``). ``TransferEngine.request_path`` and ``request_path_reason`` tell which
the last batch took and why; the first batch, and any that takes another path, logs it at
INFO as ``request path: lean|botocore (reason)``, and with
``S3UPLOADER_REPORT_REQUEST_PATH=1`` in the environment that line is also written to
standard error (for benchmarks and tests that run the command line as a user does).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import Cancelled
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Client, S3Context, make_client
from s3uploader_gui.core.transfers.control import BandwidthLimiter, BatchControl
from s3uploader_gui.core.transfers.downloads import run_downloads
from s3uploader_gui.core.transfers.model import (
    AskFn,
    ConflictPolicy,
    DownloadSource,
    ItemCallback,
    ItemResult,
    PrepareFn,
    StateCallback,
)
from s3uploader_gui.core.transfers.prepare import Preparer
from s3uploader_gui.core.transfers.progress import TransferProgress
from s3uploader_gui.core.transfers.settings import EngineSettings
from s3uploader_gui.core.transfers.task_threads import TaskThreads
from s3uploader_gui.core.transfers.upload_run import UploadRun

if TYPE_CHECKING:  # botocore/s3transfer load on first use (a worker), not at start-up
    from s3transfer.manager import TransferManager

    # Loaded with the first engine, not with the window (sqlite3, ssl, http.client).
    from s3uploader_gui.core.s3.fastput import FastPut
    from s3uploader_gui.core.s3.pipeline import Pipeline
    from s3uploader_gui.core.transfers.journal import Journal, JournalItem

log = logging.getLogger(__name__)


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
        from s3uploader_gui.core.transfers.journal import Journal

        self.journal = journal if journal is not None else Journal(":memory:")
        self._owns_journal = journal is None
        self._manager: TransferManager | None = None
        self._pool: TaskThreads | None = None
        self._pipeline: Pipeline | None = None
        self._client: S3Client | None = None
        self._fast: FastPut | None = None
        self._fast_checked = False
        #: "lean" or "botocore": the request path of the last batch (see the module's
        #: docstring), and in a few words why; None until it is decided.
        self.request_path: str | None = None
        self.request_path_reason = ""
        self._fast_reason = ""
        self._reported: tuple[str, str] | None = None
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
        """The lean sender, where it fits this connection (``fastput_setup.decide``:
        explicit keys need no botocore client, the credential chain only botocore's
        session)."""
        if not self._fast_checked:
            from s3uploader_gui.core.s3.fastput_setup import decide

            decision = decide(self.context, self._client or self.context.built_client)
            with self._lock:
                decided = not self._fast_checked
                if decided:
                    self._fast, self._fast_checked = decision.fast, True
            if decided:
                self.request_path = "lean" if decision.fast else "botocore"
                self.request_path_reason = self._fast_reason = decision.reason
            elif decision.fast is not None:
                decision.fast.close()
        return self._fast

    def fast_for(self, bucket: str) -> FastPut | None:
        """The lean sender for a batch to ``bucket``, or None; the request path the batch
        takes is reported (``request_path``, the log line)."""
        fast = self.fast
        if fast is not None and not fast.serves(bucket):
            self._report("botocore", f"{bucket} is an S3 Express directory bucket")
            return None
        self._report("lean" if fast else "botocore", self._fast_reason)
        return fast

    def _report(self, path: str, reason: str) -> None:
        self.request_path, self.request_path_reason = path, reason
        if self._reported == (path, reason):
            return  # one line per engine and path, not one per batch
        self._reported = (path, reason)
        log.info("request path: %s (%s)", path, reason)
        if os.environ.get("S3UPLOADER_REPORT_REQUEST_PATH") == "1":
            print(f"request path: {path} ({reason})", file=sys.stderr, flush=True)

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

    def _executor(self) -> TaskThreads:
        with self._lock:
            size = max(1, self.settings.max_concurrency)
            if self._pool is None or self._pool.size != size:
                if self._pool is not None:
                    self._pool.shutdown(Cancelled(), wait=False)
                self._pool = TaskThreads(size, "transfer")
            return self._pool

    def _pipelined(self) -> Pipeline:
        with self._lock:
            size = max(1, self.settings.max_concurrency)
            if self._pipeline is None or self._pipeline.size != size:
                if self._pipeline is not None:
                    self._pipeline.shutdown(Cancelled(), wait=False)
                from s3uploader_gui.core.s3.pipeline import Pipeline

                self._pipeline = Pipeline(size, "upload_pipeline")
            return self._pipeline

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
            if self._pipeline is not None:
                # First: a task it hands over needs the transfer threads.
                self._pipeline.shutdown(Cancelled(), wait=True)
                self._pipeline = None
            if self._pool is not None:
                self._pool.shutdown(Cancelled(), wait=True)
                self._pool = None
            if self._fast is not None:
                self._fast.close()
            self._fast, self._fast_checked = None, False
            if self._owns_journal:
                self.journal.close()
                from s3uploader_gui.core.transfers.journal import Journal

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
        reserved: Collection[str] = (),
        conflict: ConflictPolicy | None = None,
        on_notice: Callable[[str], None] | None = None,
    ) -> list[ItemResult]:
        """Upload every source; one failure never stops the others.

        With ``prepare``, each source is first turned into the file to upload, on
        ``prepare_workers`` threads (default: one per core) running ahead of the uploads.
        ``on_item``, ``on_start``, ``on_state`` and ``ask`` run on the calling thread.

        ``conflict`` overrides the settings' policy for this batch. Two items never go to
        one key: one whose key another item holds is renamed under RENAME (``a (1).jpg``)
        and fails with a ``KeyClash`` error otherwise. A rename (for this reason, or
        because the server has the key) never lands on another item's key nor on one of
        ``reserved`` (keys the caller keeps for other uploads, e.g. a plan's). An item
        whose request the server answered as stored is DONE even when ``cancel`` or a
        pause came while the answer was on its way; CANCELLED means not stored.

        The journal never fails an item: when it cannot be written, resuming is off for
        this batch and ``on_notice`` gets one sentence saying so (once). A journal found
        damaged during an earlier batch is set aside (kept) and a new one started first.
        """
        if self.journal.damaged:
            try:
                self.journal.recover()
            except Exception as exc:  # this batch's view will say it cannot write
                log.warning("cannot start a new transfer journal: %s", exc)
        cancel = cancel or CancelToken()
        preparer = (
            Preparer(sources, prepare, cancel, prepare_workers or os.cpu_count() or 2)
            if prepare is not None
            else None
        )
        run = UploadRun(
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
            reserved,
            conflict,
            on_notice,
        )
        return run.run()  # which writes the grouped finished marks before it returns

    def discard(self, items: Sequence[JournalItem]) -> None:
        """Forget journaled uploads the user will not resume, aborting their multipart
        uploads: only those nobody running works on (another instance may have taken one
        up since it was offered: it is left alone, upload and row)."""
        taken = set(self.journal.claim([i.id for i in items]))
        client = self.client
        for item in items:
            if item.id in taken and item.upload_id:
                with contextlib.suppress(Exception):
                    client.abort_multipart_upload(
                        Bucket=item.bucket, Key=item.key, UploadId=item.upload_id
                    )
        self.journal.forget(sorted(taken))

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
        conflict: ConflictPolicy | Sequence[ConflictPolicy] = ConflictPolicy.OVERWRITE,
    ) -> list[ItemResult]:
        """Download every source to its path; one failure never stops the others.

        Each object goes to a temporary file beside its path, with ``If-Match`` set to the
        source's ETag when it has one (an object changed since fails with IntegrityError);
        its size is checked (and the object's checksum where the server keeps a full-object
        one: botocore validates it while reading), and only then does it take its name.
        ``conflict`` (one policy for all, or one per source) decides about a local file at
        the path: OVERWRITE replaces it, RENAME lands as ``name (1).ext``, SKIP_IDENTICAL
        skips it when identical and replaces it otherwise, SKIP (and ASK) keep it. Only
        OVERWRITE (or SKIP_IDENTICAL, for a file found different) ever replaces a file: a
        file that appears at the path during the download is kept (skipped; RENAME picks
        the next free name). ``on_item`` and ``on_start`` run on the calling thread.
        """
        policies = (
            [conflict] * len(sources) if isinstance(conflict, ConflictPolicy) else list(conflict)
        )
        return run_downloads(
            self, bucket, sources, policies, progress or TransferProgress(),
            cancel or CancelToken(), on_item, on_start,
        )  # fmt: skip
