"""What the views show: the rows of one folder as a flat table, filtered as you type.

The views never see the tree: ``FolderModel`` shows one container's rows as a flat
table and ``BrowserFilterModel`` filters them, so a page costs the views the same at
100,000 rows as at 1,000 (see ``FolderModel``).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Slot,
)

from s3uploader_gui.ui.browser.node import Column, Node
from s3uploader_gui.ui.browser.tree_model import NodeTreeModel

_Index = QModelIndex | QPersistentModelIndex


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

    def __init__(self, source: NodeTreeModel, parent: QObject | None = None) -> None:
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
    def source(self) -> NodeTreeModel:
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

    def __init__(self, source: NodeTreeModel, parent: QObject | None = None) -> None:
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
        # The filter is a Python override only while there is text to match: Qt calls
        # filterAcceptsRow for every row of every page inserted, and each call into
        # Python waits for the GIL, which the worker listing the next page holds. With
        # no override, Qt's own accepts every row without leaving C++.
        # Set and removed as an attribute: PySide notices an override only that way.
        if text:
            self.filterAcceptsRow = types.MethodType(type(self)._accepts_row, self)  # type: ignore[method-assign]
        elif "filterAcceptsRow" in self.__dict__:
            del self.filterAcceptsRow
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def _accepts_row(self, source_row: int, source_parent: _Index) -> bool:
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
