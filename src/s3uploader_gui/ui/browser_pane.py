"""The bucket browser pane: the lazy tree, its context menu, and link copying."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.s3client import S3Context
from s3uploader_gui.core.sharing import presigned_get_url
from s3uploader_gui.ui.browser_model import BucketModel, Kind, Role
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.workers import WorkerPool

#: (label, seconds) for "Copy presigned link".
EXPIRY_CHOICES = [("1 hour", 3600), ("1 day", 86400), ("7 days", 7 * 86400)]


def _presign_all(context: S3Context, objects: list[tuple[str, str]], seconds: int) -> list[str]:
    """Worker body: one presigned link per (bucket, key)."""
    client = context.client
    return [presigned_get_url(client, bucket, key, seconds) for bucket, key in objects]


class BrowserPane(QWidget):
    """Buckets → folders → objects, with actions on the selection.

    Signals:
        destinationChosen(str, str): (bucket, prefix) of a bucket or folder the user selected.
        linkCopied(str): the text put on the clipboard by "Copy presigned link".
        statusMessage(str, int): text for the status bar and how long to show it.
        selectionChanged(): the selection changed (actions may need enabling).
        bucketsLoaded(list): the bucket names after a refresh.
    """

    destinationChosen = Signal(str, str)
    linkCopied = Signal(str)
    statusMessage = Signal(str, int)
    selectionChanged = Signal()
    bucketsLoaded = Signal(list)

    def __init__(
        self, pool: WorkerPool, refresh_action: QAction, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.pool = pool
        self.model = BucketModel(pool, self)
        self.refresh_action = refresh_action
        self._link_seconds = 3600
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 8, 8)
        head = QHBoxLayout()
        head.addWidget(QLabel(self.tr("<b>Bucket browser</b>"), self))
        head.addStretch(1)
        self.state_label = QLabel("", self)
        self.state_label.setEnabled(False)
        head.addWidget(self.state_label)
        refresh = QToolButton(self)
        refresh.setDefaultAction(refresh_action)
        refresh.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        head.addWidget(refresh)
        layout.addLayout(head)

        self.view = QTreeView(self)
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("Bucket browser"))
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_menu)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        metrics = self.view.fontMetrics()
        header.resizeSection(1, metrics.horizontalAdvance("0000.0 MiB") + 16)
        header.resizeSection(2, metrics.horizontalAdvance("2026-12-31 23:59") + 16)
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        layout.addWidget(self.view, 1)

        self.model.error.connect(self._on_error)
        self.model.loadingChanged.connect(self._on_loading)
        self.model.bucketsLoaded.connect(self.bucketsLoaded)

    # -- connection and refresh --------------------------------------------------------
    def set_context(self, context: S3Context | None) -> None:
        self.model.set_context(context)

    @Slot()
    def refresh(self) -> None:
        """Reload the buckets and the selected bucket or folder."""
        self.model.refresh_buckets()
        for index in self.selected_indexes()[:1]:
            self.model.refresh(index)

    @Slot(str, str)
    def refresh_prefix(self, bucket: str, prefix: str) -> None:
        self.model.refresh_prefix(bucket, prefix)

    @Slot(bool)
    def _on_loading(self, loading: bool) -> None:
        self.state_label.setText(self.tr("Loading…") if loading else "")

    @Slot(str)
    def _on_error(self, text: str) -> None:
        self.statusMessage.emit(text, 0)

    # -- selection ---------------------------------------------------------------------
    def selected_indexes(self) -> list[QModelIndex]:
        return self.view.selectionModel().selectedRows()

    def selected_objects(self) -> list[tuple[str, str]]:
        """(bucket, key) of every selected object (folders and buckets excluded)."""
        return [
            (i.data(Role.BUCKET), i.data(Role.KEY))
            for i in self.selected_indexes()
            if i.data(Role.KIND) == Kind.OBJECT
        ]

    @Slot()
    def _on_selection(self) -> None:
        indexes = self.selected_indexes()
        if len(indexes) == 1 and indexes[0].data(Role.KIND) in (Kind.BUCKET, Kind.FOLDER):
            self.destinationChosen.emit(indexes[0].data(Role.BUCKET), indexes[0].data(Role.KEY))
        self.selectionChanged.emit()

    @Slot(QPoint)
    def _on_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        if self.selected_objects():
            for label, seconds in EXPIRY_CHOICES:
                act = menu.addAction(self.tr("Copy presigned link (%s)") % self.tr(label))
                act.setData(seconds)
                act.triggered.connect(self._on_copy_link_action)
            menu.addAction(self.tr("Copy s3:// URI"), self.copy_s3_uri)
            menu.addSeparator()
        menu.addAction(self.refresh_action)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    # -- sharing -----------------------------------------------------------------------
    @Slot()
    def _on_copy_link_action(self) -> None:
        action = self.sender()
        seconds = action.data() if isinstance(action, QAction) else 3600
        self.copy_presigned_link(int(seconds))

    @Slot()
    def copy_s3_uri(self) -> None:
        lines = [f"s3://{b}/{k}" for b, k in self.selected_objects()]
        if lines:
            QGuiApplication.clipboard().setText("\n".join(lines))
            self.statusMessage.emit(self.tr("Copied %n address(es).", "", len(lines)), 8000)

    def copy_presigned_link(self, seconds: int = 3600) -> None:
        """Put presigned GET links to the selected objects on the clipboard, one per line."""
        context = self.model.context
        objects = self.selected_objects()
        if context is None or not objects:
            self.statusMessage.emit(self.tr("Select an object in the bucket browser first."), 8000)
            return
        self._link_seconds = seconds
        self.pool.run(
            _presign_all,
            context,
            objects,
            seconds,
            on_result=self._on_links_ready,
            on_failed=self._on_link_failed,
            name="presign",
        )

    @Slot(object)
    def _on_links_ready(self, urls: object) -> None:
        assert isinstance(urls, list)
        text = "\n".join(urls)
        QGuiApplication.clipboard().setText(text)
        label = next((lbl for lbl, s in EXPIRY_CHOICES if s == self._link_seconds), "")
        self.statusMessage.emit(
            self.tr("Presigned link copied (valid for %s).") % self.tr(label), 8000
        )
        self.linkCopied.emit(text)

    @Slot(object)
    def _on_link_failed(self, err: object) -> None:
        self.statusMessage.emit(error_text(err), 0)
