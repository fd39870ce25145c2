"""The History window (View → History…, Ctrl+H): search, a list or a grid of thumbnails,
and per entry: copy link, open in the browser, download, delete, remove from history."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QModelIndex, QPoint, QSettings, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.operations.links import LinkKind
from s3uploader_gui.core.sharing import LinkFormat
from s3uploader_gui.ui.actions import make_action
from s3uploader_gui.ui.history.commands import (
    ChooseFolder,
    Confirm,
    HistoryCommands,
    bring_to_front,
)
from s3uploader_gui.ui.history.delegate import GridDelegate
from s3uploader_gui.ui.history.model import Column, HistoryModel
from s3uploader_gui.ui.upload.history_recording import notifier
from s3uploader_gui.ui.workers import WorkerPool

if TYPE_CHECKING:
    from s3uploader_gui.core.history import HistoryEntry, HistoryStore
    from s3uploader_gui.ui.browser.pane import BrowserPane
    from s3uploader_gui.ui.session import Session

#: How long typing pauses before the search runs (one SQL query per pause).
SEARCH_DELAY_MS = 200
#: Thumbnails in the list are drawn this size.
THUMB_SIZE_LIST = QSize(24, 24)


class HistoryWindow(QWidget):
    """Every recorded upload. ``confirm`` and ``choose_folder`` ask the person (tests
    answer for them).

    Signals:
        statusMessage(str): a sentence shown at the bottom.
    """

    statusMessage = Signal(str)

    def __init__(
        self,
        store: HistoryStore,
        session: Session,
        pool: WorkerPool,
        settings: QSettings,
        browser: BrowserPane | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(self.tr("Upload history"))
        self.setObjectName("historyWindow")
        self.resize(900, 560)
        self.model = HistoryModel(store, parent=self)
        self.commands = HistoryCommands(
            self.model, session, pool, settings, browser, self.show_status, self
        )
        self.confirm: Confirm = self._confirm
        self.choose_folder: ChooseFolder = self._choose_folder
        self._build()
        self.model.loadFailed.connect(self.show_status)
        self.model.modelReset.connect(self._update_count)
        self.model.modelReset.connect(self._update)
        notifier().recorded.connect(self._on_recorded)
        self._update_count()
        self._update()

    # -- construction ------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(self.tr("Search keys and buckets"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(self.tr("Search the history"))
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)
        self.search_edit.textChanged.connect(self._search_timer.start)
        top.addWidget(self.search_edit, 1)
        sp = QStyle.StandardPixmap
        self.act_list = self._action(sp.SP_FileDialogDetailedView, self.tr("List"), self.show_list)
        self.act_grid = self._action(
            sp.SP_FileDialogContentsView, self.tr("Images"), self.show_grid
        )
        self.act_grid.setToolTip(self.tr("Show the uploaded images as a grid of thumbnails"))
        for action in (self.act_list, self.act_grid):
            action.setCheckable(True)
            top.addWidget(self._button(action, text=True))
        self.act_list.setChecked(True)
        self.act_clear = self._action(
            sp.SP_DialogResetButton, self.tr("Clear history…"), self.clear_history
        )
        top.addWidget(self._button(self.act_clear, text=True))
        layout.addLayout(top)

        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setIconSize(self.table.iconSize().expandedTo(THUMB_SIZE_LIST))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(Column.UPLOADED, Qt.SortOrder.DescendingOrder)
        header.sectionClicked.connect(self._on_header_clicked)
        for column, width in ((Column.NAME, 220), (Column.LOCATION, 220), (Column.SIZE, 80)):
            header.resizeSection(column, width)
        header.resizeSection(Column.UPLOADED, 130)
        self.grid = QListView(self)
        self.grid.setModel(self.model)
        self.grid.setModelColumn(Column.NAME)
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.setSpacing(4)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setItemDelegate(GridDelegate(parent=self.grid))
        self.stack = QStackedWidget(self)
        for view in (self.table, self.grid):
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(self._on_menu)
            view.activated.connect(self._on_activated)
            self.stack.addWidget(view)
            model = view.selectionModel()
            if model is not None:
                model.selectionChanged.connect(self._update)
        layout.addWidget(self.stack, 1)

        self._build_actions()
        bottom = QHBoxLayout()
        for action in (
            self.act_copy,
            self.act_open,
            self.act_download,
            self.act_delete,
            self.act_remove,
        ):
            bottom.addWidget(self._button(action, text=True))
        bottom.addStretch(1)
        self.count_label = QLabel(self)
        bottom.addWidget(self.count_label)
        layout.addLayout(bottom)
        self.status_label = QLabel(self)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status_label)

    def _action(
        self,
        icon: QStyle.StandardPixmap | None,
        text: str,
        slot: Callable[[], object] | None,
        shortcut: QKeySequence | str | None = None,
    ) -> QAction:
        context = Qt.ShortcutContext.WindowShortcut
        return make_action(self, icon, text, slot, shortcut, context)

    def _button(self, action: QAction, *, text: bool = False) -> QToolButton:
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setAutoRaise(True)
        style = Qt.ToolButtonStyle
        button.setToolButtonStyle(
            style.ToolButtonTextBesideIcon if text else style.ToolButtonIconOnly
        )
        if action.menu() is not None:
            button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        return button

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self.act_copy = self._action(
            sp.SP_FileLinkIcon,
            self.tr("Copy link"),
            lambda: self.copy_links(LinkKind.PRESIGNED, LinkFormat.URL),
            QKeySequence(QKeySequence.StandardKey.Copy),
        )
        self.act_copy.setToolTip(
            self.tr("Copy a presigned link, valid for the default time (Ctrl+C)")
        )
        menu = QMenu(self)
        for text, kind, fmt in (
            (self.tr("Presigned link"), LinkKind.PRESIGNED, LinkFormat.URL),
            (self.tr("Public URL"), LinkKind.PUBLIC, LinkFormat.URL),
            (self.tr("Markdown (presigned)"), LinkKind.PRESIGNED, LinkFormat.MARKDOWN),
            (self.tr("HTML (presigned)"), LinkKind.PRESIGNED, LinkFormat.HTML),
            (self.tr("s3:// address"), LinkKind.S3_URI, LinkFormat.URL),
        ):
            act = menu.addAction(text)
            act.triggered.connect(lambda _=False, k=kind, f=fmt: self.copy_links(k, f))
        self.act_copy.setMenu(menu)
        self.link_menu = menu
        self.act_open = self._action(
            sp.SP_DirOpenIcon, self.tr("Open in browser"), self.open_in_browser
        )
        self.act_open.setToolTip(self.tr("Show the object in its folder in the bucket browser"))
        self.act_download = self._action(
            sp.SP_DialogSaveButton, self.tr("Download…"), self.download_selected
        )
        self.act_delete = self._action(
            sp.SP_TrashIcon, self.tr("Delete from bucket…"), self.delete_selected
        )
        self.act_remove = self._action(
            sp.SP_DialogDiscardButton,
            self.tr("Remove from history"),
            self.remove_selected,
            QKeySequence(QKeySequence.StandardKey.Delete),
        )
        self.act_remove.setToolTip(self.tr("Forget the selected uploads (the objects stay)"))
        self._action(None, self.tr("Search"), self.search_edit.setFocus, "Ctrl+F")

    # -- views ---------------------------------------------------------------------------
    @property
    def active_view(self) -> QAbstractItemView:
        view = self.stack.currentWidget()
        assert isinstance(view, QAbstractItemView)
        return view

    @Slot()
    def show_list(self) -> None:
        """All uploads, as a table."""
        self.act_list.setChecked(True)
        self.act_grid.setChecked(False)
        self.stack.setCurrentWidget(self.table)
        self.model.set_images_only(False)

    @Slot()
    def show_grid(self) -> None:
        """The uploaded images, as a grid of thumbnails."""
        self.act_list.setChecked(False)
        self.act_grid.setChecked(True)
        self.stack.setCurrentWidget(self.grid)
        self.model.set_images_only(True)

    @Slot()
    def _apply_search(self) -> None:
        self.model.set_search(self.search_edit.text().strip())

    @Slot(int)
    def _on_header_clicked(self, section: int) -> None:
        """The Uploaded column flips the order; the others keep it (SQL sorts by time)."""
        # A click on Uploaded flips the order, a click elsewhere keeps it.
        newest_first = self.model.newest_first != (section == Column.UPLOADED)
        order = Qt.SortOrder.DescendingOrder if newest_first else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(Column.UPLOADED, order)
        self.model.sort(Column.UPLOADED, order)

    @Slot(int)
    def _on_recorded(self, _count: int) -> None:
        self.model.reload()

    @Slot()
    def _update(self) -> None:
        entries = self.selected_entries()
        for action in (self.act_copy, self.act_download, self.act_delete, self.act_remove):
            action.setEnabled(bool(entries))
        self.act_open.setEnabled(len(entries) == 1 and self.commands.can_open)
        self.act_clear.setEnabled(self.model.rowCount() > 0 or bool(self.model.search))

    @Slot()
    def _update_count(self) -> None:
        """How many entries the search finds (one COUNT, when the rows are read anew)."""
        self.count_label.setText(self.tr("%n upload(s)", "", self.model.total()))

    def selected_entries(self) -> list[HistoryEntry]:
        """The entries selected in the visible view, in the order shown."""
        model = self.active_view.selectionModel()
        if model is None:
            return []
        rows = {i.row() for i in model.selectedIndexes()}
        return self.model.entries(sorted(rows))

    def select_rows(self, rows: list[int]) -> None:
        """Select ``rows`` in the visible view (tests, and after a search)."""
        from PySide6.QtCore import QItemSelection, QItemSelectionModel

        view = self.active_view
        selection = QItemSelection()
        column = 0 if view is self.table else Column.NAME
        for row in rows:
            index = self.model.index(row, column)
            selection.select(index, index)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        if view is self.table:
            flags |= QItemSelectionModel.SelectionFlag.Rows
        model = view.selectionModel()
        if model is not None:
            model.select(selection, flags)

    @Slot(QPoint)
    def _on_menu(self, pos: QPoint) -> None:
        if not self.selected_entries():
            return
        menu = QMenu(self)
        menu.addMenu(self.link_menu).setText(self.tr("Copy link"))
        for action in (self.act_open, self.act_download, self.act_delete, None, self.act_remove):
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menu.popup(self.active_view.viewport().mapToGlobal(pos))

    @Slot(QModelIndex)
    def _on_activated(self, _index: QModelIndex) -> None:
        self.open_in_browser()

    # -- commands ------------------------------------------------------------------------
    def show_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.statusMessage.emit(text)

    def copy_links(self, kind: LinkKind, fmt: LinkFormat) -> None:
        self.commands.copy_links(self.selected_entries(), kind, fmt)

    @Slot()
    def open_in_browser(self) -> None:
        entries = self.selected_entries()
        if len(entries) == 1:
            self.commands.open_in_browser(entries[0])

    @Slot()
    def download_selected(self) -> None:
        entries = self.selected_entries()
        if not entries:
            return
        dest = self.choose_folder()
        if dest is not None:
            self.commands.download(entries, dest)

    @Slot()
    def delete_selected(self) -> None:
        self.commands.delete(self.selected_entries(), self.confirm)

    @Slot()
    def remove_selected(self) -> None:
        self.commands.remove(self.selected_entries())

    @Slot()
    def clear_history(self) -> None:
        self.commands.clear(self.confirm)

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _choose_folder(self) -> Path | None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Download into"), str(Path.home()))
        return Path(folder) if folder else None

    def closeEvent(self, event: QCloseEvent) -> None:
        self.commands.shutdown()
        self.model.store.close()
        event.accept()


def open_history_window(
    current: HistoryWindow | None,
    session: Session,
    pool: WorkerPool,
    settings: QSettings,
    browser: BrowserPane | None,
    parent: QWidget,
) -> HistoryWindow | None:
    """Show the History window (``current`` again when it is still open); None when the
    history file cannot be opened (the person is told why)."""
    if current is not None and shiboken6.isValid(current) and current.isVisible():
        current.model.reload()
        bring_to_front(current)
        return current
    from s3uploader_gui.core.history import HistoryStore

    try:
        store = HistoryStore()
    except AppError as err:
        QMessageBox.warning(parent, parent.tr("Upload history"), err.message)
        return None
    window = HistoryWindow(store, session, pool, settings, browser, parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    return window
