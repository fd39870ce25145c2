"""The upload queue: a table model of local files waiting for, in, or after upload.

The view that shows it, with its progress column, is in ``queue_view``.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QPixmap

from s3uploader_gui.core.formatting import format_bytes
from s3uploader_gui.core.imaging.options import ImageOptions
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.transfers.model import ItemStatus

_Index = QModelIndex | QPersistentModelIndex

#: A view repaints its whole viewport for a dataChanged over more cells than this
#: (QAbstractItemView::dataChanged); up to it, only the part of the range in sight.
VIEW_CELLS_PER_CHANGE = 200


class Column(enum.IntEnum):
    NAME = 0
    SIZE = 1
    STATUS = 2
    PROGRESS = 3
    KEY = 4


class Role(enum.IntEnum):
    STATUS = Qt.ItemDataRole.UserRole + 1
    FRACTION = Qt.ItemDataRole.UserRole + 2
    PATH = Qt.ItemDataRole.UserRole + 3


@dataclass
class QueueItem:
    """One local file in the queue; ``relative`` is its key below the destination prefix."""

    path: Path
    relative: str
    size: int
    status: ItemStatus = ItemStatus.QUEUED
    done_bytes: int = 0
    key: str = ""
    bucket: str = ""
    error: str = ""
    #: Shown after the status: "retrying…", or the speed and time left while uploading.
    detail: str = ""
    #: The image options this item uploads with instead of the panel's (None: the panel's).
    image_options: ImageOptions | None = None
    #: A key fixed in advance: a resumed upload keeps its key ("": the key template's).
    fixed_key: str = ""
    #: The bucket a resumed upload goes back to, whatever the pane shows ("": the pane's).
    fixed_bucket: str = ""

    @property
    def fraction(self) -> float:
        if self.status == ItemStatus.DONE:
            return 1.0
        return min(1.0, self.done_bytes / self.size) if self.size else 0.0


class UploadQueueModel(QAbstractTableModel):
    """Rows of ``QueueItem``; rows are appended as files are added, never reset."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[QueueItem] = []
        #: How many rows have each status, kept as rows change: the pane recounts its
        #: buttons after every few item events, which a walk over the queue made
        #: proportional to its length.
        self._counts: dict[ItemStatus, int] = dict.fromkeys(ItemStatus, 0)
        #: Rows changed inside ``batched()``, announced when it ends.
        self._batch: set[int] | None = None
        #: ``(index, path) -> QPixmap | None``: the NAME column's thumbnail (local_thumbnails).
        self.decoration_provider: Callable[[QModelIndex, Path], QPixmap | None] | None = None
        self._status_text = {
            ItemStatus.QUEUED: self.tr("Queued"),
            ItemStatus.PREPARING: self.tr("Preparing"),
            ItemStatus.PAUSED: self.tr("Paused"),
            ItemStatus.UPLOADING: self.tr("Uploading"),
            ItemStatus.DOWNLOADING: self.tr("Downloading"),
            ItemStatus.DONE: self.tr("Done"),
            ItemStatus.SKIPPED: self.tr("Skipped"),
            ItemStatus.FAILED: self.tr("Failed"),
            ItemStatus.CANCELLED: self.tr("Cancelled"),
        }
        self._headers = {
            Column.NAME: self.tr("Name"),
            Column.SIZE: self.tr("Size"),
            Column.STATUS: self.tr("Status"),
            Column.PROGRESS: self.tr("Progress"),
            Column.KEY: self.tr("Destination"),
        }

    # -- Qt model API ------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers.get(Column(section)) if 0 <= section < len(Column) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._items):
            return None
        item = self._items[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == Column.NAME:
                return item.relative
            if col == Column.SIZE:
                return format_bytes(item.size)
            if col == Column.STATUS:
                text = self._status_text[item.status]
                if item.detail and item.status == ItemStatus.UPLOADING:
                    return item.detail  # speed and time left, or "retrying…"
                return f"{text} ({item.detail})" if item.detail else text
            if col == Column.PROGRESS:
                return f"{item.fraction * 100:.0f} %"
            if col == Column.KEY:
                # The key alone: the view keeps its end (the file name) in sight, the
                # tooltip gives the whole address.
                return item.key
        elif role == Qt.ItemDataRole.ToolTipRole:
            if col == Column.KEY and item.key:
                return f"s3://{item.bucket}/{item.key}"
            if item.error:
                return item.error
            return str(item.path)
        elif role == Qt.ItemDataRole.TextAlignmentRole and col == Column.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        elif role == Role.STATUS:
            return item.status
        elif role == Role.FRACTION:
            return item.fraction
        elif role == Role.PATH:
            return str(item.path)
        elif role == Qt.ItemDataRole.DecorationRole and col == Column.NAME:
            provider = self.decoration_provider
            return provider(self.index(index.row(), col), item.path) if provider else None
        return None

    # -- queue API ---------------------------------------------------------------------
    def add_sources(self, sources: list[UploadSource]) -> list[int]:
        """Append files (``key`` of each source is relative to the destination)."""
        if not sources:
            return []
        first = len(self._items)
        self.beginInsertRows(QModelIndex(), first, first + len(sources) - 1)
        for src in sources:
            self._items.append(QueueItem(path=src.path, relative=src.key, size=src.size))
        self._counts[ItemStatus.QUEUED] += len(sources)
        self.endInsertRows()
        return list(range(first, first + len(sources)))

    def add_failed(self, path: Path, message: str) -> int:
        """Append a file that cannot be uploaded, with its reason."""
        row = len(self._items)
        self.beginInsertRows(QModelIndex(), row, row)
        self._items.append(
            QueueItem(
                path=path, relative=path.name, size=0, status=ItemStatus.FAILED, error=message
            )
        )
        self._counts[ItemStatus.FAILED] += 1
        self.endInsertRows()
        return row

    def item(self, row: int) -> QueueItem:
        return self._items[row]

    def rows_with_status(self, *statuses: ItemStatus) -> list[int]:
        return [i for i, it in enumerate(self._items) if it.status in statuses]

    def set_detail(self, row: int, detail: str) -> None:
        """Text after the status ("retrying…", "2.1 MiB/s, 0:12 left")."""
        item = self._items[row]
        if item.detail != detail:
            item.detail = detail
            if self._batch is not None:
                self._note(row)
                return
            top = self.index(row, Column.STATUS)
            self.dataChanged.emit(top, top, [Qt.ItemDataRole.DisplayRole])

    def set_status(self, row: int, status: ItemStatus, error: str = "") -> None:
        item = self._items[row]
        self._counts[item.status] -= 1
        self._counts[status] += 1
        item.status = status
        item.error = error
        item.detail = ""
        if status == ItemStatus.QUEUED:
            item.done_bytes = 0
        self._changed(row)

    def set_destination(self, row: int, bucket: str, key: str) -> None:
        item = self._items[row]
        item.bucket, item.key = bucket, key
        self._changed(row)

    def set_progress(self, row: int, done_bytes: int) -> None:
        item = self._items[row]
        if item.done_bytes != done_bytes:
            item.done_bytes = done_bytes
            if self._batch is not None:
                self._note(row)
                return
            top = self.index(row, Column.PROGRESS)
            self.dataChanged.emit(top, top, [Qt.ItemDataRole.DisplayRole, Role.FRACTION])

    def clear_finished(self) -> None:
        """Remove rows that are done, skipped or cancelled (failures stay for a retry)."""
        for row in range(len(self._items) - 1, -1, -1):
            if self._items[row].status in (
                ItemStatus.DONE,
                ItemStatus.SKIPPED,
                ItemStatus.CANCELLED,
            ):
                self.beginRemoveRows(QModelIndex(), row, row)
                self._counts[self._items[row].status] -= 1
                del self._items[row]
                self.endRemoveRows()

    def counts(self) -> dict[ItemStatus, int]:
        """How many rows have each status (every status present, zeros included)."""
        return dict(self._counts)

    def has_status(self, *statuses: ItemStatus) -> bool:
        """Whether any row has one of ``statuses`` (no walk over the queue)."""
        return any(self._counts[status] for status in statuses)

    def _changed(self, row: int) -> None:
        if self._batch is not None:
            self._note(row)
            return
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def _note(self, row: int) -> None:
        assert self._batch is not None
        self._batch.add(row)

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """Changes inside are announced when it ends, as one ``dataChanged`` per run of
        adjacent changed rows: a view then repaints once, not once per row (hundreds
        of rows per second while small files upload), and only the changed rows in sight.

        One signal over everything from the first changed row to the last made views
        repaint their whole viewport on every beat of a batch: the rows being uploaded
        lie below the ones in sight, and such a range soon holds more than
        ``VIEW_CELLS_PER_CHANGE`` cells."""
        if self._batch is not None:  # nested: the outer one announces
            yield
            return
        self._batch = set()
        try:
            yield
        finally:
            rows, self._batch = self._batch, None
            self._announce(sorted(r for r in rows if r < len(self._items)))

    def _announce(self, rows: list[int]) -> None:
        """``dataChanged`` for ``rows`` (sorted): one per run of adjacent rows, each run
        cut to what a view repaints in part."""
        if not rows:
            return
        last_column = len(Column) - 1
        most = max(1, VIEW_CELLS_PER_CHANGE // len(Column))
        first = prev = rows[0]
        for row in rows[1:]:
            if row != prev + 1 or row - first >= most:
                self.dataChanged.emit(self.index(first, 0), self.index(prev, last_column))
                first = row
            prev = row
        self.dataChanged.emit(self.index(first, 0), self.index(prev, last_column))
