"""The history as a lazy table: pages of ``page_size`` rows read from SQLite on demand.

The first page is read when the model is made (or its search, order or image filter
changes); each further page when a view scrolls to the end (``canFetchMore`` /
``fetchMore``), positioned after the last row read (keyset paging: no OFFSET to count
through). Searching and ordering happen in SQL, so 100,000 entries cost one page.
Thumbnails are read one at a time when a row is drawn, and a few hundred are kept.
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.formatting import format_bytes

if TYPE_CHECKING:
    from s3uploader_gui.core.history import HistoryEntry, HistoryStore

Index = QModelIndex | QPersistentModelIndex

#: Rows read per page.
PAGE_SIZE = 200
#: Thumbnails kept decoded (about 100 KiB each as pixmaps of 160 px).
ICON_CACHE = 400
#: The role that carries a row's ``HistoryEntry``.
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1


class Column(enum.IntEnum):
    NAME = 0
    LOCATION = 1
    SIZE = 2
    TYPE = 3
    UPLOADED = 4
    PROFILE = 5


class HistoryModel(QAbstractTableModel):
    """The entries of a ``HistoryStore``, newest first unless sorted otherwise.

    Only the Uploaded column sorts (by time, either way). Signals:
        loadFailed(str): the history could not be read (the sentence to show).
    """

    loadFailed = Signal(str)

    def __init__(
        self, store: HistoryStore, page_size: int = PAGE_SIZE, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.page_size = page_size
        self._rows: list[HistoryEntry] = []
        self._more = False
        self._fetching = False
        self._search = ""
        self._images_only = False
        self._newest_first = True
        self._icons: OrderedDict[int, QIcon] = OrderedDict()
        self._file_icon: QIcon | None = None
        self._headers = {
            Column.NAME: self.tr("Name"),
            Column.LOCATION: self.tr("Location"),
            Column.SIZE: self.tr("Size"),
            Column.TYPE: self.tr("Type"),
            Column.UPLOADED: self.tr("Uploaded"),
            Column.PROFILE: self.tr("Profile"),
        }
        self.reload()

    # -- what is shown ----------------------------------------------------------------
    @property
    def search(self) -> str:
        return self._search

    @property
    def images_only(self) -> bool:
        return self._images_only

    @property
    def newest_first(self) -> bool:
        return self._newest_first

    def set_search(self, text: str) -> None:
        """Show the entries whose key or bucket contains ``text``."""
        if text != self._search:
            self._search = text
            self.reload()

    def set_images_only(self, on: bool) -> None:
        """Show only images (the thumbnail grid), or everything."""
        if on != self._images_only:
            self._images_only = on
            self.reload()

    def reload(self) -> None:
        """Read the first page again (after a change of the history or of the search)."""
        page = self._page(None)
        # Whoever the reset wakes (a view, a checker) asks for more pages once it is over.
        self._fetching = True
        try:
            self.beginResetModel()
            self._icons.clear()
            self._rows = page
            self._more = len(page) == self.page_size
            self.endResetModel()
        finally:
            self._fetching = False

    def total(self) -> int:
        """How many entries the search finds in all (a count in SQL)."""
        try:
            return self.store.count(self._search, images_only=self._images_only)
        except AppError as err:
            self.loadFailed.emit(err.message)
            return len(self._rows)

    def _page(self, after: HistoryEntry | None) -> list[HistoryEntry]:
        try:
            return self.store.query(
                self._search,
                self.page_size,
                newest_first=self._newest_first,
                after=None if after is None else (after.time, after.id),
                images_only=self._images_only,
            )
        except AppError as err:
            self.loadFailed.emit(err.message)
            return []

    # -- entries ------------------------------------------------------------------------
    def entry(self, row: int) -> HistoryEntry:
        return self._rows[row]

    def entries(self, rows: list[int]) -> list[HistoryEntry]:
        return [self._rows[r] for r in sorted(set(rows)) if 0 <= r < len(self._rows)]

    def row_of(self, entry_id: int) -> int:
        """The row showing entry ``entry_id`` (-1: not among the rows read)."""
        return next((i for i, e in enumerate(self._rows) if e.id == entry_id), -1)

    # -- QAbstractTableModel ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._more and not self._fetching

    def fetchMore(self, parent: Index) -> None:
        if not self.canFetchMore(parent):
            return
        page = self._page(self._rows[-1] if self._rows else None)
        self._more = len(page) == self.page_size
        if not page:
            return
        start = len(self._rows)
        # A view (or checker) that asks for more while the rows go in must not read
        # the same page again.
        self._fetching = True
        try:
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()
        finally:
            self._fetching = False

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers[Column(section)]
        if role == Qt.ItemDataRole.TextAlignmentRole and section == Column.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.DecorationRole and column == Column.NAME:
            return self.icon(entry)
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f"{entry.profile} — {entry.endpoint}" if entry.endpoint else entry.profile
            return f"{entry.s3_uri}\n{where}" if where else entry.s3_uri
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(entry: HistoryEntry, column: int) -> str | None:
        if column == Column.NAME:
            return entry.name
        if column == Column.LOCATION:
            return f"s3://{entry.bucket}/{entry.folder}"
        if column == Column.SIZE:
            return format_bytes(entry.size)
        if column == Column.TYPE:
            return entry.content_type
        if column == Column.UPLOADED:
            return entry.uploaded_at.strftime("%Y-%m-%d %H:%M")
        if column == Column.PROFILE:
            return entry.profile
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by the upload time (the only order SQL keeps cheap at any size)."""
        if column != Column.UPLOADED:
            return
        newest_first = order == Qt.SortOrder.DescendingOrder
        if newest_first != self._newest_first:
            self._newest_first = newest_first
            self.reload()

    # -- thumbnails ---------------------------------------------------------------------------
    def icon(self, entry: HistoryEntry) -> QIcon:
        """The entry's thumbnail (read and decoded once), or a file icon."""
        if not entry.has_thumbnail:
            return self._generic_icon()
        cached = self._icons.get(entry.id)
        if cached is not None:
            self._icons.move_to_end(entry.id)
            return cached
        try:
            data = self.store.thumbnail(entry.id)
        except AppError:
            data = None
        image = QImage.fromData(data) if data else QImage()
        icon = QIcon(_square(image)) if not image.isNull() else self._generic_icon()
        self._icons[entry.id] = icon
        if len(self._icons) > ICON_CACHE:
            self._icons.popitem(last=False)
        return icon

    def _generic_icon(self) -> QIcon:
        if self._file_icon is None:
            style = QApplication.style()
            self._file_icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        return self._file_icon


def _square(image: QImage) -> QPixmap:
    """``image`` centred on a transparent square: every row's name starts at one place,
    whatever the picture's shape."""
    side = max(image.width(), image.height())
    square = QPixmap(side, side)
    square.fill(Qt.GlobalColor.transparent)
    painter = QPainter(square)
    painter.drawImage((side - image.width()) // 2, (side - image.height()) // 2, image)
    painter.end()
    return square
