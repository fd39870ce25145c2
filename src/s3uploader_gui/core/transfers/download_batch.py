"""Downloads through s3transfer's TransferManager, written so that a user's file is never
lost: a window of transfers in flight, progress fed back from its threads, and each file
checked before it takes its name.

Each object is written to a temporary dot-file beside its target
(``.<name>.s3uploader-<random>.part``, see ``partials``: locked while in use, removed by
the next download into its folder when a crash left it). The GET carries
``If-Match`` with the ETag the caller saw when listing, so an object replaced in the
meantime answers 412 instead of sending other bytes; the size is checked; only then does
the file take its name. With OVERWRITE it replaces the target (``os.replace``); with any
other policy it is linked to the target without clobbering (``os.link`` fails when the
name exists), so a file that appeared during the download is kept. A failed, cancelled
or interrupted item leaves the target as it was and removes its temporary file.
"""

from __future__ import annotations

import contextlib
import enum
import heapq
import os
import queue
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import (
    Cancelled,
    IntegrityError,
    translate,
)
from s3uploader_gui.core.naming import renamed_key
from s3uploader_gui.core.s3.client import S3Client
from s3uploader_gui.core.transfers.checksums import same_content
from s3uploader_gui.core.transfers.model import (
    ConflictPolicy,
    DownloadSource,
    ItemCallback,
    ItemResult,
    ItemStatus,
)
from s3uploader_gui.core.transfers.partials import create_partial, partial_name, remove_stale
from s3uploader_gui.core.transfers.partials import is_partial_download as is_partial_download
from s3uploader_gui.core.transfers.progress import TransferProgress
from s3uploader_gui.core.transfers.retry import is_transient, retried

if TYPE_CHECKING:
    from s3uploader_gui.core.transfers.parts import EngineParts

#: The longest file name most file systems allow, in bytes (when pathconf cannot tell).
DEFAULT_NAME_MAX = 255


def name_max(folder: Path) -> int:
    """The longest file name (bytes) in ``folder``, or its nearest existing ancestor."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        return int(os.pathconf(probe, "PC_NAME_MAX"))
    except (AttributeError, ValueError, OSError):  # no pathconf (Windows), or unknown
        return DEFAULT_NAME_MAX


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def local_matches(client: S3Client, bucket: str, src: DownloadSource) -> bool:
    """True when the local file has the object's size and checksum (or MD5 ETag)."""
    try:
        if src.path.stat().st_size != src.size:
            return False
        head = client.head_object(Bucket=bucket, Key=src.key, ChecksumMode="ENABLED")
    except Exception:
        return False
    return same_content(src.path, head)


def quoted_etag(etag: str) -> str:
    """An ETag as HTTP sends it (listings give it without its quotes)."""
    etag = etag.strip()
    if etag.startswith(("W/", '"')):
        return etag
    return f'"{etag}"'


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
        self._etag = quoted_etag(etag) if etag else None

    def on_queued(self, future: Any, **kwargs: Any) -> None:
        if self._etag is None:
            return
        # s3transfer puts the ETag in If-Match on ranged GETs only; the single GET of a
        # small object gets it through the call's arguments (set here, after s3transfer
        # validated them: IfMatch is not among the download arguments it accepts).
        future.meta.call_args.extra_args["IfMatch"] = self._etag
        future.meta.provide_object_etag(self._etag)
        if self._size is not None:  # known size and ETag: s3transfer skips its HEAD
            future.meta.provide_transfer_size(self._size)

    def on_progress(self, future: Any, bytes_transferred: int, **kwargs: Any) -> None:
        self._progress.advance(self._index, bytes_transferred)

    def on_done(self, future: Any, **kwargs: Any) -> None:
        self._done.put(self._index)


class _Mode(enum.Enum):
    REPLACE = "replace"  # os.replace: the policy allows replacing the target
    CREATE = "create"  # link without clobbering: a file already there is kept


@dataclass
class _Flight:
    """One download in progress: where it goes, how it lands, and its temporary file."""

    target: Path
    mode: _Mode
    temp: Path
    fh: BinaryIO
    future: Any = None


