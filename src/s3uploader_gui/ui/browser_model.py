"""The bucket browser model: buckets → folders (prefixes) → objects, listed lazily.

Pages of ``ListObjectsV2`` are fetched in workers through ``canFetchMore``/``fetchMore``;
each page's rows are inserted where they belong (folders first, then objects, both in
key order), so expanding a big prefix shows the first 1,000 entries while the rest waits
until the view scrolls to them. Nothing is ever reset for incremental data.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QApplication, QStyle

from s3uploader_gui.core.errors import AppError, translate, user_message
from s3uploader_gui.core.listing import BucketInfo, ObjectInfo, Page, list_buckets, list_page
from s3uploader_gui.core.progress import format_bytes
from s3uploader_gui.core.s3client import S3Context
from s3uploader_gui.ui.workers import WorkerPool

log = logging.getLogger(__name__)
_Index = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    NAME = 0
    SIZE = 1
    MODIFIED = 2


class Role(enum.IntEnum):
    KIND = Qt.ItemDataRole.UserRole + 1
    BUCKET = Qt.ItemDataRole.UserRole + 2
    KEY = Qt.ItemDataRole.UserRole + 3
    SIZE = Qt.ItemDataRole.UserRole + 4


class Kind(enum.StrEnum):
    BUCKET = "bucket"
    FOLDER = "folder"
    OBJECT = "object"


@dataclass(eq=False)
class Node:
    kind: Kind
    bucket: str
    key: str  # the prefix for folders ("a/b/"), the key for objects, "" for buckets
    parent: Node | None
    size: int = 0
    modified: dt.datetime | None = None
    children: list[Node] = field(default_factory=list)
    fetched: bool = False  # the first page has arrived
    fetching: bool = False
    next_token: str | None = None
    pages: int = 0
    error: str = ""

    @property
    def name(self) -> str:
        if self.kind == Kind.BUCKET:
            return self.bucket
        return self.key.rstrip("/").rsplit("/", 1)[-1]

    @property
    def is_container(self) -> bool:
        return self.kind != Kind.OBJECT

    @property
    def prefix(self) -> str:
        return self.key if self.kind != Kind.OBJECT else self.key.rsplit("/", 1)[0] + "/"

    def sort_key(self) -> tuple[int, str]:
        return (0 if self.is_container else 1, self.key or self.bucket)

    def folder_count(self) -> int:
        return sum(1 for c in self.children if c.is_container)


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


class BucketModel(QAbstractItemModel):
    """Lazy tree of buckets, folders and objects.

    Signals:
        loadingChanged(bool): True while at least one listing is in flight.
        error(str): a listing failed; the sentence says why.
        bucketsLoaded(list): the names of the buckets after a refresh.
        nodeLoaded(str, str): (bucket, prefix) whose page just arrived.
    """

    loadingChanged = Signal(bool)
    error = Signal(str)
    bucketsLoaded = Signal(list)
    nodeLoaded = Signal(str, str)

    def __init__(
        self, pool: WorkerPool, parent: QObject | None = None, page_size: int = 1000
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._root = Node(Kind.BUCKET, "", "", None, fetched=True)
        self._context: S3Context | None = None
        self._generation = 0
        self._in_flight = 0
        self.page_size = page_size
        style = QApplication.style()
        self._icons = {
            Kind.BUCKET: style.standardIcon(QStyle.StandardPixmap.SP_DriveNetIcon),
            Kind.FOLDER: style.standardIcon(QStyle.StandardPixmap.SP_DirIcon),
            Kind.OBJECT: style.standardIcon(QStyle.StandardPixmap.SP_FileIcon),
        }
        self._headers = {
            Column.NAME: self.tr("Name"),
            Column.SIZE: self.tr("Size"),
            Column.MODIFIED: self.tr("Last modified"),
        }

    # -- connection --------------------------------------------------------------------
    def set_context(self, context: S3Context | None) -> None:
        """Show the buckets of ``context`` (None: empty)."""
        self._context = context
        self._generation += 1  # answers for the old connection are dropped
        self._remove_children(self._root)
        if context is not None:
            self.refresh_buckets()

    @property
    def context(self) -> S3Context | None:
        return self._context

    @property
    def loading(self) -> bool:
        return self._in_flight > 0

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
        node = self._node(index)
        if node is self._root:
            self.refresh_buckets()
            return
        if not node.is_container:
            node = node.parent or self._root
        if node.fetched and not node.fetching:
            self._request(node, refresh=True)

    def refresh_prefix(self, bucket: str, prefix: str) -> None:
        """Refresh every loaded container from the bucket down to ``prefix``."""
        node = self.find_node(bucket, "")
        if node is None:
            self.refresh_buckets()
            return
        chain = [node]
        parts = [p for p in prefix.split("/") if p]
        current = ""
        for part in parts:
            current += part + "/"
            child = next(
                (c for c in chain[-1].children if c.key == current and c.is_container), None
            )
            if child is None:
                break
            chain.append(child)
        for n in chain:
            if n.fetched and not n.fetching:
                self._request(n, refresh=True)

    # -- lookup ------------------------------------------------------------------------
    def node(self, index: _Index) -> Node:
        return self._node(index)

    def find_node(self, bucket: str, key: str) -> Node | None:
        """The loaded node for ``bucket``/``key`` (key "" is the bucket), if loaded."""
        node = next((b for b in self._root.children if b.bucket == bucket), None)
        if node is None or not key:
            return node
        parts = [p for p in key.split("/") if p]
        current = ""
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            current += part if last and not key.endswith("/") else part + "/"
            nxt = next((c for c in node.children if c.key == current), None)
            if nxt is None:
                return None
            node = nxt
        return node

    def index_for(self, node: Node, column: int = 0) -> QModelIndex:
        if node is self._root or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.children.index(node), column, node)

    # -- Qt model API ------------------------------------------------------------------
    def _node(self, index: _Index) -> Node:
        if index.isValid():
            node = index.internalPointer()
            assert isinstance(node, Node)
            return node
        return self._root

    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self._node(parent)
        if 0 <= row < len(node.children) and 0 <= column < len(Column):
            return self.createIndex(row, column, node.children[row])
        return QModelIndex()

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node = self._node(index)
        parent = node.parent
        if parent is None or parent is self._root:
            return QModelIndex()
        grand = parent.parent or self._root
        return self.createIndex(grand.children.index(parent), 0, parent)

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
        if not node.is_container:
            return False
        # Until a container is listed, show an expander so the user can open it.
        return bool(node.children) or (node is not self._root and not node.fetched)

    def canFetchMore(self, parent: _Index) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        node = self._node(parent)
        if node is self._root or not node.is_container or node.fetching or self._context is None:
            return False
        return not node.fetched or node.next_token is not None

    def fetchMore(self, parent: _Index) -> None:
        if self.canFetchMore(parent):
            self._request(self._node(parent), refresh=False)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._node(index).is_container:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
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
                return node.name
            if col == Column.SIZE:
                return format_bytes(node.size) if node.kind == Kind.OBJECT else ""
            if col == Column.MODIFIED and node.modified is not None:
                return node.modified.astimezone().strftime("%Y-%m-%d %H:%M")
            return ""
        if role == Qt.ItemDataRole.DecorationRole and col == Column.NAME:
            return self._icons[node.kind]
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
        assert self._context is not None
        node.fetching = True
        self._begin_request()
        if refresh:
            fn = _tag(self._generation, (node, True), _fetch_pages)
            args: tuple[Any, ...] = (
                self._context,
                node.bucket,
                node.key,
                node.pages,
                self.page_size,
            )
        else:
            fn = _tag(self._generation, (node, False), _fetch_page)
            args = (self._context, node.bucket, node.key, node.next_token, self.page_size)
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
        for name in sorted(wanted):
            if name in have:
                continue
            node = Node(Kind.BUCKET, name, "", self._root, modified=wanted[name].created)
            row = self._insert_position(self._root, node)
            self.beginInsertRows(QModelIndex(), row, row)
            self._root.children.insert(row, node)
            self.endInsertRows()
        self.bucketsLoaded.emit(sorted(wanted))

    @Slot(object)
    def _on_page(self, value: object) -> None:
        generation, (node, refresh), page = value  # type: ignore[misc]
        self._end_request()
        if generation != self._generation or not self._alive(node):
            return
        node.fetching = False
        if isinstance(page, AppError):
            # Mark it listed so the view stops asking; Refresh tries again.
            node.fetched = True
            node.error = user_message(page)
            self.error.emit(node.error)
            return
        node.error = ""
        if refresh:
            self._merge(node, page)
        else:
            self._append(node, page)
            node.pages += 1
        node.fetched = True
        node.next_token = page.next_token
        self.nodeLoaded.emit(node.bucket, node.key)

    def _alive(self, node: Node) -> bool:
        while node.parent is not None:
            if node not in node.parent.children:
                return False
            node = node.parent
        return node is self._root

    def _nodes_for(self, parent: Node, page: Page) -> list[Node]:
        nodes = [Node(Kind.FOLDER, parent.bucket, p, parent) for p in page.prefixes]
        nodes += [
            Node(Kind.OBJECT, parent.bucket, o.key, parent, size=o.size, modified=o.last_modified)
            for o in page.objects
        ]
        return nodes

    @staticmethod
    def _insert_position(parent: Node, node: Node) -> int:
        # Binary search: children are kept sorted (folders first, then key order).
        lo, hi = 0, len(parent.children)
        key = node.sort_key()
        while lo < hi:
            mid = (lo + hi) // 2
            if parent.children[mid].sort_key() < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _append(self, parent: Node, page: Page) -> None:
        """Insert a page's rows as contiguous blocks (folders, then objects)."""
        parent_index = self.index_for(parent)
        folders = [n for n in self._nodes_for(parent, page) if n.is_container]
        objects = [n for n in self._nodes_for(parent, page) if not n.is_container]
        known = {c.key for c in parent.children}
        for block in (folders, objects):
            block = [n for n in block if n.key not in known]
            if not block:
                continue
            row = self._insert_position(parent, block[0])
            self.beginInsertRows(parent_index, row, row + len(block) - 1)
            parent.children[row:row] = block
            self.endInsertRows()

    def _merge(self, parent: Node, page: Page) -> None:
        """Make ``parent``'s rows equal to ``page``: remove gone rows, update, insert new."""
        parent_index = self.index_for(parent)
        fresh = {n.key: n for n in self._nodes_for(parent, page)}
        for row in range(len(parent.children) - 1, -1, -1):
            child = parent.children[row]
            if child.key not in fresh or fresh[child.key].kind != child.kind:
                self.beginRemoveRows(parent_index, row, row)
                del parent.children[row]
                self.endRemoveRows()
        existing = {c.key: c for c in parent.children}
        for key, node in sorted(fresh.items(), key=lambda kv: kv[1].sort_key()):
            old = existing.get(key)
            if old is not None:
                if old.kind == Kind.OBJECT and (old.size, old.modified) != (
                    node.size,
                    node.modified,
                ):
                    old.size, old.modified = node.size, node.modified
                    row = parent.children.index(old)
                    self.dataChanged.emit(
                        self.createIndex(row, 0, old), self.createIndex(row, len(Column) - 1, old)
                    )
                continue
            row = self._insert_position(parent, node)
            self.beginInsertRows(parent_index, row, row)
            parent.children.insert(row, node)
            self.endInsertRows()

    def _remove_children(self, node: Node) -> None:
        if node.children:
            self.beginRemoveRows(self.index_for(node), 0, len(node.children) - 1)
            node.children.clear()
            self.endRemoveRows()


def _tag(generation: int, tag: object, fn: Any) -> Any:
    """Wrap ``fn`` so its result, or its error, comes back with the request's tag."""

    def tagged(*args: Any) -> tuple[int, object, Any]:
        try:
            return generation, tag, fn(*args)
        except Exception as exc:
            return generation, tag, translate(exc)

    tagged.__name__ = getattr(fn, "__name__", "tagged")
    return tagged
