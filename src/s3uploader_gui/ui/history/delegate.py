"""The thumbnail grid's cells: the picture centred in a square, its name elided below."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

#: The picture's box in a cell, in pixels (thumbnails are made at 160).
THUMB_BOX = 128
_PAD = 6


class GridDelegate(QStyledItemDelegate):
    """Every cell the same size (so the grid packs), whatever the picture's shape."""

    def __init__(self, box: int = THUMB_BOX, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = box

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        line = option.fontMetrics.height()
        return QSize(self.box + 2 * _PAD, self.box + line + 3 * _PAD)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        rect: QRect = opt.rect
        state = opt.state
        widget = opt.widget
        style = widget.style() if widget is not None else None
        painter.save()
        if style is not None:
            # The selection and focus frame as the platform draws them, without text.
            opt.text = ""
            opt.icon = QIcon()
            # The whole cell, picture included: otherwise only the (empty) text box is
            # highlighted, a band that starts half-way down the picture.
            opt.showDecorationSelected = True
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        picture = QRect(rect.x() + _PAD, rect.y() + _PAD, rect.width() - 2 * _PAD, self.box)
        if isinstance(icon, QIcon) and not icon.isNull():
            icon.paint(painter, picture, Qt.AlignmentFlag.AlignCenter)
        selected = bool(state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(opt.palette.color(role))
        metrics = opt.fontMetrics
        text_rect = QRect(
            rect.x() + _PAD,
            picture.bottom() + _PAD,
            rect.width() - 2 * _PAD,
            metrics.height(),
        )
        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        elided = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, text_rect.width())
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignHCenter), elided)
        painter.restore()
