"""The bucket browser model: buckets → folders (prefixes) → objects, listed lazily.

Pages of ``ListObjectsV2`` are fetched in workers through ``canFetchMore``/``fetchMore``;
each page's rows are inserted where they belong in the current sort order (folders
first), so opening a big prefix shows the first 1,000 entries while the rest waits until
the view scrolls to them. Nothing is ever reset for incremental data. The pages of a
listing come from one ``PageStream``, which has the next page's request in flight while
the current page is shown, and the worker builds the rows, so the GUI thread only
inserts them.

The views never see this tree: ``FolderModel`` shows one container's rows as a flat
table and ``BrowserFilterModel`` filters them, so a page costs the views the same at
100,000 rows as at 1,000 (see ``FolderModel``).

Memory: a row is a ``Node`` with ``__slots__``; only containers carry a ``Listing``
(children, paging state), so an object row costs a few hundred bytes with its key.
Once a page is in, its rows (and the rest of what is alive) are kept out of the
cyclic garbage collector's passes with ``gc.freeze()`` (see ``gc_policy``).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
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
    PageStream,
    bucket_region,
    list_buckets,
    list_page,
)
from s3uploader_gui.core.naming import is_image_name
from s3uploader_gui.core.progress import format_bytes
from s3uploader_gui.core.s3client import S3Context
from s3uploader_gui.ui.browser.gc_policy import settle, unsettle
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


@functools.lru_cache(maxsize=4096)
def _date_text(mtime: float) -> str:
    """The local date and time shown for ``mtime`` (cached: every repaint asks again,
    and rows listed together often share their time)."""
    return dt.datetime.fromtimestamp(mtime, dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def _group(node: Node) -> int:
    return 2 if node.search else (0 if node.listing is not None else 1)


def _nodes_for(parent: Node, page: Page) -> list[Node]:
    """The rows of ``page`` (built on the worker thread, inserted on the GUI thread)."""
    bucket = parent.bucket  # one shared string for every row
    nodes = [Node(Kind.FOLDER, bucket, p, parent) for p in page.prefixes if p != parent.key]
    for o in page.objects:
        node = Node(
            Kind.OBJECT,
            bucket,
            o.key,
            parent,
            size=o.size,
            mtime=o.last_modified.timestamp() if o.last_modified is not None else 0.0,
            etag=o.etag,
        )
        nodes.append(node)
    return nodes


def _fetch_next(stream: PageStream, parent: Node) -> tuple[Page, list[Node]]:
    """The stream's next page and its rows, built here rather than on the GUI thread."""
    page = stream.next_page()
    return page, _nodes_for(parent, page)


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
        self._streams: dict[PageStream, Node] = {}  # open listings and their containers
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
        self._close_streams()
        self._pinned.clear()
        self._remove_children(self._root)
        unsettle()  # the rows are gone; cyclic garbage frozen with them can be found again
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
        self._release([node])

    def set_pinned(self, node: Node | None) -> None:
        """Refreshes never remove ``node`` or its ancestors (the folder on screen)."""
        self._pinned.clear()
        while node is not None:
            self._pinned.add(id(node))
            node = node.parent
        # Only the folder on screen keeps a listing connection (and a request in flight).
        self._close_streams(keep=self._pinned)

    def index_for(self, node: Node, column: int = 0) -> QModelIndex:
        if node is self._root or node.parent is None:
            return QModelIndex()
        return self.createIndex(self._row_of(node), column, node)

    def row_of(self, node: Node) -> int:
        """``node``'s row under its parent."""
        return self._row_of(node)

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
        return self.node_flags(self._node(index))

    def node_flags(self, node: Node) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
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
        if horizontal and role == Qt.ItemDataRole.TextAlignmentRole and section == Column.SIZE:
            # Over the sizes, which are right-aligned (digits under digits).
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self.node_data(self._node(index), index.column(), role)

    def node_data(self, node: Node, col: int, role: int) -> Any:
        """``data()`` of ``node``'s cell in column ``col`` (shared with FolderModel)."""
        if role == Qt.ItemDataRole.DisplayRole:
            if col == Column.NAME:
                if node.search:
                    return self.tr("Search: %s…") % node.key
                return node.name or "/"
            if col == Column.SIZE:
                return format_bytes(node.size) if node.kind == Kind.OBJECT else ""
            if col == Column.MODIFIED and node.mtime:
                return _date_text(node.mtime)
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
            self._close_stream(node)  # its request in flight is for the old listing
            fn = _tag(self._generation, (node, True), _fetch_pages)
            args: tuple[Any, ...] = (
                self._context,
                node.bucket,
                node.key,
                node.listing.pages,
                self.page_size,
            )
        else:
            stream = node.listing.stream
            if stream is None or stream.token != node.listing.next_token:
                self._close_stream(node)
                stream = PageStream(
                    self._context.client,
                    node.bucket,
                    node.key,
                    node.listing.next_token,
                    page_size=self.page_size,
                )
                node.listing.stream = stream
                self._streams[stream] = node
            fn = _tag(self._generation, (node, False), _fetch_next)
            args = (stream, node)
        self._pool.run(fn, *args, on_result=self._on_page, name="list")

    def _close_stream(self, node: Node) -> None:
        listing = node.listing
        if listing is not None and listing.stream is not None:
            self._streams.pop(listing.stream, None)
            listing.stream.close()
            listing.stream = None

    def close_streams(self) -> None:
        """Let go of every listing connection (paging later opens new ones)."""
        self._close_streams()

    def _close_streams(self, keep: set[int] | None = None) -> None:
        """Close the listings' connections, but those of nodes whose id is in ``keep``."""
        for node in list(self._streams.values()):
            if keep is None or id(node) not in keep:
                self._close_stream(node)

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
                gone = self._root.children.pop(row)
                self.endRemoveRows()
                self._release([gone])
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
        try:
            self._take_page(value)
        finally:
            # Loading ends once the rows are in, so "N items" counts this page too.
            self._end_request()

    def _take_page(self, value: object) -> None:
        generation, tag, result = cast(tuple[int, tuple[Node, bool], Any], value)
        node, refresh = tag
        if generation != self._generation:
            return
        if not self._alive(node):
            self._close_stream(node)
            return
        listing = node.listing
        assert listing is not None
        listing.fetching = False
        if isinstance(result, AppError):
            self._close_stream(node)
            listing.fetched = True
            listing.error = user_message(result)
            self.error.emit(listing.error)
            return
        listing.error = ""
        page: Page = result if refresh else result[0]
        first = listing.pages == 0
        # The paging state is final before any row goes in: a slot of rowsInserted may
        # ask for the next page at once, and must not ask for this one again.
        listing.fetched = True
        listing.next_token = page.next_token
        if page.next_token is None:
            self._close_stream(node)
        if refresh:
            self._merge(node, page)
        else:
            listing.pages += 1
            self._insert_nodes(node, result[1], dedupe=listing.synthetic or first)
        settle()
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
        fresh = {n.key: n for n in _nodes_for(parent, page)}
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
                gone = children[row : end + 1]
                del children[row : end + 1]
                self.endRemoveRows()
                self._release(gone)
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
            gone = node.children[:]
            node.children.clear()
            self.endRemoveRows()
            self._release(gone)

    def _release(self, nodes: list[Node]) -> None:
        """Empty the containers among ``nodes`` (rows just removed), all the way down.

        Rows are frozen out of the cyclic GC (see ``gc_policy``): once their container
        lets go of them, reference counting frees them, and the container.
        """
        stack = [n for n in nodes if n.listing is not None]
        while stack:
            node = stack.pop()
            assert node.listing is not None
            self._close_stream(node)
            stack.extend(c for c in node.listing.children if c.listing is not None)
            node.listing.children = []


