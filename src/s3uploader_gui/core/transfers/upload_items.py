"""How an upload batch moves an item on when a request answers (a conflict to resolve, a
multipart plan, a retry within the time budget) and how an item ends (progress, journal,
the result the caller sees)."""

from __future__ import annotations

import heapq
import itertools
import math
import queue
import time
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from s3uploader_gui.core.errors import (
    AccessDenied,
    AclNotSupported,
    AppError,
    AuthError,
    Cancelled,
    IntegrityError,
    LocalFileError,
    NotFound,
    ServerError,
)
from s3uploader_gui.core.naming import key_clash, normalize_key, renamed_key
from s3uploader_gui.core.transfers.existing import (
    SLICE_KEYS,
    UNKNOWN,
    ExistingKeys,
    listed_identical,
)
from s3uploader_gui.core.transfers.model import (
    AskFn,
    Conflict,
    ConflictPolicy,
    ItemCallback,
    ItemResult,
    ItemStatus,
    StateCallback,
)
from s3uploader_gui.core.transfers.prepare import Preparer, discard
from s3uploader_gui.core.transfers.retry import is_transient, retried
from s3uploader_gui.core.transfers.upload_requests import Part, UploadRequests
from s3uploader_gui.core.transfers.upload_state import Delayed, Upload

if TYPE_CHECKING:  # an upload that lists nothing never loads the listing's types
    from s3uploader_gui.core.s3.listing_types import ObjectInfo
    from s3uploader_gui.core.transfers.existing_spans import Span


