"""Qt event factories that work across the PySide6 versions the app supports."""

from __future__ import annotations

import PySide6
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent

# PySide6 6.12 takes QPointF for QDragEnterEvent and deprecates QPoint; 6.11 takes QPoint.
_ENTER_TAKES_POINTF = tuple(PySide6.__version_info__[:2]) >= (6, 12)


def drag_events(pos: QPoint | QPointF, mime: QMimeData) -> tuple[QDragEnterEvent, QDropEvent]:
    """A drag-enter and a drop of ``mime`` at ``pos``, as a file manager sends them."""
    point = pos.toPoint() if isinstance(pos, QPointF) else pos
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton)
    mods = Qt.KeyboardModifier.NoModifier
    enter_pos = point.toPointF() if _ENTER_TAKES_POINTF else point
    return QDragEnterEvent(enter_pos, *args, mods), QDropEvent(point.toPointF(), *args, mods)