class FolderModel(QAbstractTableModel):
    """The rows of one container of a ``BucketModel`` as a flat table: what the views show.

    Views are never rooted deep in the tree model. A view asks for ``index(row, 0, root)``
    of every row it lays out (QListView on every insert, to know whether the row is
    hidden), and through a proxy each of those asks the source for the root's index:
    calls into Python for every loaded row on every page (60,000 calls, 130 ms, per
    page at 30,000 rows). With the folder's rows at the top level, the proxy answers
    those from its own maps.

    Changes to the shown container (pages inserted, rows removed, data changed, sorting)
    are forwarded as they happen; another container is shown by a reset.
    """

    def __init__(self, source: BucketModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._node = source.root
        self._inserting = False
        self._removing = False
        self._resetting = False
        self._saved: list[tuple[QModelIndex, Node, int]] = []
        source.rowsAboutToBeInserted.connect(self._on_about_to_insert)
        source.rowsInserted.connect(self._on_inserted)
        source.rowsAboutToBeRemoved.connect(self._on_about_to_remove)
        source.rowsRemoved.connect(self._on_removed)
        source.dataChanged.connect(self._on_data_changed)
        source.layoutAboutToBeChanged.connect(self._on_layout_about_to_change)
        source.layoutChanged.connect(self._on_layout_changed)
        source.modelAboutToBeReset.connect(self._on_about_to_reset)
        source.modelReset.connect(self._on_reset)

    @property
    def source(self) -> BucketModel:
        return self._source

    @property
    def node(self) -> Node:
        """The container whose rows are shown."""
        return self._node

    def set_node(self, node: Node) -> None:
        if node is self._node:
            return
        self.beginResetModel()
        self._node = node
        self.endResetModel()

    def node_at(self, index: _Index) -> Node:
        """The row's node; the shown container for an invalid index."""
        if index.isValid():
            node = index.internalPointer()
            assert isinstance(node, Node)
            return node
        return self._node

    def index_for(self, node: Node, column: int = 0) -> QModelIndex:
        """``node``'s index when it is a row of the shown container, else invalid."""
        if node.parent is not self._node:
            return QModelIndex()
        return self.createIndex(self._source.row_of(node), column, node)

    # -- Qt model API ------------------------------------------------------------------
    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        children = self._node.children
        if not parent.isValid() and 0 <= row < len(children) and 0 <= column < len(Column):
            return self.createIndex(row, column, children[row])
        return QModelIndex()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._node.children)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def hasChildren(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid():
            return False
        return bool(self._node.children) or self.canFetchMore(parent)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self._source.node_data(self.node_at(index), index.column(), role)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return self._source.node_flags(self.node_at(index))

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return self._source.headerData(section, orientation, role)

    def canFetchMore(self, parent: _Index) -> bool:
        if parent.isValid():
            return False
        return self._source.canFetchMore(self._source.index_for(self._node))

    def fetchMore(self, parent: _Index) -> None:
        if self.canFetchMore(parent):
            self._source.fetchMore(self._source.index_for(self._node))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._source.sort(column, order)

    # -- forwarding --------------------------------------------------------------------
    def _shown(self, parent: QModelIndex) -> bool:
        return self._source.node(parent) is self._node

    @Slot(QModelIndex, int, int)
    def _on_about_to_insert(self, parent: QModelIndex, first: int, last: int) -> None:
        self._inserting = not self._resetting and self._shown(parent)
        if self._inserting:
            self.beginInsertRows(QModelIndex(), first, last)

    @Slot(QModelIndex, int, int)
    def _on_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._inserting:
            self._inserting = False
            self.endInsertRows()

    @Slot(QModelIndex, int, int)
    def _on_about_to_remove(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._resetting:
            return
        if self._shown(parent):
            self._removing = True
            self.beginRemoveRows(QModelIndex(), first, last)
            return
        # The shown container itself, or one of its ancestors, is going away.
        chain = set()
        node: Node | None = self._node
        while node is not None:
            chain.add(id(node))
            node = node.parent
        gone = self._source.node(parent).children[first : last + 1]
        if any(id(n) in chain for n in gone):
            self._resetting = True
            self.beginResetModel()

    @Slot(QModelIndex, int, int)
    def _on_removed(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._removing:
            self._removing = False
            self.endRemoveRows()
        elif self._resetting:
            self._resetting = False
            self._node = self._source.root
            self.endResetModel()

    @Slot(QModelIndex, QModelIndex, list)
    def _on_data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int]
    ) -> None:
        if self._resetting or not top_left.isValid():
            return
        first, last = self.node_at(top_left), self.node_at(bottom_right)
        if first.parent is self._node:
            self.dataChanged.emit(
                self.createIndex(top_left.row(), top_left.column(), first),
                self.createIndex(bottom_right.row(), bottom_right.column(), last),
                roles,
            )

    @Slot()
    def _on_layout_about_to_change(self) -> None:
        self.layoutAboutToBeChanged.emit()
        self._saved = [(i, self.node_at(i), i.column()) for i in self.persistentIndexList()]

    @Slot()
    def _on_layout_changed(self) -> None:
        saved, self._saved = self._saved, []
        self.changePersistentIndexList(
            [old for old, _, _ in saved], [self.index_for(node, col) for _, node, col in saved]
        )
        self.layoutChanged.emit()

    @Slot()
    def _on_about_to_reset(self) -> None:
        self._resetting = True
        self.beginResetModel()

    @Slot()
    def _on_reset(self) -> None:
        self._resetting = False
        self._node = self._source.root
        self.endResetModel()


class BrowserFilterModel(QSortFilterProxyModel):
    """Filter-as-you-type over the loaded rows of the folder on screen.

    Its source is a ``FolderModel`` of that folder (``set_root`` changes it). Sorting is
    done by the ``BucketModel`` (a Python ``lessThan`` over 100,000 rows would be far too
    slow, and pages keep the order as they arrive), so this proxy never sorts; and
    ``canFetchMore``/``fetchMore`` pass through, so lazy paging keeps working.
    """

    def __init__(self, source: BucketModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self.folder = FolderModel(source, self)
        #: Returns False to hold further pages back (see canFetchMore).
        self.fetch_gate: Callable[[], bool] | None = None
        self.setSourceModel(self.folder)
        self.setDynamicSortFilter(False)

    @property
    def text(self) -> str:
        return self._text

    @property
    def root(self) -> Node:
        return self.folder.node

    def set_root(self, node: Node) -> None:
        """Show the rows of container ``node``."""
        self.folder.set_node(node)

    def set_filter_text(self, text: str) -> None:
        """Show only the rows whose name contains ``text`` (any case; "" shows all)."""
        text = text.casefold()
        if text == self._text:
            return
        self.beginFilterChange()
        self._text = text
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        # Python, not Qt's regular expression filter: that one asks the source for an
        # index and its data, two calls into Python per row instead of one (a filter
        # over 100,000 rows took 2.5 times as long).
        text = self._text
        if not text:
            return True
        children = self.folder.node.children
        return source_row >= len(children) or text in children[source_row].name.casefold()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.folder.sort(column, order)

    def canFetchMore(self, parent: _Index) -> bool:
        # A view asks for more whenever its last row shows; the gate (set by the pane)
        # lets pages come only while the user is near the end of what is loaded.
        if self.fetch_gate is not None and not self.fetch_gate():
            return False
        return bool(super().canFetchMore(parent))

    def fetchMore(self, parent: _Index) -> None:
        if self.canFetchMore(parent):
            super().fetchMore(parent)

    def node(self, index: _Index) -> Node:
        """The row's node; the shown container for an invalid index."""
        return self.folder.node_at(self.mapToSource(index))

    def index_for(self, node: Node, column: int = 0) -> QModelIndex:
        """``node``'s row in this model (invalid when not shown or filtered out)."""
        return self.mapFromSource(self.folder.index_for(node, column))


def _tag(generation: int, tag: object, fn: Any) -> Any:
    """Wrap ``fn`` so its result, or its error, comes back with the request's tag."""

    def tagged(*args: Any) -> tuple[int, object, Any]:
        try:
            return generation, tag, fn(*args)
        except Exception as exc:
            return generation, tag, translate(exc)

    tagged.__name__ = getattr(fn, "__name__", "tagged")
    return tagged
