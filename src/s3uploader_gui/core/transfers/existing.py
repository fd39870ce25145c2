"""Which of an upload batch's planned keys already exist, learnt from a bounded listing
of the keys just ahead of the uploads instead of a HEAD for each.

A listing covers one folder level (``listing_range``) from just before the smallest
key of a slice of upcoming keys to past its largest. Its answer is trusted only for the
keys it covered and only for a short while: a key absent from an old listing may exist
now. (The PUT that follows is conditional where the server honours it, which closes the
rest of the gap; see ``UploadItems``.) Where the folder holds many more foreign keys
than planned ones, the listing stops within its budget and the remaining keys of that
folder get their HEAD as before. A page out of key order, or any failure, turns listing
off for the batch.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from s3uploader_gui.core.errors import LocalFileError
from s3uploader_gui.core.transfers.source import open_regular

if TYPE_CHECKING:  # an upload that lists nothing never loads the listing's types
    from s3uploader_gui.core.s3.listing_types import ObjectInfo, Page
    from s3uploader_gui.core.transfers.existing_spans import Slice, Span

#: Fewer planned keys than this in a folder: a HEAD each costs less than a listing.
MIN_KEYS = 8
#: At most this many upcoming keys per listing (one full page).
SLICE_KEYS = 1000
#: How long a listing's answer is trusted.
TRUST_S = 5.0

#: known()'s answer for a key no fresh listing covers.
UNKNOWN = object()

#: (prefix, start_after, continuation token, page size) → the page.
PageFn = Callable[[str, str, "str | None", int], "Page"]


def folder_of(key: str) -> str:
    """The folder-like prefix a key lives directly under ("" at the bucket's top)."""
    return key[: key.rfind("/") + 1]


class Unordered(Exception):
    """A listing page out of key order or outside its range: not trusted."""


class ExistingKeys:
    """The batch's knowledge of which keys exist (used on the coordinator's thread;
    ``fetch`` runs on a pool thread and touches nothing shared)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.spans: dict[str, list[Span]] = {}
        self.pending: dict[int, Slice] = {}
        self.dense: set[str] = set()  # folders whose listing ran out of budget
        self.off = False
        self._numbers = iter(range(1 << 62))

    def known(self, key: str) -> ObjectInfo | object | None:
        """The listed object at ``key``, None when a fresh listing shows none there, or
        UNKNOWN."""
        if self.off:
            return UNKNOWN
        now = self.clock()
        for span in reversed(self.spans.get(folder_of(key), ())):
            if now - span.at > TRUST_S:
                continue
            if span.after < key and (span.upto is None or key <= span.upto):
                return span.objects.get(key)
        return UNKNOWN

    def waiting_for(self, key: str) -> Slice | None:
        """A listing in flight whose answer may cover ``key``."""
        folder = folder_of(key)
        for planned in self.pending.values():
            if planned.folder == folder and planned.after < key <= planned.last:
                return planned
        return None

    def plan(self, key: str, upcoming: Iterable[str]) -> Slice | None:
        """A listing for ``key`` and the upcoming keys of its folder (``upcoming``, in
        the order they will start); None where a HEAD each is the better deal."""
        folder = folder_of(key)
        if self.off or folder in self.dense:
            return None
        keys = {key}
        for other in upcoming:
            if len(keys) >= SLICE_KEYS:
                break
            if folder_of(other) == folder:
                keys.add(other)
        if len(keys) < MIN_KEYS:
            return None
        from s3uploader_gui.core.transfers.existing_spans import Slice

        first, last = min(keys), max(keys)
        # Strictly before the smallest key: the key itself without its last character.
        after = first[:-1] if len(first) - 1 > len(folder) else ""
        planned = Slice(next(self._numbers), folder, after, last, len(keys))
        self.pending[planned.number] = planned
        return planned

    def fetch(self, planned: Slice, page: PageFn) -> Span:
        """List what ``planned`` covers, within its page budget (on a pool thread)."""
        from s3uploader_gui.core.transfers.existing_spans import Span

        at = self.clock()
        objects: dict[str, ObjectInfo] = {}
        seen = planned.after
        token: str | None = None
        for _ in range(planned.pages):
            answer = page(planned.folder, planned.after, token, planned.page_size)
            for obj in answer.objects:
                key = obj.key
                if not key.startswith(planned.folder) or "/" in key[len(planned.folder) :]:
                    raise Unordered(key)
                if key <= seen:
                    raise Unordered(key)
                seen = key
                objects[key] = obj
            token = answer.next_token
            if token is None:
                return Span(planned.folder, planned.after, None, objects, at)
            if seen >= planned.last:
                return Span(planned.folder, planned.after, seen, objects, at)
        return Span(planned.folder, planned.after, seen, objects, at, dense=True)

    def learnt(self, planned: Slice, span: Span | None) -> list[int]:
        """Record a listing's answer (None: it failed, listing ends for the batch);
        the items that waited for it."""
        self.pending.pop(planned.number, None)
        if span is None:
            self.off = True
        else:
            if span.dense:
                self.dense.add(span.folder)
            spans = self.spans.setdefault(span.folder, [])
            now = self.clock()
            spans[:] = [s for s in spans if now - s.at <= TRUST_S]
            spans.append(span)
        return planned.parked

    def parked(self) -> int:
        """How many items wait for a listing."""
        return sum(len(p.parked) for p in self.pending.values())


def listed_identical(path: Path, size: int, listed: ObjectInfo) -> bool | None:
    """Whether the local file holds the listed object, where the listing decides: a
    different size is a different object, a plain MD5 ETag equal to the file's MD5 the
    same one; None (a HEAD decides) otherwise."""
    if listed.size != size:
        return False
    etag = listed.etag.strip('"').lower()
    if len(etag) != 32 or any(c not in "0123456789abcdef" for c in etag):
        return None
    import hashlib  # not at start-up: the window imports this module

    digest = hashlib.md5(usedforsecurity=False)
    try:
        fd, _ = open_regular(path)  # never a FIFO, which would block
        with io.FileIO(fd, "rb", closefd=True) as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except (OSError, LocalFileError):
        return None
    # An ETag that is not the MD5 (some encryption) proves nothing.
    return True if digest.hexdigest() == etag else None