def _object_changed(exc: BaseException) -> bool:
    """True when the server refused the GET's If-Match: the object is not the one planned.

    s3transfer reports it as S3DownloadFailedError raised while handling the 412.
    """
    for cause in (exc, exc.__cause__, exc.__context__):
        if cause is not None and translate(cause).code in ("PreconditionFailed", "412"):
            return True
    return False


def _link_no_clobber(temp: Path, target: Path) -> None:
    """Give ``temp`` the name ``target``; FileExistsError (and ``temp`` kept) when taken."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError:
        # No hard links here (FAT, some network shares): claim the name exclusively,
        # then move the checked file over the empty file this call just created.
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.close(fd)
        try:
            os.replace(temp, target)
        except OSError:
            with contextlib.suppress(OSError):
                target.unlink()
            raise
        return
    os.unlink(temp)


class DownloadBatch:
    """One call of ``TransferEngine.download``: decides, fetches, checks and lands each item.

    ``on_item`` and ``on_start`` run on the calling thread.
    """

    def __init__(
        self,
        engine: EngineParts,
        bucket: str,
        sources: Sequence[DownloadSource],
        policies: Sequence[ConflictPolicy],
        progress: TransferProgress,
        cancel: CancelToken,
        on_item: ItemCallback | None,
        on_start: Callable[[int], None] | None,
    ) -> None:
        if len(policies) != len(sources):
            raise ValueError("one conflict policy per source")
        self.engine = engine
        self.bucket = bucket
        self.sources = sources
        self.policies = policies
        self.progress = progress
        self.cancel = cancel
        self.on_item = on_item
        self.on_start = on_start
        self.endpoint = engine.context.settings.endpoint_url
        self.results: dict[int, ItemResult] = {}
        self.done: queue.Queue[int] = queue.Queue()
        #: Items waiting for another try: (when, index), soonest first.
        self._delayed: list[tuple[float, int]] = []
        self._retry_since: dict[int, float] = {}
        self._decided: dict[int, tuple[Path, _Mode]] = {}
        self._attempts: dict[int, int] = {}
        #: Items that failed after retrying, and for how long (seconds).
        self._gave_up: dict[int, float] = {}
        # A "keep both" name never takes a name another item of the batch lands on
        # (compared loosely: case and Unicode form, as some file systems do).
        self._claimed = {self._loose(s.path) for s in sources}

    @staticmethod
    def _loose(path: Path) -> str:
        return unicodedata.normalize("NFC", str(path)).casefold()

    # -- deciding ----------------------------------------------------------------------
    def _free_name(self, target: Path) -> Path:
        """The first ``name (n).ext`` beside ``target`` that is free."""
        n = 1
        while True:
            candidate = target.with_name(renamed_key(target.name, n))
            if not _exists(candidate) and self._loose(candidate) not in self._claimed:
                return candidate
            n += 1

    def _decide(self, index: int) -> tuple[Path, _Mode] | str:
        """Where item ``index`` lands and how, or why it is skipped."""
        src, policy = self.sources[index], self.policies[index]
        target = src.path
        if not _exists(target):
            return target, _Mode.REPLACE if policy is ConflictPolicy.OVERWRITE else _Mode.CREATE
        if policy is ConflictPolicy.OVERWRITE:
            return target, _Mode.REPLACE
        if policy is ConflictPolicy.RENAME:
            renamed = self._free_name(target)
            self._claimed.add(self._loose(renamed))
            return renamed, _Mode.CREATE
        if policy is ConflictPolicy.SKIP_IDENTICAL:
            if local_matches(self.engine.client, self.bucket, src):
                return "the local file is identical"
            return target, _Mode.REPLACE
        return "the local file exists"  # SKIP, or ASK that nobody answered

    # -- running -----------------------------------------------------------------------
    def _record(self, result: ItemResult) -> None:
        self.results[result.index] = result
        if result.status != ItemStatus.DONE:
            # Bytes that will never move leave the total, so the bar can reach 100 %.
            self.progress.remove_item(result.index, self.sources[result.index].size)
        self.progress.finish_item(result.index)
        if self.on_item is not None:
            self.on_item(result)

    def _fail(self, index: int, path: Path, exc: BaseException) -> None:
        key = self.sources[index].key
        err = translate(exc, bucket=self.bucket, key=key, endpoint=self.endpoint)
        if _object_changed(exc):
            err = IntegrityError(
                f"s3://{self.bucket}/{key} changed after it was listed (its ETag no longer "
                "matches): nothing was saved, any local file was left as it was.",
                code="PreconditionFailed",
            )
        budget = self._gave_up.get(index)
        if budget is not None:
            err = retried(err, budget)
        status = ItemStatus.CANCELLED if isinstance(err, Cancelled) else ItemStatus.FAILED
        self._record(ItemResult(index, key, path, status, 0, err))

    def _start(self, index: int) -> _Flight | None:
        """Submit item ``index``; None when it was skipped (and recorded)."""
        src = self.sources[index]
        decision = self._decided.get(index)  # another try lands where the first would
        if decision is None:
            decided = self._decide(index)
            if isinstance(decided, str):
                self._record(
                    ItemResult(index, src.key, src.path, ItemStatus.SKIPPED, detail=decided)
                )
                return None
            decision = self._decided[index] = decided
            if self.on_start is not None:
                self.on_start(index)
        target, mode = decision
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(partial_name(target.name, name_max(target.parent)))
        fd = create_partial(temp)  # locked while open: see ``partials``
        flight = _Flight(target, mode, temp, os.fdopen(fd, "wb"))
        try:
            sub = Subscriber(index, self.progress, self.done, src.size, src.etag)
            # Subscriber is an s3transfer subscriber by duck typing (see its docstring).
            subscribers: list[Any] = [sub]
            flight.future = self.engine.manager.download(
                self.bucket, src.key, flight.fh, subscribers=subscribers
            )
        except BaseException:
            self._discard(flight)
            raise
        return flight

    @staticmethod
    def _discard(flight: _Flight) -> None:
        with contextlib.suppress(OSError):
            flight.fh.close()
        with contextlib.suppress(OSError):
            flight.temp.unlink()

    def _land(self, index: int, flight: _Flight) -> ItemResult:
        """Check the temporary file and give it its name; raises when the check fails."""
        src = self.sources[index]
        try:
            flight.future.result()
            flight.fh.flush()
            actual = os.fstat(flight.fh.fileno()).st_size
            if actual != src.size:
                raise IntegrityError(
                    f"s3://{self.bucket}/{src.key}: {actual} bytes arrived, {src.size} "
                    "expected: nothing was saved, any local file was left as it was.",
                    code="SizeMismatch",
                )
            if flight.mode is _Mode.REPLACE and _exists(flight.target):
                os.fsync(flight.fh.fileno())  # the new bytes are on disk before the old go
        finally:
            flight.fh.close()
        detail = "size, ETag" if src.etag else "size"
        target = flight.target
        if flight.mode is _Mode.REPLACE:
            os.replace(flight.temp, target)
            return ItemResult(index, src.key, target, ItemStatus.DONE, src.size, detail=detail)
        while True:
            try:
                _link_no_clobber(flight.temp, target)
            except FileExistsError:
                if self.policies[index] is not ConflictPolicy.RENAME:
                    flight.temp.unlink()
                    return ItemResult(
                        index,
                        src.key,
                        target,
                        ItemStatus.SKIPPED,
                        detail="a local file appeared there during the download; it was kept",
                    )
                target = self._free_name(target)
                continue
            return ItemResult(index, src.key, target, ItemStatus.DONE, src.size, detail=detail)

    def run(self) -> list[ItemResult]:
        """Download every source; one failure never stops the others.

        An item that fails for a transient reason (the network, an overloaded server) is
        tried again after a pause, for up to ``retry_budget_s`` seconds. Whatever ends
        the batch (a cancel, an exception from a callback), no temporary file of its is
        left behind.
        """
        for i, src in enumerate(self.sources):
            self.progress.add_item(i, src.size)
        # What an earlier run that crashed left in these folders goes first.
        for folder in {src.path.parent for src in self.sources}:
            remove_stale(folder)
        pending = deque(range(len(self.sources)))
        in_flight: dict[int, _Flight] = {}
        settings = self.engine.settings
        window = settings.window or max(4, 2 * settings.max_concurrency)
        try:
            while pending or in_flight or self._delayed:
                self._promote(pending)
                while pending and len(in_flight) < window and not self.cancel.cancelled:
                    index = pending.popleft()
                    try:
                        flight = self._start(index)
                    except Exception as exc:
                        self._fail(index, self.sources[index].path, exc)
                        continue
                    if flight is not None:
                        in_flight[index] = flight
                if self.cancel.cancelled:
                    for flight in in_flight.values():
                        flight.future.cancel()
                    pending.extend(index for _, index in sorted(self._delayed))
                    self._delayed.clear()
                    while pending:
                        index = pending.popleft()
                        src = self.sources[index]
                        self._record(
                            ItemResult(
                                index, src.key, src.path, ItemStatus.CANCELLED, 0, Cancelled()
                            )
                        )
                if not in_flight:
                    if self._delayed:
                        self.cancel.wait(max(0.0, min(0.1, self._delayed[0][0] - time.monotonic())))
                    continue
                try:
                    index = self.done.get(timeout=0.1)
                except queue.Empty:
                    continue
                flight = in_flight.pop(index)
                try:
                    result = self._land(index, flight)
                except Exception as exc:
                    self._discard(flight)
                    if not self._retry_later(index, exc):
                        self._fail(index, flight.target, exc)
                    continue
                if result.status is ItemStatus.DONE:
                    self.progress.set_item(index, result.bytes)
                self._record(result)
        finally:
            # Interrupted (an exception from a callback, the engine closing): the
            # transfers still running are stopped and their temporary files removed.
            for flight in in_flight.values():
                with contextlib.suppress(Exception):
                    flight.future.cancel()
                self._discard(flight)
        return [self.results[i] for i in range(len(self.sources))]

    # -- retrying ----------------------------------------------------------------------
    def _promote(self, pending: deque[int]) -> None:
        """Items whose pause before another try is over go first."""
        now = time.monotonic()
        while self._delayed and self._delayed[0][0] <= now:
            pending.appendleft(heapq.heappop(self._delayed)[1])

    def _retry_later(self, index: int, exc: BaseException) -> bool:
        """Schedule another try of item ``index`` when ``exc`` is transient and the retry
        budget allows; False when the item fails now."""
        if self.cancel.cancelled or _object_changed(exc):
            return False
        err = translate(exc, bucket=self.bucket, key=self.sources[index].key)
        if not is_transient(err):
            return False
        now = time.monotonic()
        since = self._retry_since.setdefault(index, now)
        budget = self.engine.settings.retry_budget_s
        if now - since >= budget:
            self._gave_up[index] = budget
            return False
        attempt = self._attempts[index] = self._attempts.get(index, 0) + 1
        delay = max(0.05, min(8.0, 0.25 * 2 ** min(attempt, 6), budget - (now - since)))
        self.progress.set_item(index, 0)  # the bytes of the broken try count no more
        heapq.heappush(self._delayed, (now + delay, index))
        return True


def run_downloads(
    engine: EngineParts,
    bucket: str,
    sources: Sequence[DownloadSource],
    policies: Sequence[ConflictPolicy],
    progress: TransferProgress,
    cancel: CancelToken,
    on_item: ItemCallback | None,
    on_start: Callable[[int], None] | None,
) -> list[ItemResult]:
    """Download ``sources`` (one conflict policy each) as ``TransferEngine.download`` says."""
    batch = DownloadBatch(engine, bucket, sources, policies, progress, cancel, on_item, on_start)
    return batch.run()
