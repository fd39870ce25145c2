"""The bucket browser model: buckets → folders (prefixes) → objects, listed lazily.

Pages of ``ListObjectsV2`` are fetched in workers through ``canFetchMore``/``fetchMore``;
each page's rows are inserted where they belong in the current sort order (folders
first), so opening a big prefix shows the first 1,000 entries while the rest waits until
the view scrolls to them. Nothing is ever reset for incremental data.

Memory: a row is a ``Node`` with ``__slots__``; only containers carry a ``Listing``
(children, paging state), so an object row costs a few hundred bytes with its key.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QApplication, QStyle

from s3uploader_gui.core.errors import AppError, translate, user_message
from s3uploader_gui.core.listing import (
    BucketInfo,
    ObjectInfo,
    Page,
    bucket_region,
    list_buckets,
    list_page,
)
from s3uploader_gui.core.naming import is_image_name
from s3uploader_gui.core.progress import format_bytes
from s3uploader_gui.core.s3client import S3Context
from s3uploader_gui.ui.workers import WorkerPool

log = logging.getLogger(__name__)
_Index = QModelIndex | QPersistentModelIndex


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


def _group(node: Node) -> int:
    return 2 if node.search else (0 if node.listing is not None else 1)


def _fetch_page(context: S3Context, bucket: str, prefix: str, token: str | None, size: int) -> Page:
    return list_page(context.client, bucket, prefix, token, page_size=size)


def _fetch_pages(context: S3Context, bucket: str, prefix: str, pages: int, size: int) -> Page:
    """Re-list as many pages as were loaded before, merged into one (for refresh)."""
    folders: list[str] = []
    objects: list[ObjectInfo] = []
    token: str | None = None
    for _ in range(max(1, pages)):
        page = list_page(context.client, bucket, prefix, token, page_size=size)
        folders += page.prefixes
        objects += page.objects
        token = page.next_token
        if token is None:
            break
    return Page(prefixes=folders, objects=objects, next_token=token)


def _fetch_regions(context: S3Context, buckets: Sequence[str]) -> dict[str, str]:
    """GetBucketLocation for every bucket, a few at a time; failures give ""."""

    def one(name: str) -> tuple[str, str]:
        try:
            return name, bucket_region(context.client, name)
        except AppError as err:
            log.info("no region for %s: %s", name, err)
            return name, ""

    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="region") as ex:
        return dict(ex.map(one, buckets))


class BucketModel(QAbstractItemModel):
    """Lazy tree of buckets, folders and objects.

    Signals:
        loadingChanged(bool): True while at least one listing is in flight.
        error(str): a listing failed; the sentence says why.
        bucketsLoaded(list): the names of the buckets after a refresh.
        nodeLoaded(str, str): (bucket, prefix) whose page just arrived.
        regionsLoaded(): the buckets' regions arrived.
    """

    loadingChanged = Signal(bool)
    error = Signal(str)
    bucketsLoaded = Signal(list)
    nodeLoaded = Signal(str, str)
    regionsLoaded = Signal()

    def __init__(
        self, pool: WorkerPool, parent: QObject | None = None, page_size: int = 1000
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._root = Node(Kind.BUCKET, "", "", None)
        assert self._root.listing is not None
        self._root.listing.fetched = True
        self._context: S3Context | None = None
        self._generation = 0
        self._in_flight = 0
        self.page_size = page_size
        self._sort_column = Column.NAME
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._pinned: set[int] = set()  # id() of the shown container and its ancestors
        #: Set by the pane: returns a thumbnail for a node (or None and queues it).
        self.thumbnail_lookup: Callable[[Node], Any] | None = None
        style = QApplication.style()
        self._icons = {
            Kind.BUCKET: style.standardIcon(QStyle.StandardPixmap.SP_DriveNetIcon),
            Kind.FOLDER: style.standardIcon(QStyle.StandardPixmap.SP_DirIcon),
            Kind.OBJECT: style.standardIcon(QStyle.StandardPixmap.SP_FileIcon),
        }
        self._search_icon = style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView)
        self._headers = {
            Column.NAME: self.tr("Name"),
            Column.SIZE: self.tr("Size"),
            Column.MODIFIED: self.tr("Last modified"),
            Column.REGION: self.tr("Region"),
        }

    # -- connection --------------------------------------------------------------------
    def set_context(self, context: S3Context | None) -> None:
        """Show the buckets of ``context`` (None: empty)."""
        self._context = context
        self._generation += 1  # answers for the old connection are dropped
        self._pinned.clear()
        self._remove_children(self._root)
        if context is not None:
            self.refresh_buckets()

    @property
    def context(self) -> S3Context | None:
        return self._context

    @property
    def loading(self) -> bool:
        return self._in_flight > 0

    @property
    def root(self) -> Node:
        return self._root

    def refresh_buckets(self) -> None:
        """Reload the bucket list, keeping the loaded contents of buckets that remain."""
        if self._context is None:
            return
        self._begin_request()
        self._pool.run(
            _tag(self._generation, None, list_buckets),
            self._context.client,
            on_result=self._on_buckets,
            name="list-buckets",
        )

    def refresh(self, index: _Index = QModelIndex()) -> None:  # noqa: B008
        """Re-list a bucket or folder (the root: buckets), merging changes into the rows."""
        self.refresh_node(self._node(index))

    def refresh_node(self, node: Node) -> None:
        """Re-list ``node`` (its parent for an object; the bucket list for the root)."""
        if node is self._root:
            self.refresh_buckets()
            return
        if not node.is_container:
            node = node.parent or self._root
            if node is self._root:
                self.refresh_buckets()
                return
        listing = node.listing
        assert listing is not None
        if listing.fetching or self._context is None:
            return
        if listing.fetched:
            self._request(node, refresh=True)
        else:
            self._request(node, refresh=False)

    def refresh_prefix(self, bucket: str, prefix: str) -> None:
        """Refresh every loaded container from the bucket down to ``prefix``."""
        node = self.find_node(bucket, "")
        if node is None:
            self.refresh_buckets()
            return
        chain = [node]
        current = ""
        for part in [p for p in prefix.split("/") if p]:
            current += part + "/"
            child = self._child(chain[-1], current)
            if child is None or not child.is_container:
                break
            chain.append(child)
        for n in chain:
            if n.fetched and not n.fetching:
                self._request(n, refresh=True)

    # -- lookup ------------------------------------------------------------------------
    def node(self, index: _Index) -> Node:
        return self._node(index)

    def _child(self, parent: Node, key: str) -> Node | None:
        """The non-search child of ``parent`` with ``key``."""
        children = parent.children
        if self._sort_column == Column.NAME and self._sort_order == Qt.SortOrder.AscendingOrder:
            for group in (0, 1):
                probe = (group, key)
                row = self._lower_bound(children, probe)
                if row < len(children) and children[row].key == key and not children[row].search:
                    return children[row]
            return None
        return next((c for c in children if c.key == key and not c.search), None)

    def find_node(self, bucket: str, key: str) -> Node | None:
        """The loaded node for ``bucket``/``key`` (key "" is the bucket), if loaded."""
        node = next((b for b in self._root.children if b.bucket == bucket), None)
        if node is None or not key:
            return node
        parts = [p for p in key.split("/") if p]
        if key.startswith("/"):
            # Keys with a leading slash live under the folder "/" ("" name).
            parts = ["", *parts]
        current = ""
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            current += part if last and not key.endswith("/") else part + "/"
            nxt = self._child(node, current)
            if nxt is None:
                return None
            node = nxt
        return node

    def ensure_folder(self, bucket: str, prefix: str) -> Node | None:
        """The node for folder ``prefix`` of ``bucket``, adding unlisted folders on the way.

        Lets the browser open a folder it has not listed yet (history, a typed path);
        the listing of each parent later merges with these rows.
        """
        node = self.find_node(bucket, "")
        if node is None:
            return None
        current = ""
        parts = prefix.split("/")[:-1] if prefix.endswith("/") else prefix.split("/")
        for part in parts if prefix else []:
            current += part + "/"
            child = self._child(node, current)
            if child is None:
                child = Node(Kind.FOLDER, bucket, current, node)
                assert node.listing is not None
                node.listing.synthetic = True
                self._insert_nodes(node, [child])
            node = child
        return node

    def add_search(self, parent: Node, text: str) -> Node:
        """A server-side search: a container listing keys that start with ``parent.key + text``."""
        node = Node(Kind.FOLDER, parent.bucket, parent.key + text, parent, search=True)
        row = len(parent.children)
        self.beginInsertRows(self.index_for(parent), row, row)
        parent.children.append(node)
        self.endInsertRows()
        return node

    def remove_node(self, node: Node) -> None:
        """Remove ``node``'s row (a search result no longer shown, a deleted object)."""
        parent = node.parent
        if parent is None or not self._alive(node):
            return
        row = self._row_of(node)
        self.beginRemoveRows(self.index_for(parent), row, row)
        del parent.children[row]
        self.endRemoveRows()

    def set_pinned(self, node: Node | None) -> None:
        """Refreshes never remove ``node`` or its ancestors (the folder on screen)."""
        self._pinned.clear()
        while node is not None:
            self._pinned.add(id(node))
            node = node.parent

    def index_for(self, node: Node, column: int = 0) -> QModelIndex:
        if node is self._root or node.parent is None:
            return QModelIndex()
        return self.createIndex(self._row_of(node), column, node)

    def _row_of(self, node: Node) -> int:
        parent = node.parent
        assert parent is not None
        children = parent.children
        if not node.search:
            row = self._lower_bound(children, self._sort_key(node))
            while row < len(children):
                child = children[row]
                if child is node:
                    return row
                if self._sort_key(child) != self._sort_key(node):
                    break
                row += 1
        return children.index(node)

    def notify_thumbnail(self, node: Node) -> None:
        """A thumbnail for ``node`` arrived: repaint its row."""
        if node.parent is None or not self._alive(node):
            return
        index = self.index_for(node)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole, int(Role.THUMBNAIL)])

    # -- sorting -----------------------------------------------------------------------
    def _sort_key(self, node: Node) -> tuple[int, Any]:
        col = self._sort_column
        if col == Column.NAME or node.listing is not None:
            rest: Any = node.key or node.bucket
        elif col == Column.SIZE:
            rest = (node.size, node.key)
        elif col == Column.MODIFIED:
            rest = (node.mtime, node.key)
        else:
            rest = node.key
        if node.kind == Kind.BUCKET:
            rest = (node.region, node.bucket) if col == Column.REGION else node.bucket
        return (_group(node), rest)

    def _lt(self, a: tuple[int, Any], b: tuple[int, Any]) -> bool:
        if a[0] != b[0]:
            return a[0] < b[0]
        if self._sort_order == Qt.SortOrder.DescendingOrder:
            return bool(b[1] < a[1])
        return bool(a[1] < b[1])

    def _lower_bound(self, children: Sequence[Node], key: tuple[int, Any]) -> int:
        lo, hi = 0, len(children)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._lt(self._sort_key(children[mid]), key):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _sorted(self, nodes: list[Node]) -> list[Node]:
        """``nodes`` in the current order: groups first (folders, objects, searches)."""
        reverse = self._sort_order == Qt.SortOrder.DescendingOrder
        groups: dict[int, list[Node]] = {}
        for n in nodes:
            groups.setdefault(_group(n), []).append(n)
        out: list[Node] = []
        for group in sorted(groups):
            out += sorted(groups[group], key=lambda n: self._sort_key(n)[1], reverse=reverse)
        return out

    @property
    def sort_column(self) -> Column:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort every loaded container (folders stay first); new pages keep the order."""
        if not 0 <= column < len(Column):
            column = Column.NAME
        if column == self._sort_column and order == self._sort_order:
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        nodes = [(self._node(i), i.column()) for i in old]
        self._sort_column = Column(column)
        self._sort_order = order
        stack = [self._root]
        while stack:
            node = stack.pop()
            children = node.children
            if len(children) > 1:
                children[:] = self._sorted(children)
            stack.extend(c for c in children if c.listing is not None and c.children)
        new = [
            self.createIndex(self._row_of(n), col, n) if n is not self._root else QModelIndex()
            for n, col in nodes
        ]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    # -- Qt model API ------------------------------------------------------------------
    def _node(self, index: _Index) -> Node:
        if index.isValid():
            node = index.internalPointer()
            assert isinstance(node, Node)
            return node
        return self._root

    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        children = self._node(parent).children
        if 0 <= row < len(children) and 0 <= column < len(Column):
            return self.createIndex(row, column, children[row])
        return QModelIndex()

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        parent = self._node(index).parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(self._row_of(parent), 0, parent)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return len(Column)

    def hasChildren(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return False
        node = self._node(parent)
        if node.listing is None:
            return False
        # Until a container is listed, show an expander so the user can open it.
        return bool(node.listing.children) or (node is not self._root and not node.fetched)

    def canFetchMore(self, parent: _Index) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        node = self._node(parent)
        listing = node.listing
        if node is self._root or listing is None or listing.fetching or self._context is None:
            return False
        return not listing.fetched or listing.next_token is not None

    def fetchMore(self, parent: _Index) -> None:
        if self.canFetchMore(parent):
            self._request(self._node(parent), refresh=False)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        node = self._node(index)
        if node.listing is not None:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        if node.kind != Kind.BUCKET:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(Column):
            return self._headers[Column(section)]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self._node(index)
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == Column.NAME:
                if node.search:
                    return self.tr("Search: %s…") % node.key
                return node.name or "/"
            if col == Column.SIZE:
                return format_bytes(node.size) if node.kind == Kind.OBJECT else ""
            if col == Column.MODIFIED and node.mtime:
                return (
                    dt.datetime.fromtimestamp(node.mtime, dt.UTC)
                    .astimezone()
                    .strftime("%Y-%m-%d %H:%M")
                )
            if col == Column.REGION and node.kind == Kind.BUCKET:
                return node.region or ("…" if self._context is not None else "")
            return ""
        if role == Qt.ItemDataRole.DecorationRole and col == Column.NAME:
            return self._search_icon if node.search else self._icons[node.kind]
        if role == Role.THUMBNAIL:
            lookup = self.thumbnail_lookup
            if lookup is not None and node.kind == Kind.OBJECT and node.is_image:
                return lookup(node)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if node.error:
                return node.error
            return f"s3://{node.bucket}/{node.key}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col == Column.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Role.KIND:
            return str(node.kind)
        if role == Role.BUCKET:
            return node.bucket
        if role == Role.KEY:
            return node.key
        if role == Role.SIZE:
            return node.size
        if role == Role.ETAG:
            return node.etag
        if role == Role.IS_IMAGE:
            return node.is_image
        return None

    # -- fetching ----------------------------------------------------------------------
    def _begin_request(self) -> None:
        self._in_flight += 1
        if self._in_flight == 1:
            self.loadingChanged.emit(True)

    def _end_request(self) -> None:
        self._in_flight = max(0, self._in_flight - 1)
        if self._in_flight == 0:
            self.loadingChanged.emit(False)

    def _request(self, node: Node, *, refresh: bool) -> None:
        assert self._context is not None and node.listing is not None
        node.listing.fetching = True
        self._begin_request()
        if refresh:
            fn = _tag(self._generation, (node, True), _fetch_pages)
            args: tuple[Any, ...] = (
                self._context,
                node.bucket,
                node.key,
                node.listing.pages,
                self.page_size,
            )
        else:
            fn = _tag(self._generation, (node, False), _fetch_page)
            args = (self._context, node.bucket, node.key, node.listing.next_token, self.page_size)
        self._pool.run(fn, *args, on_result=self._on_page, name="list")

    @Slot(object)
    def _on_buckets(self, value: object) -> None:
        generation, _, buckets = value  # type: ignore[misc]
        self._end_request()
        if generation != self._generation:
            return
        if isinstance(buckets, AppError):
            self.error.emit(user_message(buckets))
            return
        assert isinstance(buckets, list)
        wanted = {b.name: b for b in buckets if isinstance(b, BucketInfo)}
        for row in range(len(self._root.children) - 1, -1, -1):
            if self._root.children[row].bucket not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._root.children[row]
                self.endRemoveRows()
        have = {b.bucket for b in self._root.children}
        fresh = []
        for name in sorted(wanted):
            if name in have:
                continue
            created = wanted[name].created
            node = Node(
                Kind.BUCKET,
                name,
                "",
                self._root,
                mtime=created.timestamp() if created is not None else 0.0,
            )
            fresh.append(node)
        self._insert_nodes(self._root, fresh, dedupe=False)  # "have" filtered them
        self.bucketsLoaded.emit(sorted(wanted))
        missing = [b.bucket for b in self._root.children if not b.region]
        if missing and self._context is not None:
            self._pool.run(
                _tag(self._generation, None, _fetch_regions),
                self._context,
                missing,
                on_result=self._on_regions,
                name="bucket-regions",
            )

    @Slot(object)
    def _on_regions(self, value: object) -> None:
        generation, _, regions = value  # type: ignore[misc]
        if generation != self._generation or not isinstance(regions, dict):
            return
        for row, node in enumerate(self._root.children):
            region = regions.get(node.bucket)
            if region and node.listing is not None:
                node.listing.region = region
                index = self.createIndex(row, Column.REGION, node)
                self.dataChanged.emit(index, index)
        if self._sort_column == Column.REGION:
            self._resort_root()
        self.regionsLoaded.emit()

    def _resort_root(self) -> None:
        column, order = self._sort_column, self._sort_order
        self._sort_column = Column.NAME
        self.sort(column, order)

    @Slot(object)
    def _on_page(self, value: object) -> None:
        generation, (node, refresh), page = value  # type: ignore[misc]
        self._end_request()
        if generation != self._generation or not self._alive(node):
            return
        listing = node.listing
        assert listing is not None
        listing.fetching = False
        if isinstance(page, AppError):
            listing.fetched = True
            listing.error = user_message(page)
            self.error.emit(listing.error)
            return
        listing.error = ""
        if refresh:
            self._merge(node, page)
        else:
            dedupe = listing.synthetic or listing.pages == 0
            self._insert_nodes(node, self._nodes_for(node, page), dedupe=dedupe)
            listing.pages += 1
        listing.fetched = True
        listing.next_token = page.next_token
        self.nodeLoaded.emit(node.bucket, node.key)

    def _alive(self, node: Node) -> bool:
        while node.parent is not None:
            parent = node.parent
            try:
                if parent.children[self._row_of(node)] is not node:
                    return False
            except (ValueError, IndexError):
                return False
            node = parent
        return node is self._root

    def _nodes_for(self, parent: Node, page: Page) -> list[Node]:
        bucket = parent.bucket  # one shared string for every row
        nodes = [Node(Kind.FOLDER, bucket, p, parent) for p in page.prefixes if p != parent.key]
        nodes += [
            Node(
                Kind.OBJECT,
                bucket,
                o.key,
                parent,
                size=o.size,
                mtime=o.last_modified.timestamp() if o.last_modified is not None else 0.0,
                etag=o.etag,
            )
            for o in page.objects
        ]
        return nodes

    def _insert_nodes(self, parent: Node, nodes: list[Node], *, dedupe: bool = True) -> None:
        """Insert ``nodes`` at their sorted places, in as few contiguous blocks as possible."""
        if not nodes:
            return
        children = parent.children
        if dedupe and children:
            known = {c.key for c in children if not c.search}
            nodes = [n for n in nodes if n.key not in known]
            if not nodes:
                return
        nodes = self._sorted(nodes)
        parent_index = self.index_for(parent)
        # Positions against the current rows; nodes landing on the same row form a block.
        blocks: list[tuple[int, list[Node]]] = []
        first = self._lower_bound(children, self._sort_key(nodes[0]))
        last = self._lower_bound(children, self._sort_key(nodes[-1]))
        if first == last:
            blocks.append((first, nodes))  # the usual case: a page after the loaded rows
        else:
            for node in nodes:
                row = self._lower_bound(children, self._sort_key(node))
                if blocks and blocks[-1][0] == row:
                    blocks[-1][1].append(node)
                else:
                    blocks.append((row, [node]))
        shift = 0
        for row, block in blocks:
            at = row + shift
            self.beginInsertRows(parent_index, at, at + len(block) - 1)
            children[at:at] = block
            self.endInsertRows()
            shift += len(block)

    def _merge(self, parent: Node, page: Page) -> None:
        """Make ``parent``'s rows equal to ``page``: remove gone rows, update, insert new."""
        parent_index = self.index_for(parent)
        fresh = {n.key: n for n in self._nodes_for(parent, page)}
        children = parent.children
        row = len(children) - 1
        while row >= 0:
            child = children[row]
            gone = child.key not in fresh or fresh[child.key].kind != child.kind
            if gone and not child.search and id(child) not in self._pinned:
                end = row
                while row > 0:
                    prev = children[row - 1]
                    if (
                        prev.search
                        or id(prev) in self._pinned
                        or (prev.key in fresh and fresh[prev.key].kind == prev.kind)
                    ):
                        break
                    row -= 1
                self.beginRemoveRows(parent_index, row, end)
                del children[row : end + 1]
                self.endRemoveRows()
            row -= 1
        assert parent.listing is not None
        # Rows kept although not listed (the folder on screen) may come back in a page.
        parent.listing.synthetic = any(c.key not in fresh for c in children if not c.search)
        existing = {c.key: c for c in children if not c.search}
        new: list[Node] = []
        for key, node in fresh.items():
            old = existing.get(key)
            if old is None:
                new.append(node)
            elif old.kind == Kind.OBJECT and (old.size, old.mtime, old.etag) != (
                node.size,
                node.mtime,
                node.etag,
            ):
                moved = (old.size, old.mtime) != (node.size, node.mtime)
                if moved and self._sort_column in (Column.SIZE, Column.MODIFIED):
                    self.remove_node(old)
                    new.append(node)
                    continue
                old.size, old.mtime, old.etag = node.size, node.mtime, node.etag
                at = self._row_of(old)
                self.dataChanged.emit(
                    self.createIndex(at, 0, old), self.createIndex(at, len(Column) - 1, old)
                )
        self._insert_nodes(parent, new, dedupe=False)

    def _remove_children(self, node: Node) -> None:
        if node.children:
            self.beginRemoveRows(self.index_for(node), 0, len(node.children) - 1)
            node.children.clear()
            self.endRemoveRows()


