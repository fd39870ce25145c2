"""What a listing gives: buckets, objects and pages of them.

Plain values shared by the listing calls, the fast page reader and every caller that
shows or walks a bucket (the browser, the command line, the gallery).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class BucketInfo:
    name: str
    created: dt.datetime | None


@dataclass(frozen=True, slots=True)  # no __dict__: half the objects for the GC to walk
class ObjectInfo:
    key: str
    size: int
    last_modified: dt.datetime | None
    etag: str = ""
    storage_class: str = ""

    @property
    def name(self) -> str:
        """The last path component of the key."""
        return self.key.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Page:
    """One page of a listing: folders (common prefixes), objects and the next token."""

    prefixes: list[str]
    objects: list[ObjectInfo]
    next_token: str | None

    @property
    def is_last(self) -> bool:
        return self.next_token is None
