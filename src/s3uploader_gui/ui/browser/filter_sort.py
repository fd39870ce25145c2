"""The filter box over the loaded rows, the count of what it shows, and the Sort menu."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHeaderView, QLabel, QLineEdit, QMenu, QToolButton, QWidget

from s3uploader_gui.ui.browser.folder_model import BrowserFilterModel
from s3uploader_gui.ui.browser.node import Column, Node
from s3uploader_gui.ui.browser.paging import BucketModel
from s3uploader_gui.ui.browser.ports import tr
from s3uploader_gui.ui.browser.tree_model import NodeTreeModel


class FilterEdit(QLineEdit):
    """Filter-as-you-type, applied once the typing pauses; Enter searches the server.

    Signals:
        filterChanged(str): the text to filter by (150 ms after the last change).
    """

    filterChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setClearButtonEnabled(True)
        self.setPlaceholderText(tr("Filter…  (Enter: search the server)"))
        self.setAccessibleName(tr("Filter"))
        self.setToolTip(
            tr(
                "Type to filter the loaded items (Ctrl+F). Press Enter to ask the server for "
                "every name in this folder that starts with the text."
            )
        )
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self._on_timeout)
        self.textChanged.connect(self._on_text)

    def focus(self) -> None:
        """Focus the box with its text selected (Ctrl+F)."""
        self.setFocus()
        self.selectAll()

    def clear_quietly(self) -> None:
        """Empty the box without filtering again (the caller shows a new folder)."""
        self.blockSignals(True)
        self.clear()
        self.blockSignals(False)

    @Slot(str)
    def _on_text(self, _text: str) -> None:
        self._timer.start()

    @Slot()
    def _on_timeout(self) -> None:
        self.filterChanged.emit(self.text())


class ItemCount(QLabel):
    """How many items the folder on screen has ("12 items"; "3 of 12 items" while the
    filter hides some; a "+" while more pages wait), or "Loading…"."""

    def __init__(
        self,
        model: BucketModel,
        proxy: BrowserFilterModel,
        current: Callable[[], Node],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("", parent)
        self.setEnabled(False)
        self._model = model
        self._proxy = proxy
        self._current = current

    @Slot(bool)
    def on_loading(self, loading: bool) -> None:
        self.setText(tr("Loading…") if loading else self.count_text())

    def update_count(self) -> None:
        """Count again, unless a listing is loading (the label says so until it ends)."""
        if not self._model.loading:
            self.setText(self.count_text())

    def count_text(self) -> str:
        node = self._current()
        if node is self._model.root:
            return ""
        if not node.fetched:
            return ""
        from PySide6.QtCore import QLocale

        # "1 item" / "2 items" come from the English catalogue (ui/i18n.py); "%Ln" writes
        # the number with the locale's group separators ("12,345" in English).
        total = QCoreApplication.translate("BrowserPane", "%Ln item(s)", "", len(node.children)) + (
            "+" if node.next_token else ""
        )
        if self._proxy.text:
            # What the filter shows, out of what is loaded.
            shown = QLocale().toString(self._proxy.rowCount())
            return tr("%1 of %2").replace("%1", shown).replace("%2", total)
        return total


class SortControl(QObject):
    """The Sort menu (name, size or date; descending), the list's header indicator and
    the model's order, kept in step whichever of them changes it. ``header`` gives the
    list's header while the list shows the model, else None."""

    def __init__(
        self,
        model: NodeTreeModel,
        header: Callable[[], QHeaderView | None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._header = header
        self.actions: dict[Column, QAction] = {}
        for column, label in (
            (Column.NAME, tr("Name")),
            (Column.SIZE, tr("Size")),
            (Column.MODIFIED, tr("Date modified")),
        ):
            act = QAction(label, self)
            act.setCheckable(True)
            act.setData(int(column))
            act.triggered.connect(self._on_sort_action)
            self.actions[column] = act
        self.descending = QAction(tr("Descending"), self)
        self.descending.setCheckable(True)
        self.descending.triggered.connect(self._on_sort_action)
        self.button = QToolButton(parent)
        self.button.setText(tr("Sort"))
        self.button.setToolTip(tr("Sort by name, size or date"))
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        for act in self.actions.values():
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction(self.descending)
        self.button.setMenu(menu)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by name, size or date (folders first); keeps the selection."""
        self._model.sort(column, order)
        for col, act in self.actions.items():
            act.setChecked(col == self._model.sort_column)
        self.descending.setChecked(order == Qt.SortOrder.DescendingOrder)
        header = self._header()
        if header is not None:
            header.blockSignals(True)
            header.setSortIndicator(column, order)
            header.blockSignals(False)

    @Slot(int, Qt.SortOrder)
    def on_sort_indicator(self, column: int, order: Qt.SortOrder) -> None:
        self.sort(column, order)

    @Slot()
    def _on_sort_action(self) -> None:
        action = self.sender()
        column = self._model.sort_column
        if isinstance(action, QAction) and action is not self.descending:
            column = Column(int(action.data()))
        order = (
            Qt.SortOrder.DescendingOrder
            if self.descending.isChecked()
            else Qt.SortOrder.AscendingOrder
        )
        self.sort(column, order)
