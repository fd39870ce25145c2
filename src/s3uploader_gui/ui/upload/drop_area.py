"""The upload pane's drop target: an empty-state hint, or the queue once files arrive."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QFont
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QPushButton,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)


def local_paths(mime: QMimeData) -> list[Path]:
    """The local files and folders in a drag (``text/uri-list`` with file URLs)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class DropArea(QStackedWidget):
    """Accepts dropped files and folders anywhere over it.

    Shows a hint with an "Add files…" button while ``content`` is empty, ``content``
    (the queue view) otherwise.

    Signals:
        pathsDropped(list): the local paths dropped (files and folders).
        addFilesRequested(): the hint's button was pressed.
    """

    pathsDropped = Signal(list)
    addFilesRequested = Signal()

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setAccessibleName(self.tr("Drop files here to upload"))
        self._hint = QWidget(self)
        self._hint.setObjectName("dropHint")
        layout = QVBoxLayout(self._hint)
        layout.addStretch(1)
        icon = QLabel(self._hint)
        icon.setPixmap(
            QApplication.style().standardIcon(QStyle.StandardPixmap.SP_ArrowUp).pixmap(48, 48)
        )
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(icon)
        title = QLabel(self.tr("Drop photos, files or folders here"), self._hint)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        sub = QLabel(
            self.tr("They upload to the destination shown above. Folders keep their structure."),
            self._hint,
        )
        sub.setWordWrap(True)
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        sub.setEnabled(False)
        layout.addWidget(sub)
        button = QPushButton(self.tr("Add files…"), self._hint)
        button.clicked.connect(self.addFilesRequested)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self._hint.setStyleSheet(
            "#dropHint { border: 2px dashed palette(mid); border-radius: 10px; }"
        )
        self.addWidget(self._hint)
        self.content = content
        self.addWidget(content)

    def show_content(self, has_items: bool) -> None:
        self.setCurrentWidget(self.content if has_items else self._hint)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.pathsDropped.emit(paths)