class UploadItems(UploadRequests):
    """The items of an upload batch: a base class of ``UploadRun``, which sets the
    attributes below."""

    on_item: ItemCallback | None
    on_state: StateCallback | None
    ask: AskFn | None
    preparer: Preparer | None
    results: dict[int, ItemResult]
    active: list[int]
    ready: deque[tuple[str, int, int]]
    delayed: list[Delayed]
    items: list[Upload]
    #: Each key of the batch and the item that holds it (-1: reserved by the caller).
    claims: dict[str, int]
    seq: itertools.count[int]
    notices: queue.SimpleQueue[int]
    #: Items not started yet, in the order they will start.
    waiting: deque[int]
    #: What listings showed of the batch's keys (None: the policy overwrites anyway).
    existing: ExistingKeys | None
    #: Whether a PUT to a key found free is sent conditionally (the server may refuse).
    condition: bool

    def _state(self, index: int, status: ItemStatus, detail: str = "") -> None:
        if self.on_state is not None:
            self.on_state(index, status, detail)

    def _finish(
        self,
        item: Upload,
        status: ItemStatus,
        error: AppError | None = None,
        detail: str = "",
    ) -> None:
        if item.file is not None:
            item.file.close()
            item.file = None
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
            discard(item.src)
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

    def _end_when_idle(self, item: Upload, status: ItemStatus, error: AppError | None) -> None:
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
        if item.upload_id and (item.ending == ItemStatus.CANCELLED or item.discard_upload):
            self.ready.appendleft(("abort", item.index, 0))  # its completion finishes it
            return
        if item.ending == ItemStatus.PAUSED:
            self._state(item.index, ItemStatus.PAUSED)
        self._finish(item, item.ending, item.ending_error)

    def _upload(self, item: Upload) -> None:
        if item.size >= self.settings.multipart_threshold:
            self.ready.append(("create", item.index, 0))
        else:
            self.ready.append(("put", item.index, 0))

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

    # -- outcomes ----------------------------------------------------------------------------
    def _succeeded(self, item: Upload, task: tuple[str, int, int], value: Any) -> None:
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
        if kind in ("put", "complete"):
            # The server answered that it stored the object: that is what happened, even
            # when a cancel or a pause came while the answer was on its way.
            item.verified = value
            self._finish(item, ItemStatus.DONE)
            return
        if item.ending is not None:
            if kind == "part":
                self._part_done(item, number, value)
            elif kind == "create":
                # Cancelled or paused while the upload was being created: keep its id, so
                # a cancel aborts it (instead of leaving it on the server) and a pause can
                # resume it.
                item.upload_id = value[0]
            return
        if kind == "check":
            self._resolve_conflict(item, value)
        elif kind == "create":
            self._planned(item, value)
        elif kind == "part":
            self._part_done(item, number, value)
            if len(item.parts) == item.parts_total:
                self.ready.appendleft(("complete", index, 0))

    @staticmethod
    def _part_done(item: Upload, number: int, part: Part) -> None:
        etag, crc, check = part
        item.parts[number] = (etag, crc)
        item.part_checks[number] = check

    def _failed(self, item: Upload, task: tuple[str, int, int], exc: BaseException) -> None:
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
        if kind == "put" and self._taken(item, err):
            return
        if kind == "complete" and isinstance(err, NotFound) and err.code == "NoSuchUpload":
            # The server forgot the upload (expired, aborted elsewhere): start it over.
            self._restart_multipart(item)
            return
        if isinstance(err, LocalFileError) and err.code == "FileChanged":
            # Its parts hold bytes from before and after the change: never complete it,
            # and do not leave it on the server for a resume either.
            item.discard_upload = True
            self._end_when_idle(item, ItemStatus.FAILED, err)
            return
        # A completed upload whose object is not what was sent: sending the completion
        # again cannot mend it (and the server has forgotten the upload).
        assembled = kind == "complete" and isinstance(err, IntegrityError)
        if _retryable(err) and not assembled and not self.cancel.cancelled:
            now = time.monotonic()
            if item.retry_since is None:
                item.retry_since = now
            if now - item.retry_since < self.settings.retry_budget_s:
                item.attempt += 1
                delay = min(8.0, 0.25 * 2 ** min(item.attempt, 6))
                left = self.settings.retry_budget_s - (now - item.retry_since)
                delay = max(0.05, min(delay, left))
                heapq.heappush(self.delayed, Delayed(now + delay, next(self.seq), task))
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

    def _check(self, item: Upload, first: bool = False) -> None:
        """Find out whether ``item``'s key exists, then resolve it: from a fresh listing
        where one covers the key (or one is planned), else with a HEAD (``first``: ahead
        of the queue). A multipart upload keeps its HEAD right before it starts."""
        lookup = self.existing
        if lookup is not None and item.size < self.settings.multipart_threshold:
            found = lookup.known(item.key)
            if found is not UNKNOWN:
                # Not UNKNOWN: the listed object, or None where the listing shows none.
                self._listed(item, cast("ObjectInfo | None", found))
                return
            planned = lookup.waiting_for(item.key)
            if planned is None:
                planned = lookup.plan(item.key, self._upcoming(item))
                if planned is not None:
                    self.ready.appendleft(("list", -1, planned.number))
            if planned is not None:
                planned.parked.append(item.index)
                return
        task = ("check", item.index, 0)
        if first:
            self.ready.appendleft(task)
        else:
            self.ready.append(task)

    def _upcoming(self, item: Upload) -> list[str]:
        """The keys of the small items due to start next, in order (bounded scan)."""
        threshold = self.settings.multipart_threshold
        keys = []
        for index in itertools.islice(self.waiting, 4 * SLICE_KEYS):
            other = self.items[index]
            if other.size < threshold and index != item.index:
                keys.append(other.key)
        return keys

    def _listed(self, item: Upload, found: ObjectInfo | None) -> None:
        """Resolve ``item`` from what a listing showed at its key (None: nothing)."""
        if found is None:
            self._resolve_conflict(item, None)
            return
        if item.maybe_stored and found.size == item.size:
            self.ready.append(("check", item.index, 0))  # its own bytes? a HEAD tells
            return
        head: dict[str, Any] = {
            "ContentLength": found.size,
            "ETag": found.etag,
            "LastModified": found.last_modified,
        }
        if self.policy == ConflictPolicy.SKIP_IDENTICAL:
            src = item.src or item.source
            identical = listed_identical(src.path, src.size, found)
            if identical is None:
                self.ready.append(("check", item.index, 0))  # the checksum decides
                return
            head["_identical"] = identical
        self._resolve_conflict(item, head)

    def _list_done(self, number: int, span: Span | None) -> None:
        """A listing answered (None: it failed): its waiting items go on."""
        assert self.existing is not None
        planned = self.existing.pending.get(number)
        if planned is None:
            return
        for index in self.existing.learnt(planned, span):
            item = self.items[index]
            if index in self.results or item.ending is not None:
                continue
            self._check(item)

    def _resolve_conflict(self, item: Upload, head: Mapping[str, Any] | None) -> None:
        item.unless_exists = False
        if head is None:
            if item.rename_from:
                self._rekey(item)
            item.unless_exists = True
            self._upload(item)
            return
        if head.get("_own"):
            item.verified = str(head["_own"])
            self._finish(item, ItemStatus.DONE)
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
            self._rename(item)
            self._check(item, first=True)

    def _taken(self, item: Upload, err: AppError) -> bool:
        """A conditional PUT refused: the key appeared since it was found free (it goes
        through the conflict policy again), or the server refuses the condition (sent
        again without it). False: neither, the error takes its usual course."""
        if not item.unless_exists:
            return False
        if err.code in _PRECONDITION and item.taken < 3:
            item.taken += 1
            item.unless_exists = False
            self.ready.appendleft(("check", item.index, 0))
            return True
        if err.code in _UNSUPPORTED and not err.fatal and self.condition:
            self.condition = False  # for the rest of the batch
            self.ready.appendleft(("put", item.index, 0))
            return True
        return False

    # -- keys within the batch -----------------------------------------------------------
    def _claim(self, item: Upload, key: str | None = None) -> AppError | None:
        """Make ``key`` (default: the item's own) this item's within the batch, or say why
        it cannot be.

        Another item of the batch (or a key the caller reserved) may already hold it:
        under RENAME the item takes the next free alternative name, under every other
        policy it is not sent (a KeyClash error to finish it with).
        """
        key = item.key if key is None else key
        owner = self.claims.get(normalize_key(key))
        if owner is None or owner == item.index:
            self._take(item, key)
            return None
        if self.policy == ConflictPolicy.RENAME:
            self._release(item)
            item.key = key
            self._rename(item)
            return None
        other = self.items[owner].source.path if owner >= 0 else None
        return key_clash(key, other)

    def _take(self, item: Upload, key: str) -> None:
        """``key`` is now ``item``'s: the key it held before is free again."""
        self._release(item)
        self.claims[normalize_key(key)] = item.index
        item.key = key

    def _release(self, item: Upload) -> None:
        held = normalize_key(item.key)
        if self.claims.get(held) == item.index:
            del self.claims[held]

    def _rename(self, item: Upload) -> None:
        """The next alternative name (``a (n).jpg``) that no other item of the batch holds
        or will take, nor a key the caller reserved."""
        if not item.rename_from:
            item.rename_from = item.key
        while True:
            item.rename_n += 1
            candidate = renamed_key(item.rename_from, item.rename_n)
            if self.claims.get(normalize_key(candidate), item.index) == item.index:
                break
        self._take(item, candidate)

    def _rekey(self, item: Upload) -> None:
        if item.journal is not None:
            self.journal.set_key(item.journal.id, item.key)

    def _planned(self, item: Upload, plan: tuple[str, int, dict[int, Part]]) -> None:
        upload_id, part_size, confirmed = plan
        item.upload_id = upload_id
        item.part_size = part_size
        item.parts_total = max(1, math.ceil(item.size / part_size))
        item.parts.clear()
        item.part_checks.clear()
        for number, part in confirmed.items():
            self._part_done(item, number, part)
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

    def _restart_multipart(self, item: Upload) -> None:
        if item.journal is not None:
            self.journal.set_multipart(item.journal.id, None, None, None)
        done = sum(min(item.part_size, item.size - (n - 1) * item.part_size) for n in item.parts)
        self.progress.advance(item.index, -done)
        item.upload_id = None
        item.parts.clear()
        item.part_checks.clear()
        self.ready.appendleft(("create", item.index, 0))


#: A conditional request refused because the key holds an object.
_PRECONDITION = {"PreconditionFailed", "412", "ConditionalRequestConflict"}
#: A server that does not understand the condition at all.
_UNSUPPORTED = {"NotImplemented", "501", "InvalidArgument", "InvalidRequest"}


def _retryable(err: AppError) -> bool:
    """Failures worth another try for an upload: the transient ones, a garbled body, and a
    server error without a code (a part can be sent again at no risk)."""
    if is_transient(err) or isinstance(err, IntegrityError):
        return True
    return isinstance(err, ServerError) and err.code in {"ServerError", ""}


def _gave_up(err: AppError, budget: float) -> AppError:
    """The last error of an item that kept failing, saying how long it was retried."""
    return retried(err, budget, "; the upload can resume")
