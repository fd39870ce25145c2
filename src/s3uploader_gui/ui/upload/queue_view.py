"""The upload queue's table view: one line per file, fixed column widths, a progress bar.

Kept apart from the pane so the pane only places it; the model is ``queue_model``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from s3uploader_gui.ui.upload.queue_model import Column, Role, UploadQueueModel

_Index = QModelIndex | QPersistentModelIndex


class QueueView(QTableView):
    """Shows an ``UploadQueueModel``; its context menu is the pane's to fill."""

    def __init__(self, model: UploadQueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setAccessibleName(self.tr("Upload queue"))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(36)
        self.setIconSize(QSize(32, 32))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setItemDelegateForColumn(Column.PROGRESS, ProgressDelegate(self))
        self.setItemDelegateForColumn(Column.KEY, KeyDelegate(self))
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setWordWrap(False)  # one line per file: long keys are elided
        header = self.horizontalHeader()
        # Fixed widths: ResizeToContents measures every row on every change, which
        # freezes the window once the queue holds hundreds of files. The name and the
        # destination share what is left, so neither is squeezed to nothing nor pushes
        # the other out of sight (no horizontal scroll bar).
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for column in (Column.NAME, Column.KEY):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        metrics = self.fontMetrics()
        header.resizeSection(Column.SIZE, metrics.horizontalAdvance("0000.0 MiB") + 16)
        status = max(metrics.horizontalAdvance(t) for t in ("Downloading", "000.0 KiB/s · 0:00"))
        header.resizeSection(Column.STATUS, status + 16)
        header.resizeSection(Column.PROGRESS, metrics.horizontalAdvance("100 %") + 40)

    def selected_rows(self) -> list[int]:
        """The selected rows, in order."""
        return sorted({i.row() for i in self.selectionModel().selectedRows()})


def elide_key(key: str, metrics: QFontMetrics, width: int) -> str:
    """``key`` in ``width`` pixels, its file name kept whole as long as it fits: the
    folder part is shortened from its end ("clients/20…/IMG_0001.jpg"), since the
    keys of one batch share their folder and differ in their names."""
    if metrics.horizontalAdvance(key) <= width:
        return key
    folder, slash, name = key.rpartition("/")
    room = width - metrics.horizontalAdvance(slash + name)
    if folder and room >= metrics.horizontalAdvance("…"):
        return metrics.elidedText(folder, Qt.TextElideMode.ElideRight, room) + slash + name
    return metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width)


class KeyDelegate(QStyledItemDelegate):
    """The Destination column: the key with its file name in view (``elide_key``)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: _Index) -> None:
        super().initStyleOption(option, index)
        opt: Any = option  # PySide's stubs lack QStyleOptionViewItem's fields
        if not opt.text:
            return
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        # The style draws the text this far inside the cell on each side.
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        opt.text = elide_key(opt.text, opt.fontMetrics, opt.rect.width() - 2 * margin)


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a progress bar."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        fraction = index.data(Role.FRACTION)
        if fraction is None:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum = 0
        bar.maximum = 1000
        bar.progress = int(fraction * 1000)
        bar.text = f"{fraction * 100:.0f} %"
        bar.textVisible = True
        # Without State_Horizontal, Qt 6 styles fill the bar bottom-up like a vertical one.
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.palette = option.palette
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)