class BrowserFilterModel(QSortFilterProxyModel):
    """Filter-as-you-type over the loaded rows of the folder on screen.

    Only the shown folder's rows are filtered (its ancestors must stay mapped); sorting
    is done by the source model (a Python ``lessThan`` over 100,000 rows would be far too
    slow), and ``canFetchMore``/``fetchMore`` pass through, so lazy paging keeps working.
    """

    def __init__(self, source: BucketModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._root: Node | None = None
        #: Returns False to hold further pages back (see canFetchMore).
        self.fetch_gate: Callable[[], bool] | None = None
        self.setSourceModel(source)
        self.setDynamicSortFilter(False)

    @property
    def text(self) -> str:
        return self._text

    def set_root(self, node: Node | None) -> None:
        """The folder whose rows the filter applies to."""
        if node is self._root:
            return
        self.beginFilterChange()
        self._root = node
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_filter_text(self, text: str) -> None:
        text = text.casefold()
        if text == self._text:
            return
        self.beginFilterChange()
        self._text = text
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if not self._text or self._root is None:
            return True
        parent = source_parent.internalPointer() if source_parent.isValid() else None
        source = self.sourceModel()
        assert isinstance(source, BucketModel)
        if (parent or source.root) is not self._root:
            return True
        children = self._root.children
        if source_row >= len(children):
            return True
        return self._text in children[source_row].name.casefold()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        assert isinstance(source, BucketModel)
        source.sort(column, order)

    def canFetchMore(self, parent: _Index) -> bool:
        # QTreeView asks for one more page on every relayout; the gate (set by the pane)
        # lets pages come only while the user is near the end of what is loaded.
        if self.fetch_gate is not None and not self.fetch_gate():
            return False
        return bool(super().canFetchMore(parent))

    def fetchMore(self, parent: _Index) -> None:
        if self.canFetchMore(parent):
            super().fetchMore(parent)

    def node(self, index: _Index) -> Node:
        source = self.sourceModel()
        assert isinstance(source, BucketModel)
        return source.node(self.mapToSource(index))


def _tag(generation: int, tag: object, fn: Any) -> Any:
    """Wrap ``fn`` so its result, or its error, comes back with the request's tag."""

    def tagged(*args: Any) -> tuple[int, object, Any]:
        try:
            return generation, tag, fn(*args)
        except Exception as exc:
            return generation, tag, translate(exc)

    tagged.__name__ = getattr(fn, "__name__", "tagged")
    return tagged
