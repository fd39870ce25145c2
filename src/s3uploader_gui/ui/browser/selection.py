"""The selected rows of the browser's visible view, as nodes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex
from PySide6.QtWidgets import QAbstractItemView

from s3uploader_gui.ui.browser.folder_model import BrowserFilterModel
from s3uploader_gui.ui.browser.node import Kind, Node


class Selection:
    """Reads and sets the selection of whichever view is visible (list or grid)."""

    def __init__(
        self, proxy: BrowserFilterModel, active_view: Callable[[], QAbstractItemView]
    ) -> None:
        self._proxy = proxy
        self._active_view = active_view

    def indexes(self) -> list[QModelIndex]:
        """Selected rows of the visible view (proxy indexes, column 0)."""
        view = self._active_view()
        model = view.selectionModel()
        if model is None:
            return []
        return [i for i in model.selectedIndexes() if i.column() == 0]

    def nodes(self) -> list[Node]:
        return [self._proxy.node(i) for i in self.indexes()]

    def objects(self) -> list[tuple[str, str]]:
        """(bucket, key) of every selected object (folders and buckets excluded)."""
        return [(n.bucket, n.key) for n in self.nodes() if n.kind == Kind.OBJECT]

    def select(self, nodes: list[Node]) -> None:
        """Select ``nodes`` (rows of the folder on screen) in the visible view."""
        view = self._active_view()
        model = view.selectionModel()
        if model is None:
            return
        selection = QItemSelection()
        for node in nodes:
            index = self._proxy.index_for(node)
            if index.isValid():
                selection.select(index, index)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        model.select(selection, flags)
        if nodes:
            first = self._proxy.index_for(nodes[0])
            if first.isValid():
                model.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
