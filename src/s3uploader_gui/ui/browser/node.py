"""The rows of the bucket browser: buckets, folders (prefixes), searches and objects.

A row is a ``Node`` with ``__slots__``; only containers carry a ``Listing`` (children,
paging state), so an object row costs a few hundred bytes with its key. The columns,
roles and kinds the models and views share are named here too.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from s3uploader_gui.core.naming import is_image_name

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.listing import PageStream


class Column(enum.IntEnum):
    NAME = 0
    SIZE = 1
    MODIFIED = 2
    REGION = 3


class Role(enum.IntEnum):
    KIND = Qt.ItemDataRole.UserRole + 1
    BUCKET = Qt.ItemDataRole.UserRole + 2
    KEY = Qt.ItemDataRole.UserRole + 3
    SIZE = Qt.ItemDataRole.UserRole + 4
    ETAG = Qt.ItemDataRole.UserRole + 5
    IS_IMAGE = Qt.ItemDataRole.UserRole + 6
    #: A QPixmap thumbnail once loaded (asking for it queues the load), else None.
    THUMBNAIL = Qt.ItemDataRole.UserRole + 7


class Kind(enum.StrEnum):
    BUCKET = "bucket"
    FOLDER = "folder"
    OBJECT = "object"


class Listing:
    """Paging state and children of a container (bucket, folder or search result)."""

    __slots__ = (
        "children",
        "error",
        "fetched",
        "fetching",
        "next_token",
        "pages",
        "region",
        "stream",
        "synthetic",
    )

    def __init__(self) -> None:
        self.children: list[Node] = []
        self.fetched = False  # the first page has arrived
        self.fetching = False
        self.next_token: str | None = None
        self.pages = 0
        self.error = ""
        self.region = ""  # buckets only
        #: Rows were added outside the paging sequence (a folder opened before it was
        #: listed): later pages must be checked for duplicates.
        self.synthetic = False
        #: The pipelined listing that gives the next pages (open while paging).
        self.stream: PageStream | None = None


_NO_CHILDREN: list[Node] = []


class Node:
    """One row: a bucket, a folder (prefix "a/b/"), a search result, or an object."""

    __slots__ = ("bucket", "etag", "key", "kind", "listing", "mtime", "parent", "search", "size")

    def __init__(
        self,
        kind: Kind,
        bucket: str,
        key: str,
        parent: Node | None,
        *,
        size: int = 0,
        mtime: float = 0.0,
        etag: str = "",
        search: bool = False,
    ) -> None:
        self.kind = kind
        self.bucket = bucket
        self.key = key  # the prefix for folders ("a/b/"), the key for objects, "" for buckets
        self.parent = parent
        self.size = size
        self.mtime = mtime  # POSIX seconds; 0.0 when unknown
        self.etag = etag
        self.search = search  # a server-side prefix search (key: the searched prefix)
        self.listing: Listing | None = None if kind == Kind.OBJECT else Listing()

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.bucket!r}, {self.key!r})"

    @property
    def name(self) -> str:
        if self.kind == Kind.BUCKET:
            return self.bucket
        return self.key.rstrip("/").rsplit("/", 1)[-1]

    @property
    def is_container(self) -> bool:
        return self.listing is not None

    @property
    def is_image(self) -> bool:
        return self.kind == Kind.OBJECT and is_image_name(self.key)

    @property
    def prefix(self) -> str:
        """The folder this node shows (containers) or lives in (objects)."""
        if self.kind != Kind.OBJECT:
            return self.key
        return self.key.rsplit("/", 1)[0] + "/" if "/" in self.key else ""

    @property
    def children(self) -> list[Node]:
        return self.listing.children if self.listing is not None else _NO_CHILDREN

    @property
    def modified(self) -> dt.datetime | None:
        return dt.datetime.fromtimestamp(self.mtime, dt.UTC) if self.mtime else None

    @property
    def fetched(self) -> bool:
        return self.listing is not None and self.listing.fetched

    @property
    def fetching(self) -> bool:
        return self.listing is not None and self.listing.fetching

    @property
    def next_token(self) -> str | None:
        return self.listing.next_token if self.listing is not None else None

    @property
    def error(self) -> str:
        return self.listing.error if self.listing is not None else ""

    @property
    def region(self) -> str:
        return self.listing.region if self.listing is not None else ""

    def folder_count(self) -> int:
        return sum(1 for c in self.children if c.is_container)
