"""Qt event factories that work across the PySide6 versions the app supports."""

from __future__ import annotations

import time

import PySide6
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer
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


class GapRecorder:
    """Records the gaps between ticks of a 10 ms QTimer: how long the event loop stalled.

    Use as a context manager around the work; ``gaps`` holds seconds, ``worst`` the max.
    """

    def __init__(self, interval_ms: int = 10) -> None:
        self.gaps: list[float] = []
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    @property
    def worst(self) -> float:
        return max(self.gaps, default=0.0)

    def __enter__(self) -> GapRecorder:
        self._last = time.perf_counter()
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.stop()
