"""The browser's two views (a list with columns, a grid of thumbnails) and their cells.

Only the visible view is attached to the model (``ViewStack``), so a hidden view never
pulls pages or lays out rows. Both pass drags and drops to a ``DropTarget``, which
decides what they mean.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QPainter,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListView,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from s3uploader_gui.ui.browser.folder_model import BrowserFilterModel
from s3uploader_gui.ui.browser.node import Column, Node, Role
from s3uploader_gui.ui.browser.ports import tr
from s3uploader_gui.ui.browser.selection import Selection

_Index = QModelIndex | QPersistentModelIndex

GRID_ICON = 96
#: The narrowest grid cell (a thumbnail and two lines of name under it).
GRID_CELL = QSize(GRID_ICON + 40, GRID_ICON + 44)
#: Pixels between a cell's top and its thumbnail.
GRID_TOP = 6
LIST_ICON = 24


class DropTarget(Protocol):
    """What the views do with drags: accept or refuse them, drop, and drag out."""

    def accept_drag(self, event: QDragEnterEvent | QDragMoveEvent) -> bool: ...

    def drop(self, event: QDropEvent, view: QAbstractItemView) -> None: ...

    def start_drag_out(self) -> None: ...


class NodeDelegate(QStyledItemDelegate):
    """Cells drawn from their node: one call into Python per cell, not one per role.

    QStyledItemDelegate asks the index for seven roles per cell, each through the proxy
    into the Python model (twice: the source index, then the data); a screen of rows is
    then close to a thousand calls, each of which may wait for the GIL while a listing
    is parsed on a worker thread. This fills the same option fields from the node
    (the model's ``node_data``) in one go.
    """

    def __init__(self, proxy: BrowserFilterModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._proxy = proxy
        self._model = proxy.folder.source

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        node = self._proxy.node(index)
        column = index.column()
        data = self._model.node_data
        opt: Any = option  # PySide's stubs lack QStyleOptionViewItem's fields
        opt.index = index
        features = opt.features
        align = data(node, column, Qt.ItemDataRole.TextAlignmentRole)
        if align is not None:
            opt.displayAlignment = Qt.AlignmentFlag(align)
        icon = data(node, column, Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon) and not icon.isNull():
            features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
            opt.icon = icon
            self._fit_icon(opt)
        text = data(node, column, Qt.ItemDataRole.DisplayRole)
        if text is not None:
            features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
            opt.text = text
        opt.features = features
        opt.styleObject = None  # as QStyledItemDelegate: no style animations in views
        self.decorate(opt, node)

    @staticmethod
    def _fit_icon(opt: Any) -> None:
        """The decoration size QStyledItemDelegate gives an icon (never larger)."""
        state = opt.state
        if not state & QStyle.StateFlag.State_Enabled:
            mode = QIcon.Mode.Disabled
        elif state & QStyle.StateFlag.State_Selected:
            mode = QIcon.Mode.Selected
        else:
            mode = QIcon.Mode.Normal
        on = QIcon.State.On if state & QStyle.StateFlag.State_Open else QIcon.State.Off
        size = opt.decorationSize
        actual = opt.icon.actualSize(size, mode, on)
        opt.decorationSize = QSize(
            min(size.width(), actual.width()), min(size.height(), actual.height())
        )

    def decorate(self, opt: Any, node: Node) -> None:
        """Subclasses change the option for ``node`` (after the standard fields)."""


class ThumbDelegate(NodeDelegate):
    """Grid cells: the thumbnail when loaded, else the image or generic icon."""

    def __init__(
        self, proxy: BrowserFilterModel, image_icon: QIcon, parent: QObject | None = None
    ) -> None:
        super().__init__(proxy, parent)
        self._image_icon = image_icon

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), size.height() + GRID_TOP)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        # A little air above the thumbnail: the grid's cells start at the very top edge.
        opt = QStyleOptionViewItem(option)
        opt.rect = option.rect.adjusted(0, GRID_TOP, 0, 0)
        super().paint(painter, opt, index)

    def decorate(self, opt: Any, node: Node) -> None:
        if not node.is_image:
            return
        thumb = self._model.node_data(node, Column.NAME, Role.THUMBNAIL)
        if isinstance(thumb, QPixmap) and not thumb.isNull():
            opt.icon = QIcon(thumb)
        else:
            opt.icon = self._image_icon
        opt.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
        self._fit_icon(opt)


class DropMixin:
    """Drops of local files upload; a drag of objects downloads them, then drags files."""

    target: DropTarget

    def setup_drag_and_drop(self, target: DropTarget) -> None:
        """Both views: several rows selected at once, a context menu, drags both ways."""
        self.target = target
        view = cast(QAbstractItemView, self)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.setDragEnabled(True)
        view.setAcceptDrops(True)
        view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        view.setDefaultDropAction(Qt.DropAction.CopyAction)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not self.target.accept_drag(event):
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not self.target.accept_drag(event):
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        self.target.drop(event, cast(QAbstractItemView, self))

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        self.target.start_drag_out()


class ListView(DropMixin, QTableView):
    """Rows with columns. Not a QTreeView: that one lays out every loaded row again on
    each inserted page (asking the model for each row's flags and children), which
    grows with the folder; a table with fixed row heights only looks at what it shows.
    """

    def __init__(
        self, target: DropTarget, proxy: BrowserFilterModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setup_drag_and_drop(target)
        self.setAccessibleName(tr("Bucket browser"))
        self.setAlternatingRowColors(True)
        self.setItemDelegate(NodeDelegate(proxy, self))
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setTabKeyNavigation(False)  # Tab leaves the view, as in a list
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # Images show their thumbnail (the model's decoration): a little larger than the
        # usual small icon, so the picture can be made out.
        icon = max(LIST_ICON, self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize))
        self.setIconSize(QSize(icon, icon))
        rows.setDefaultSectionSize(max(icon, self.fontMetrics().height()) + 6)
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )

    def header(self) -> QHeaderView:
        """The column header (the name QTreeView gives it)."""
        return self.horizontalHeader()

    def setup_header(self, column: Column, order: Qt.SortOrder) -> QHeaderView:
        """Column widths and the sort indicator, once the view has the model."""
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        metrics = self.fontMetrics()
        header.resizeSection(Column.SIZE, metrics.horizontalAdvance("0000.0 MiB") + 16)
        header.resizeSection(Column.MODIFIED, metrics.horizontalAdvance("2026-12-31 23:59") + 16)
        header.resizeSection(Column.REGION, metrics.horizontalAdvance("ap-southeast-2") + 24)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(column, order)
        return header


class GridView(DropMixin, QListView):
    """Icons in a grid: the thumbnail of each image, else its kind's icon."""

    def __init__(
        self,
        target: DropTarget,
        proxy: BrowserFilterModel,
        image_icon: QIcon,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setup_drag_and_drop(target)

        self.setAccessibleName(tr("Bucket browser thumbnails"))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setUniformItemSizes(True)  # no size hint per row: 100,000 rows stay fast
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(GRID_ICON, GRID_ICON))
        self.setGridSize(GRID_CELL)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setItemDelegate(ThumbDelegate(proxy, image_icon, self))

    def resizeEvent(self, event: QResizeEvent) -> None:
        # (A resized viewport arrives here too.) Before QListView lays the items out.
        self.fit_grid()
        super().resizeEvent(event)

    def fit_grid(self) -> None:
        """As many columns as ``GRID_CELL`` allows, widened to share the whole width: no
        empty strip on the right whatever the width."""
        width = self.flow_width()
        columns = max(1, width // GRID_CELL.width())
        cell = QSize(max(GRID_CELL.width(), width // columns), GRID_CELL.height())
        if cell != self.gridSize():
            self.setGridSize(cell)

    def flow_width(self) -> int:
        """The width QListView flows the cells into: the viewport as if it had no scroll
        bar, less the bar's width when the bar may appear (so the cells do not move when
        it does), and a cell wraps when it would reach the last pixel
        (``QListViewPrivate::prepareItemsLayout``)."""
        width = self.maximumViewportSize().width()
        if self.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAsNeeded:
            style = self.style()
            bar = self.verticalScrollBar()
            width -= style.pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, bar)
            if style.styleHint(QStyle.StyleHint.SH_ScrollView_FrameOnlyAroundContents):
                width -= 2 * style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth)
        return width - 1


class ViewStack(QStackedWidget):
    """The list and the grid of the folder on screen, one shown at a time, and the
    selection of the one shown.

    Signals:
        attached(object): a view was just given the model (it has a new selection
            model, and the list a new header).
    """

    attached = Signal(object)

    def __init__(
        self,
        target: DropTarget,
        proxy: BrowserFilterModel,
        image_icon: QIcon,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._proxy = proxy
        self.list = ListView(target, proxy, self)
        self.grid = GridView(target, proxy, image_icon, self)
        self.addWidget(self.list)
        self.addWidget(self.grid)
        self.selection = Selection(proxy, lambda: self.active)

    @property
    def active(self) -> QAbstractItemView:
        return self.grid if self.currentWidget() is self.grid else self.list

    def show_view(self, view: QAbstractItemView, at_root: bool) -> None:
        """Show ``view`` with the model (the other view has none), keeping the selection."""
        other = self.grid if view is self.list else self.list
        selected = self.selection.nodes() if other.model() is not None else []
        if other.model() is not None:
            other.setModel(None)
        if view.model() is None:
            view.setModel(self._proxy)
            self.attached.emit(view)
        self.setCurrentWidget(view)
        self.show_root(at_root)
        self.selection.select(selected)

    def show_root(self, at_root: bool) -> None:
        """A new folder is shown (``at_root``: the bucket list): no selection, the first
        row current, and the columns that folder has."""
        view = self.active
        if view.model() is None:
            return
        view.clearSelection()
        if view is self.list:
            self.list.setColumnHidden(Column.REGION, not at_root)
            self.list.setColumnHidden(Column.SIZE, at_root)
        if self._proxy.rowCount() > 0:
            view.setCurrentIndex(self._proxy.index(0, 0))
            view.clearSelection()

    def near_end(self) -> bool:
        """True when the visible view shows (nearly) the last loaded rows."""
        bar = self.active.verticalScrollBar()
        if bar.maximum() == 0:
            # Everything fits — unless the scroll bar has not caught up with a page just
            # inserted (no viewport shows hundreds of rows).
            return self._proxy.rowCount() < 300
        return bar.value() >= bar.maximum() - bar.pageStep()
