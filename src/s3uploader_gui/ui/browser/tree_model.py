"""The browser's tree of rows as a Qt item model: buckets → folders → objects.

Each container keeps its children in the current sort order (folders first), so a row
is found by binary search and a page of new rows goes in where it belongs, in as few
blocks as possible; nothing is ever reset for incremental data. Listing the rows is
``paging.BucketModel``'s business; this model only holds, orders and shows them.

Rows are frozen out of the cyclic garbage collector (see ``gc_policy``): removing a
container empties it all the way down (``_release``), so reference counting frees it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

from s3uploader_gui.core.formatting import format_bytes
from s3uploader_gui.ui.browser.node import Column, Kind, Node, Role

_Index = QModelIndex | QPersistentModelIndex


@functools.lru_cache(maxsize=4096)
def _date_text(mtime: float) -> str:
    """The local date and time shown for ``mtime`` (cached: every repaint asks again,
    and rows listed together often share their time)."""
    return dt.datetime.fromtimestamp(mtime, dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def _group(node: Node) -> int:
    return 2 if node.search else (0 if node.listing is not None else 1)


class NodeTreeModel(QAbstractItemModel):
    """Buckets, folders and objects as a tree of sorted ``Node`` rows.

    Subclasses fill it (``_insert_nodes``, ``remove_node``) and are told when a container
    leaves the tree (``_released``).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = Node(Kind.BUCKET, "", "", None)
        assert self._root.listing is not None
        self._root.listing.fetched = True
        self._sort_column = Column.NAME
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._pinned: set[int] = set()  # id() of the shown container and its ancestors
        #: Set by the pane: returns a thumbnail for a node (or None and queues it).
        self.thumbnail_lookup: Callable[[Node], QPixmap | None] | None = None
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

    @property
    def root(self) -> Node:
        return self._root

    @property
    def connected(self) -> bool:
        """True while rows may still be coming (a region shows "…" until known)."""
        return False

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
                return node.region or ("…" if self.connected else "")
            return ""
        if role == Qt.ItemDataRole.DecorationRole and col == Column.NAME:
            if node.search:
                return self._search_icon
            if node.kind == Kind.OBJECT and node.is_image and self.thumbnail_lookup is not None:
                # A painted row asks for its thumbnail here too, so the list shows the
                # picture as the grid does (the kind's icon until it arrives).
                thumb = self.thumbnail_lookup(node)
                if thumb is not None and not thumb.isNull():
                    return QIcon(thumb)
            return self._icons[node.kind]
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

    # -- rows --------------------------------------------------------------------------
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
            self._released(node)
            stack.extend(c for c in node.listing.children if c.listing is not None)
            node.listing.children = []

    def _released(self, node: Node) -> None:
        """Container ``node`` left the tree (subclasses let go of what it holds)."""
