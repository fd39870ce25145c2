"""The bucket browser pane: navigation, list and thumbnail views, actions and sharing.

One ``BucketModel`` (lazy, paged) feeds a ``BrowserFilterModel`` (filter-as-you-type);
the list view (a ``QTableView`` with columns) or the grid view (``QListView`` in icon
mode with thumbnails) shows one folder at a time, like a file manager: bucket list
(with regions) → bucket → folders, with a breadcrumb, back/forward/up and a server-side
prefix search. Only the visible view is attached to the model, so a hidden view never
pulls pages or lays out rows.

Every network operation runs in a worker; long ones (delete, move, download, gallery)
show progress in a bar at the bottom of the pane and can be cancelled.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPoint,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import UnsafePath
from s3uploader_gui.core.gallery import PublishedGallery, gallery_images, publish_gallery
from s3uploader_gui.core.listing import iter_objects
from s3uploader_gui.core.naming import is_image_name, safe_local_path
from s3uploader_gui.core.objects import (
    ObjectProperties,
    create_bucket,
    create_folder,
    delete_keys,
    delete_prefix,
    move_objects,
    object_properties,
    plan_move,
    update_headers,
)
from s3uploader_gui.core.progress import TransferProgress, format_bytes
from s3uploader_gui.core.s3client import S3Context
from s3uploader_gui.core.sharing import (
    CredentialInfo,
    LinkFormat,
    credential_info,
    format_links,
    presigned_get_url,
    public_url_for,
    s3_uri,
)
from s3uploader_gui.core.transfers import DownloadSource, ItemStatus, TransferEngine
from s3uploader_gui.ui.browser.dialogs import (
    EXPIRY_CHOICES,
    GalleryDialog,
    NewBucketDialog,
    PropertiesDialog,
    ShareDialog,
    describe_lifetime,
)
from s3uploader_gui.ui.browser.thumbnails import ThumbnailProvider
from s3uploader_gui.ui.browser.folder_model import BrowserFilterModel
from s3uploader_gui.ui.browser.node import Column, Kind, Node, Role
from s3uploader_gui.ui.browser.paging import BucketModel
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.workers import Worker, WorkerPool

__all__ = ["EXPIRY_CHOICES", "BrowserPane"]

#: Dragging objects out downloads them first; beyond this, use "Download…".
DRAG_MAX_BYTES = 512 * 1024 * 1024
DRAG_MAX_FILES = 200
GRID_ICON = 96


# -- worker bodies (no widgets here: they run on worker threads) -------------------------
class _Counter:
    """Items done out of a total (0: unknown), shared with a worker thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done = 0
        self.total = 0

    def add(self, n: int = 1) -> None:
        with self._lock:
            self.done += n

    def set_total(self, n: int) -> None:
        with self._lock:
            self.total = n

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return self.done, self.total


def _presign_all(
    context: S3Context, objects: list[tuple[str, str]], seconds: int
) -> tuple[list[str], CredentialInfo]:
    """One presigned link per (bucket, key), and what the credentials allow."""
    info = credential_info(context)
    client = context.client
    return [presigned_get_url(client, b, k, seconds) for b, k in objects], info


def _links(
    context: S3Context,
    objects: list[tuple[str, str]],
    public: bool,
    seconds: int,
    base_url: str,
) -> list[tuple[str, str]]:
    """(name, url) per object: public URLs or presigned links."""
    out = []
    for bucket, key in objects:
        if public:
            url = public_url_for(context, bucket, key, base_url=base_url or None)
        else:
            url = presigned_get_url(context.client, bucket, key, seconds)
        out.append((key.rsplit("/", 1)[-1] or key, url))
    return out


def _delete_job(
    context: S3Context,
    bucket: str,
    keys: list[str],
    prefixes: list[str],
    *,
    counter: _Counter,
    cancel: CancelToken,
) -> tuple[int, list[str]]:
    """Delete objects (batched) and folders (recursively); (deleted, problems)."""
    client = context.client
    deleted = 0
    problems: list[str] = []
    counter.set_total(len(keys))
    if keys:
        result = delete_keys(client, bucket, keys, progress=counter.add, cancel=cancel)
        deleted += len(result.deleted)
        problems += [err.message for _, err in result.failed]
    for prefix in prefixes:
        result = delete_prefix(client, bucket, prefix, progress=counter.add, cancel=cancel)
        deleted += len([k for k in result.deleted if k != prefix])
        problems += [err.message for _, err in result.failed]
    return deleted, problems


def _move_job(
    context: S3Context,
    bucket: str,
    source: str,
    target: str,
    *,
    counter: _Counter,
    cancel: CancelToken,
) -> tuple[int, list[str]]:
    """Rename or move an object or a folder (copy, then delete the originals)."""
    pairs = plan_move(context.client, bucket, source, target, cancel=cancel)
    counter.set_total(len(pairs))
    result = move_objects(context.client, bucket, pairs, progress=counter.add, cancel=cancel)
    return len(result.moved), [err.message for _, err in result.failed]


def _download_job(
    context: S3Context,
    bucket: str,
    items: list[tuple[str, bool, str]],
    dest: Path,
    *,
    progress: TransferProgress,
    cancel: CancelToken,
) -> tuple[int, list[str], list[Path]]:
    """Download objects and folders (recursively) into ``dest``.

    ``items`` are (key or prefix, is_folder, strip): the part of the key dropped so that
    ``photos/2026/a.jpg`` selected in ``photos/`` lands at ``dest/2026/a.jpg``.
    """
    sources: list[DownloadSource] = []
    problems: list[str] = []
    seen: set[Path] = set()

    def add(key: str, size: int, strip: str) -> None:
        try:
            path = safe_local_path(dest, key, strip)
        except UnsafePath as err:
            problems.append(err.message)
            return
        if path not in seen:
            seen.add(path)
            sources.append(DownloadSource(key=key, path=path, size=size))

    for key, is_folder, strip in items:
        if is_folder:
            for page in iter_objects(context.client, bucket, key, recursive=True, cancel=cancel):
                for obj in page.objects:
                    if not obj.key.endswith("/"):  # folder markers are not files
                        add(obj.key, obj.size, strip)
        else:
            size = object_properties(context.client, bucket, key).size
            add(key, size, strip)
    engine = TransferEngine(context)
    try:
        results = engine.download(bucket, sources, progress=progress, cancel=cancel)
    finally:
        engine.close()
    done = [r for r in results if r.status == ItemStatus.DONE]
    problems += [r.error.message for r in results if r.error is not None]
    return len(done), problems, [r.path for r in done]


def _gallery_job(
    context: S3Context,
    bucket: str,
    keys: list[str],
    folder: str | None,
    public: bool,
    seconds: int,
    base_url: str,
    title: str,
    *,
    cancel: CancelToken,
) -> PublishedGallery:
    """Find the images (a folder's, or the given keys) and publish their gallery page."""
    import datetime as dt

    if folder is not None:
        keys = gallery_images(context.client, bucket, folder, cancel=cancel)

    def link(key: str) -> str:
        if public:
            return public_url_for(context, bucket, key, base_url=base_url or None)
        return presigned_get_url(context.client, bucket, key, seconds)

    expires = None
    if not public:
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
        info = credential_info(context)
        if info.expires_at is not None:
            expires = min(expires, info.expires_at)
    return publish_gallery(context.client, bucket, keys, link, title=title, expires_at=expires)


def _tagged(tag: str, fn: Callable[..., Any]) -> Callable[..., tuple[str, Any]]:
    def run(*args: Any, **kwargs: Any) -> tuple[str, Any]:
        return tag, fn(*args, **kwargs)

    run.__name__ = getattr(fn, "__name__", tag)
    return run


# -- views -----------------------------------------------------------------------------
class _NodeDelegate(QStyledItemDelegate):
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

    def initStyleOption(self, option: QStyleOptionViewItem, index: Any) -> None:
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


class _ThumbDelegate(_NodeDelegate):
    """Grid cells: the thumbnail when loaded, else the image or generic icon."""

    def __init__(
        self, proxy: BrowserFilterModel, image_icon: QIcon, parent: QObject | None = None
    ) -> None:
        super().__init__(proxy, parent)
        self._image_icon = image_icon

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


class _DropMixin:
    """Drops of local files upload; a drag of objects downloads them, then drags files."""

    pane: BrowserPane

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not self.pane.accept_drag(event):
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not self.pane.accept_drag(event):
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        self.pane.drop(event, self)  # type: ignore[arg-type]

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        self.pane.start_drag_out()


class _ListView(_DropMixin, QTableView):
    """Rows with columns. Not a QTreeView: that one lays out every loaded row again on
    each inserted page (asking the model for each row's flags and children), which
    grows with the folder; a table with fixed row heights only looks at what it shows.
    """

    def __init__(self, pane: BrowserPane) -> None:
        super().__init__(pane)
        self.pane = pane
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setTabKeyNavigation(False)  # Tab leaves the view, as in a list
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        icon = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        rows.setDefaultSectionSize(max(icon, self.fontMetrics().height()) + 6)
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )

    def header(self) -> QHeaderView:
        """The column header (the name QTreeView gives it)."""
        return self.horizontalHeader()


class _GridView(_DropMixin, QListView):
    def __init__(self, pane: BrowserPane) -> None:
        super().__init__(pane)
        self.pane = pane


@dataclass
class _Op:
    """The long operation running in the pane (one at a time)."""

    name: str
    label: str
    worker: Worker
    counter: _Counter | None = None
    transfer: TransferProgress | None = None
    refresh: Node | None = None


@dataclass(frozen=True)
class _Location:
    bucket: str
    prefix: str
    search: str = ""


class BrowserPane(QWidget):
    """Buckets → folders → objects, with actions on the selection.

    Signals:
        destinationChosen(str, str): (bucket, prefix) the user opened or selected.
        linkCopied(str): the text put on the clipboard by a copy action.
        statusMessage(str, int): text for the status bar and how long to show it.
        selectionChanged(): the selection changed (actions may need enabling).
        bucketsLoaded(list): the bucket names after a refresh.
        filesDropped(str, str, list): (bucket, prefix, [Path]) local files dropped to upload.
        locationChanged(str, str): the folder on screen changed to (bucket, prefix).
        operationFinished(str, object): (operation name, its result or AppError).
        dragReady(list): local paths of objects downloaded for a drag out.
    """

    destinationChosen = Signal(str, str)
    linkCopied = Signal(str)
    statusMessage = Signal(str, int)
    selectionChanged = Signal()
    bucketsLoaded = Signal(list)
    filesDropped = Signal(str, str, list)
    locationChanged = Signal(str, str)
    operationFinished = Signal(str, object)
    dragReady = Signal(list)

    def __init__(
        self, pool: WorkerPool, refresh_action: QAction, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.pool = pool
        self.model = BucketModel(pool, self)
        self.proxy = BrowserFilterModel(self.model, self)
        self.proxy.fetch_gate = self._near_end
        self.thumbnails = ThumbnailProvider(self)
        self.thumbnails.ready.connect(self._on_thumbnail_ready)
        self.model.thumbnail_lookup = self._thumbnail_for
        self._thumb_nodes: OrderedDict[object, Node] = OrderedDict()
        self.refresh_action = refresh_action
        self.public_base_url = ""
        self._current: Node = self.model.root
        self._history: list[_Location] = []
        self._history_pos = -1
        self._op: _Op | None = None
        self._drag_dir: Path | None = None
        self._drag_pending: list[Path] = []
        self.properties_dialog: PropertiesDialog | None = None
        self.share_dialog: ShareDialog | None = None
        self._share_objects: list[tuple[str, str]] = []
        self._last_credentials: CredentialInfo | None = None
        self._link_seconds = 3600
        self._share_format = LinkFormat.URL
        self._share_public = False
        self._gallery_public = False
        self._start_bucket = ""
        self._start_prefix = ""
        style = self.style()
        self._image_icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        self._build_actions()
        self._build()
        self.model.error.connect(self._on_error)
        self.model.loadingChanged.connect(self._on_loading)
        self.model.bucketsLoaded.connect(self._on_buckets_loaded)
        self._op_timer = QTimer(self)
        self._op_timer.setInterval(250)
        self._op_timer.timeout.connect(self._on_op_tick)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(150)
        self._filter_timer.timeout.connect(self._apply_filter)
        self._show_location()
        self._update_actions()

    # -- construction ------------------------------------------------------------------
    def _make_action(
        self,
        icon: QStyle.StandardPixmap | None,
        text: str,
        slot: Callable[[], None],
        shortcut: QKeySequence | str | None = None,
        context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut,
    ) -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(context)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        view_only = Qt.ShortcutContext.WidgetShortcut
        self.act_back = self._make_action(
            sp.SP_ArrowBack, self.tr("Back"), self.go_back, "Alt+Left"
        )
        self.act_forward = self._make_action(
            sp.SP_ArrowForward, self.tr("Forward"), self.go_forward, "Alt+Right"
        )
        self.act_up = self._make_action(sp.SP_ArrowUp, self.tr("Up"), self.go_up, "Alt+Up")
        self.act_up_key = self._make_action(None, self.tr("Up"), self.go_up, "Backspace", view_only)
        self.act_download = self._make_action(
            sp.SP_DialogSaveButton, self.tr("Download…"), self.download_selected, "Ctrl+D"
        )
        self.act_delete = self._make_action(
            sp.SP_TrashIcon, self.tr("Delete…"), self.delete_selected, "Delete", view_only
        )
        self.act_rename = self._make_action(
            None, self.tr("Rename or move…"), self.rename_selected, "F2", view_only
        )
        self.act_new_folder = self._make_action(
            sp.SP_FileDialogNewFolder, self.tr("New folder…"), self.new_folder, "Ctrl+Shift+N"
        )
        self.act_new_bucket = self._make_action(
            sp.SP_DriveNetIcon, self.tr("New bucket…"), self.new_bucket
        )
        self.act_properties = self._make_action(
            sp.SP_FileDialogInfoView, self.tr("Properties…"), self.show_properties, "Alt+Return"
        )
        self.act_share = self._make_action(
            sp.SP_FileLinkIcon, self.tr("Copy presigned link…"), self.open_share_dialog
        )
        self.act_copy_public = self._make_action(
            None, self.tr("Copy public URL"), self.copy_public_url
        )
        self.act_copy_uri = self._make_action(None, self.tr("Copy s3:// URI"), self.copy_s3_uri)
        self.act_copy_markdown = self._make_action(
            None, self.tr("Copy as Markdown…"), self._share_markdown
        )
        self.act_copy_html = self._make_action(None, self.tr("Copy as HTML…"), self._share_html)
        self.act_gallery = self._make_action(
            None, self.tr("Publish gallery…"), self.publish_gallery_dialog
        )
        self.act_view_list = self._make_action(
            sp.SP_FileDialogDetailedView, self.tr("List view"), self.show_list, "Ctrl+1"
        )
        self.act_view_grid = self._make_action(
            sp.SP_FileDialogListView, self.tr("Thumbnail view"), self.show_grid, "Ctrl+2"
        )
        self.act_find = self._make_action(None, self.tr("Filter"), self._focus_filter, "Ctrl+F")
        for act in (self.act_view_list, self.act_view_grid):
            act.setCheckable(True)
        self.act_view_list.setChecked(True)
        self.act_back.setToolTip(self.tr("Back (Alt+Left)"))
        self.act_forward.setToolTip(self.tr("Forward (Alt+Right)"))
        self.act_up.setToolTip(self.tr("Up one folder (Alt+Up, Backspace)"))
        self.sort_actions: dict[Column, QAction] = {}
        for column, label in (
            (Column.NAME, self.tr("Name")),
            (Column.SIZE, self.tr("Size")),
            (Column.MODIFIED, self.tr("Date modified")),
        ):
            act = QAction(label, self)
            act.setCheckable(True)
            act.setData(int(column))
            act.triggered.connect(self._on_sort_action)
            self.sort_actions[column] = act
        self.act_sort_desc = QAction(self.tr("Descending"), self)
        self.act_sort_desc.setCheckable(True)
        self.act_sort_desc.triggered.connect(self._on_sort_action)

    def _tool(self, action: QAction) -> QToolButton:
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        return button

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 8, 8)
        layout.setSpacing(4)
        head = QHBoxLayout()
        head.addWidget(QLabel(self.tr("<b>Bucket browser</b>"), self))
        head.addStretch(1)
        self.state_label = QLabel("", self)
        self.state_label.setEnabled(False)
        head.addWidget(self.state_label)
        head.addWidget(self._tool(self.act_new_folder))
        head.addWidget(self._tool(self.act_new_bucket))
        head.addWidget(self._tool(self.refresh_action))
        layout.addLayout(head)

        nav = QHBoxLayout()
        nav.setSpacing(2)
        for act in (self.act_back, self.act_forward, self.act_up):
            nav.addWidget(self._tool(act))
        self.crumbs = QWidget(self)
        self.crumbs.setAccessibleName(self.tr("Current folder"))
        self.crumb_layout = QHBoxLayout(self.crumbs)
        self.crumb_layout.setContentsMargins(4, 0, 0, 0)
        self.crumb_layout.setSpacing(0)
        nav.addWidget(self.crumbs, 1)
        layout.addLayout(nav)

        tools = QHBoxLayout()
        tools.setSpacing(2)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setPlaceholderText(self.tr("Filter…  (Enter: search the server)"))
        self.filter_edit.setAccessibleName(self.tr("Filter"))
        self.filter_edit.setToolTip(
            self.tr(
                "Type to filter the loaded items (Ctrl+F). Press Enter to ask the server for "
                "every name in this folder that starts with the text."
            )
        )
        self.filter_edit.textChanged.connect(self._on_filter_text)
        self.filter_edit.returnPressed.connect(self.search_server)
        tools.addWidget(self.filter_edit, 1)
        self.sort_button = QToolButton(self)
        self.sort_button.setText(self.tr("Sort"))
        self.sort_button.setToolTip(self.tr("Sort by name, size or date"))
        self.sort_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        sort_menu = QMenu(self.sort_button)
        for act in self.sort_actions.values():
            sort_menu.addAction(act)
        sort_menu.addSeparator()
        sort_menu.addAction(self.act_sort_desc)
        self.sort_button.setMenu(sort_menu)
        tools.addWidget(self.sort_button)
        tools.addWidget(self._tool(self.act_view_list))
        tools.addWidget(self._tool(self.act_view_grid))
        layout.addLayout(tools)

        self.view = _ListView(self)
        self.view.setAccessibleName(self.tr("Bucket browser"))
        self.view.setAlternatingRowColors(True)
        self.grid = _GridView(self)
        self.grid.setAccessibleName(self.tr("Bucket browser thumbnails"))
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setUniformItemSizes(True)  # no size hint per row: 100,000 rows stay fast
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setIconSize(QSize(GRID_ICON, GRID_ICON))
        self.grid.setGridSize(QSize(GRID_ICON + 40, GRID_ICON + 44))
        self.grid.setWordWrap(True)
        self.grid.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.grid.setSpacing(4)
        self.grid.setItemDelegate(_ThumbDelegate(self.proxy, self._image_icon, self.grid))
        self.view.setItemDelegate(_NodeDelegate(self.proxy, self.view))
        for view in (self.view, self.grid):
            view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(self._on_menu)
            view.activated.connect(self._on_activated)
            view.setDragEnabled(True)
            view.setAcceptDrops(True)
            view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
            view.setDefaultDropAction(Qt.DropAction.CopyAction)
            for act in (self.act_delete, self.act_rename, self.act_up_key):
                view.addAction(act)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.grid)
        layout.addWidget(self.stack, 1)

        self.op_bar = QWidget(self)
        op_layout = QHBoxLayout(self.op_bar)
        op_layout.setContentsMargins(0, 0, 0, 0)
        self.op_label = QLabel("", self.op_bar)
        self.op_progress = QProgressBar(self.op_bar)
        self.op_progress.setMaximumWidth(220)
        self.op_progress.setTextVisible(True)
        self.op_cancel = QToolButton(self.op_bar)
        self.op_cancel.setText(self.tr("Cancel"))
        self.op_cancel.clicked.connect(self.cancel_operation)
        op_layout.addWidget(self.op_label, 1)
        op_layout.addWidget(self.op_progress)
        op_layout.addWidget(self.op_cancel)
        self.op_bar.hide()
        layout.addWidget(self.op_bar)
        self._attach(self.view)

    def _attach(self, view: QAbstractItemView) -> None:
        """Give ``view`` the model (the other view has none), keeping the selection."""
        other = self.grid if view is self.view else self.view
        selected = self.selected_nodes() if other.model() is not None else []
        if other.model() is not None:
            other.setModel(None)  # type: ignore[arg-type]
        if view.model() is None:
            view.setModel(self.proxy)
            view.selectionModel().selectionChanged.connect(self._on_selection)
            if view is self.view:
                self._setup_header()
        self.stack.setCurrentWidget(view)
        self._apply_root(view)
        self.select_nodes(selected)

    def _setup_header(self) -> None:
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        metrics = self.view.fontMetrics()
        header.resizeSection(Column.SIZE, metrics.horizontalAdvance("0000.0 MiB") + 16)
        header.resizeSection(Column.MODIFIED, metrics.horizontalAdvance("2026-12-31 23:59") + 16)
        header.resizeSection(Column.REGION, metrics.horizontalAdvance("ap-southeast-2") + 24)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(self.model.sort_column, self.model.sort_order)
        header.sortIndicatorChanged.connect(self._on_sort_indicator)

    def _near_end(self) -> bool:
        """True when the visible view shows (nearly) the last loaded rows."""
        view = self.active_view
        bar = view.verticalScrollBar()
        if bar.maximum() == 0:
            # Everything fits — unless the scroll bar has not caught up with a page just
            # inserted (no viewport shows hundreds of rows).
            return self.proxy.rowCount() < 300
        return bar.value() >= bar.maximum() - bar.pageStep()

    @property
    def active_view(self) -> QAbstractItemView:
        return self.grid if self.stack.currentWidget() is self.grid else self.view

    # -- connection and refresh --------------------------------------------------------
    def set_context(
        self,
        context: S3Context | None,
        public_base_url: str = "",
        start_bucket: str = "",
        start_prefix: str = "",
    ) -> None:
        """Browse ``context`` (None: nothing), opening ``start_bucket``/``start_prefix`` once
        the buckets are listed (the profile's default destination).

        ``public_base_url`` is the profile's CDN or website address for public URLs.
        """
        self.public_base_url = public_base_url
        self._start_bucket = start_bucket
        self._start_prefix = start_prefix
        self.thumbnails.set_context(context)
        self._thumb_nodes.clear()
        self._history.clear()
        self._history_pos = -1
        self.filter_edit.clear()
        self._set_current(self.model.root)
        self.model.set_context(context)
        self._record(_Location("", ""))
        self._show_location()
        self._update_actions()

    @property
    def context(self) -> S3Context | None:
        return self.model.context

    @Slot()
    def refresh(self) -> None:
        """Reload the bucket list and the folder on screen."""
        self.model.refresh_buckets()
        if self._current is not self.model.root:
            self.model.refresh_node(self._current)

    @Slot(str, str)
    def refresh_prefix(self, bucket: str, prefix: str) -> None:
        self.model.refresh_prefix(bucket, prefix)

    @Slot(bool)
    def _on_loading(self, loading: bool) -> None:
        self.state_label.setText(self.tr("Loading…") if loading else self._count_text())

    def _count_text(self) -> str:
        node = self._current
        if node is self.model.root:
            return ""
        if not node.fetched:
            return ""
        from PySide6.QtCore import QLocale

        # "1 item" / "2 items" come from the English catalogue (ui/i18n.py); "%Ln" writes
        # the number with the locale's group separators ("12,345" in English).
        total = self.tr("%Ln item(s)", "", len(node.children)) + ("+" if node.next_token else "")
        if self.proxy.text:
            # What the filter shows, out of what is loaded.
            shown = QLocale().toString(self.proxy.rowCount())
            return self.tr("%1 of %2").replace("%1", shown).replace("%2", total)
        return total

    @Slot(str)
    def _on_error(self, text: str) -> None:
        self.statusMessage.emit(text, 0)

    @Slot(list)
    def _on_buckets_loaded(self, names: list[str]) -> None:
        start, self._start_bucket = self._start_bucket, ""
        prefix, self._start_prefix = self._start_prefix, ""
        if start in names and self._current is self.model.root:
            # Opening a folder makes it the upload destination: open the profile's own.
            self.navigate(start, prefix)
        self.bucketsLoaded.emit(names)

    # -- navigation --------------------------------------------------------------------
    @property
    def location(self) -> tuple[str, str]:
        """(bucket, prefix) on screen; ("", "") for the bucket list."""
        node = self._current
        if node is self.model.root:
            return "", ""
        if node.search:
            return node.bucket, node.parent.key if node.parent is not None else ""
        return node.bucket, node.key

    @property
    def current_node(self) -> Node:
        return self._current

    def navigate(self, bucket: str, prefix: str = "", search: str = "") -> bool:
        """Show folder ``prefix`` of ``bucket`` ("" bucket: the bucket list); record history."""
        if not self._go(_Location(bucket, prefix, search)):
            return False
        self._record(_Location(bucket, prefix, search))
        return True

    def _go(self, loc: _Location) -> bool:
        if not loc.bucket:
            node = self.model.root
        else:
            found = self.model.ensure_folder(loc.bucket, loc.prefix)
            if found is None:
                self.statusMessage.emit(
                    self.tr("The bucket “%s” is not listed.") % loc.bucket, 8000
                )
                return False
            node = found
            if loc.search:
                node = self.model.add_search(node, loc.search)
        self.filter_edit.blockSignals(True)
        self.filter_edit.clear()
        self.filter_edit.blockSignals(False)
        self.proxy.set_filter_text("")
        self._set_current(node)
        if loc.bucket:
            self.destinationChosen.emit(loc.bucket, loc.prefix)
        self.locationChanged.emit(*self.location)
        return True

    def _set_current(self, node: Node) -> None:
        old = self._current
        self._current = node
        self.model.set_pinned(node)
        self.proxy.set_root(node)
        self._apply_root(self.active_view)
        if old is not node and old.search:
            self.model.remove_node(old)
        index = self.model.index_for(node)
        if node is not self.model.root and self.model.canFetchMore(index):
            self.model.fetchMore(index)
        self._show_location()
        self._update_actions()

    def _apply_root(self, view: QAbstractItemView) -> None:
        if view.model() is None:
            return
        view.clearSelection()
        at_root = self._current is self.model.root
        if view is self.view:
            self.view.setColumnHidden(Column.REGION, not at_root)
            self.view.setColumnHidden(Column.SIZE, at_root)
        if self.proxy.rowCount() > 0:
            view.setCurrentIndex(self.proxy.index(0, 0))
            view.clearSelection()

    def _record(self, loc: _Location) -> None:
        if 0 <= self._history_pos < len(self._history) and self._history[self._history_pos] == loc:
            return
        del self._history[self._history_pos + 1 :]
        self._history.append(loc)
        self._history_pos = len(self._history) - 1
        self._update_actions()

    @Slot()
    def go_back(self) -> None:
        if self._history_pos > 0:
            self._history_pos -= 1
            self._go(self._history[self._history_pos])
            self._update_actions()

    @Slot()
    def go_forward(self) -> None:
        if self._history_pos < len(self._history) - 1:
            self._history_pos += 1
            self._go(self._history[self._history_pos])
            self._update_actions()

    @Slot()
    def go_up(self) -> None:
        node = self._current
        if node is self.model.root:
            return
        if node.search or node.kind == Kind.BUCKET:
            parent = node.parent or self.model.root
        else:
            parent = node.parent or self.model.root
        if parent is self.model.root:
            self.navigate("", "")
        else:
            self.navigate(parent.bucket, parent.key)

    @Slot()
    def search_server(self) -> None:
        """List keys starting with the filter text in the folder on screen (server side)."""
        text = self.filter_edit.text()
        bucket, prefix = self.location
        if not bucket or not text:
            return
        self.navigate(bucket, prefix, search=text)

    def _show_location(self) -> None:
        while self.crumb_layout.count():
            item = self.crumb_layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        crumbs: list[tuple[str, _Location]] = [(self.tr("Buckets"), _Location("", ""))]
        bucket, prefix = self.location
        if bucket:
            crumbs.append((bucket, _Location(bucket, "")))
            current = ""
            for part in prefix.split("/")[:-1]:
                current += part + "/"
                crumbs.append((part or "/", _Location(bucket, current)))
        if len(crumbs) > 5:
            crumbs = [*crumbs[:2], ("…", crumbs[-4][1]), *crumbs[-3:]]
        for i, (label, loc) in enumerate(crumbs):
            if i:
                sep = QLabel("›", self.crumbs)
                sep.setEnabled(False)
                self.crumb_layout.addWidget(sep)
            button = QToolButton(self.crumbs)
            button.setAutoRaise(True)
            button.setText(label.replace("&", "&&"))
            button.setToolTip(f"s3://{loc.bucket}/{loc.prefix}" if loc.bucket else "")
            last = i == len(crumbs) - 1 and not self._current.search
            if last:
                font = button.font()
                font.setBold(True)
                button.setFont(font)
            button.clicked.connect(self._on_crumb)
            button.setProperty("location", (loc.bucket, loc.prefix))
            self.crumb_layout.addWidget(button)
        if self._current.search:
            label = QLabel(self.tr("› search “%s”") % self._current.key[len(prefix) :], self.crumbs)
            self.crumb_layout.addWidget(label)
        self.crumb_layout.addStretch(1)

    @Slot()
    def _on_crumb(self) -> None:
        button = self.sender()
        if isinstance(button, QToolButton):
            bucket, prefix = button.property("location")
            self.navigate(bucket, prefix)

    @Slot(QModelIndex)
    def _on_activated(self, index: QModelIndex) -> None:
        node = self.proxy.node(index)
        if node.kind == Kind.OBJECT:
            self.show_properties()
        elif node.search:
            self.navigate(node.bucket, node.parent.key if node.parent else "", node.key)
        else:
            self.navigate(node.bucket, node.key)

    # -- filter, sort, views -----------------------------------------------------------
    @Slot(str)
    def _on_filter_text(self, _text: str) -> None:
        self._filter_timer.start()

    @Slot()
    def _apply_filter(self) -> None:
        self.proxy.set_filter_text(self.filter_edit.text())
        if not self.model.loading:
            self.state_label.setText(self._count_text())

    @Slot()
    def _focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    @Slot(int, Qt.SortOrder)
    def _on_sort_indicator(self, column: int, order: Qt.SortOrder) -> None:
        self.sort(column, order)

    @Slot()
    def _on_sort_action(self) -> None:
        action = self.sender()
        column = self.model.sort_column
        if isinstance(action, QAction) and action is not self.act_sort_desc:
            column = Column(int(action.data()))
        order = (
            Qt.SortOrder.DescendingOrder
            if self.act_sort_desc.isChecked()
            else Qt.SortOrder.AscendingOrder
        )
        self.sort(column, order)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by name, size or date (folders first); keeps the selection."""
        self.model.sort(column, order)
        for col, act in self.sort_actions.items():
            act.setChecked(col == self.model.sort_column)
        self.act_sort_desc.setChecked(order == Qt.SortOrder.DescendingOrder)
        if self.view.model() is not None:
            header = self.view.header()
            header.blockSignals(True)
            header.setSortIndicator(column, order)
            header.blockSignals(False)

    @Slot()
    def show_list(self) -> None:
        self.act_view_list.setChecked(True)
        self.act_view_grid.setChecked(False)
        if self.stack.currentWidget() is not self.view:
            self._attach(self.view)

    @Slot()
    def show_grid(self) -> None:
        self.act_view_list.setChecked(False)
        self.act_view_grid.setChecked(True)
        if self.stack.currentWidget() is not self.grid:
            self._attach(self.grid)

    # -- thumbnails --------------------------------------------------------------------
    def _thumbnail_for(self, node: Node) -> QPixmap | None:
        req = self.thumbnails.request_for(node.bucket, node.key, node.etag, node.size)
        pixmap = self.thumbnails.lookup(req)
        if pixmap is None and not self.thumbnails.known(req):
            self._thumb_nodes[req] = node
            self._thumb_nodes.move_to_end(req)
            while len(self._thumb_nodes) > 2 * self.thumbnails.max_pending:
                self._thumb_nodes.popitem(last=False)
        return pixmap

    @Slot(object)
    def _on_thumbnail_ready(self, req: object) -> None:
        node = self._thumb_nodes.pop(req, None)
        if node is not None:
            self.model.notify_thumbnail(node)

    # -- selection ---------------------------------------------------------------------
    def selected_indexes(self) -> list[QModelIndex]:
        """Selected rows of the visible view (proxy indexes, column 0)."""
        view = self.active_view
        model = view.selectionModel()
        if model is None:
            return []
        return [i for i in model.selectedIndexes() if i.column() == 0]

    def selected_nodes(self) -> list[Node]:
        return [self.proxy.node(i) for i in self.selected_indexes()]

    def selected_objects(self) -> list[tuple[str, str]]:
        """(bucket, key) of every selected object (folders and buckets excluded)."""
        return [(n.bucket, n.key) for n in self.selected_nodes() if n.kind == Kind.OBJECT]

    def select_nodes(self, nodes: list[Node]) -> None:
        """Select ``nodes`` (rows of the folder on screen) in the visible view."""
        view = self.active_view
        model = view.selectionModel()
        if model is None:
            return
        selection = QItemSelection()
        for node in nodes:
            index = self.proxy.index_for(node)
            if index.isValid():
                selection.select(index, index)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        model.select(selection, flags)
        if nodes:
            first = self.proxy.index_for(nodes[0])
            if first.isValid():
                model.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)

    @Slot()
    def _on_selection(self) -> None:
        nodes = self.selected_nodes()
        if len(nodes) == 1 and nodes[0].kind in (Kind.BUCKET, Kind.FOLDER) and not nodes[0].search:
            self.destinationChosen.emit(nodes[0].bucket, nodes[0].key)
        self._update_actions()
        self.selectionChanged.emit()

    def _update_actions(self) -> None:
        connected = self.model.context is not None
        nodes = self.selected_nodes() if connected else []
        objects = [n for n in nodes if n.kind == Kind.OBJECT]
        items = [n for n in nodes if n.kind != Kind.BUCKET and not n.search]
        in_bucket = connected and self._current is not self.model.root
        busy = self._op is not None
        self.act_back.setEnabled(self._history_pos > 0)
        self.act_forward.setEnabled(self._history_pos < len(self._history) - 1)
        self.act_up.setEnabled(self._current is not self.model.root)
        self.act_up_key.setEnabled(self._current is not self.model.root)
        self.act_download.setEnabled(bool(items) and not busy)
        self.act_delete.setEnabled(bool(items) and not busy)
        self.act_rename.setEnabled(len(items) == 1 and not busy)
        self.act_new_folder.setEnabled(in_bucket and not self._current.search and not busy)
        self.act_new_bucket.setEnabled(connected and not busy)
        self.act_properties.setEnabled(len(objects) == 1)
        for act in (
            self.act_share,
            self.act_copy_public,
            self.act_copy_uri,
            self.act_copy_markdown,
            self.act_copy_html,
        ):
            act.setEnabled(bool(objects))
        self.act_gallery.setEnabled(in_bucket and not busy)
        if self.model.loading:
            return
        self.state_label.setText(self._count_text())

    def add_actions_to(self, menu: QMenu) -> None:
        """Add every browser action to ``menu`` (the main window's Browser menu)."""
        for group in (
            (self.act_back, self.act_forward, self.act_up),
            (self.act_view_list, self.act_view_grid, self.act_find),
            (self.act_new_folder, self.act_new_bucket),
            (self.act_download, self.act_rename, self.act_delete, self.act_properties),
            (
                self.act_share,
                self.act_copy_public,
                self.act_copy_uri,
                self.act_copy_markdown,
                self.act_copy_html,
                self.act_gallery,
            ),
        ):
            for act in group:
                menu.addAction(act)
            menu.addSeparator()

    @Slot(QPoint)
    def _on_menu(self, pos: QPoint) -> None:
        self._update_actions()
        menu = QMenu(self)
        if self.selected_objects():
            for label, seconds in EXPIRY_CHOICES:
                act = menu.addAction(self.tr("Copy presigned link (%s)") % self.tr(label))
                act.setData(seconds)
                act.triggered.connect(self._on_copy_link_action)
            for act in (
                self.act_share,
                self.act_copy_public,
                self.act_copy_uri,
                self.act_copy_markdown,
                self.act_copy_html,
            ):
                menu.addAction(act)
            menu.addSeparator()
        for act in (self.act_download, self.act_rename, self.act_delete):
            if act.isEnabled():
                menu.addAction(act)
        if self.act_properties.isEnabled():
            menu.addAction(self.act_properties)
        menu.addSeparator()
        for act in (self.act_new_folder, self.act_gallery, self.act_new_bucket):
            if act.isEnabled():
                menu.addAction(act)
        menu.addAction(self.refresh_action)
        view = self.active_view
        menu.exec(view.viewport().mapToGlobal(pos))

    # -- asking the user (tests replace these) -----------------------------------------
    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _ask_text(self, title: str, label: str, text: str = "") -> str | None:
        value, ok = QInputDialog.getText(self, title, label, QLineEdit.EchoMode.Normal, text)
        return value if ok else None

    def _ask_directory(self) -> Path | None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Download to folder"))
        return Path(folder) if folder else None

    def _ask_new_bucket(self, default_region: str) -> tuple[str, str] | None:
        dialog = NewBucketDialog(default_region, self)
        if dialog.exec() != NewBucketDialog.DialogCode.Accepted or not dialog.name:
            return None
        return dialog.name, dialog.region

    def _ask_gallery(self, count_text: str, title: str) -> tuple[str, bool, int] | None:
        dialog = GalleryDialog(count_text, title, self)
        if dialog.exec() != GalleryDialog.DialogCode.Accepted:
            return None
        return dialog.title, dialog.public, dialog.seconds

    # -- long operations ---------------------------------------------------------------
    def _start_op(
        self,
        name: str,
        label: str,
        fn: Callable[..., Any],
        *args: Any,
        counter: _Counter | None = None,
        transfer: TransferProgress | None = None,
        refresh: Node | None = None,
        **kwargs: Any,
    ) -> bool:
        context = self.model.context
        if context is None:
            return False
        if self._op is not None:
            self.statusMessage.emit(
                self.tr("Wait for “%s” to finish first.") % self._op.label, 8000
            )
            return False
        if counter is not None:
            kwargs["counter"] = counter
        if transfer is not None:
            kwargs["progress"] = transfer
        worker = self.pool.run(
            _tagged(name, fn),
            context,
            *args,
            on_result=self._on_op_result,
            on_failed=self._on_op_failed,
            pass_cancel=True,
            name=name,
            **kwargs,
        )
        self._op = _Op(name, label, worker, counter, transfer, refresh)
        self.op_label.setText(label)
        self.op_progress.setRange(0, 0)
        self.op_bar.show()
        self._op_timer.start()
        self._update_actions()
        return True

    @Slot()
    def cancel_operation(self) -> None:
        if self._op is not None:
            self._op.worker.cancel()
            self.op_label.setText(self.tr("Cancelling…"))

    @Slot()
    def _on_op_tick(self) -> None:
        op = self._op
        if op is None:
            return
        if op.transfer is not None:
            snap = op.transfer.snapshot()
            if snap.total_bytes:
                self.op_progress.setRange(0, 1000)
                self.op_progress.setValue(int(1000 * snap.done_bytes / snap.total_bytes))
                self.op_progress.setFormat(
                    f"{format_bytes(snap.done_bytes)} / {format_bytes(snap.total_bytes)}"
                )
        elif op.counter is not None:
            done, total = op.counter.snapshot()
            if total:
                self.op_progress.setRange(0, max(total, done))
                self.op_progress.setValue(done)
                self.op_progress.setFormat(f"{done:,} / {max(total, done):,}")
            elif done:
                self.op_progress.setRange(0, 0)
                self.op_label.setText(f"{op.label} {done:,}")

    def _finish_op(self) -> _Op | None:
        op, self._op = self._op, None
        self._op_timer.stop()
        self.op_bar.hide()
        self._update_actions()
        if op is not None and op.refresh is not None:
            self.model.refresh_node(op.refresh)
        return op

    @Slot(object)
    def _on_op_failed(self, err: object) -> None:
        op = self._finish_op()
        text = error_text(err)
        if self.properties_dialog is not None and op is not None and op.name == "headers":
            self.properties_dialog.set_error(text)
        self.statusMessage.emit(text, 0)
        self.operationFinished.emit(op.name if op else "", err)

    @Slot(object)
    def _on_op_result(self, value: object) -> None:
        self._finish_op()
        name, result = value  # type: ignore[misc]
        handler = getattr(self, f"_done_{name}", None)
        if handler is not None:
            handler(result)
        self.operationFinished.emit(name, result)

    def _report(self, done_text: str, problems: list[str]) -> None:
        if problems:
            more = self.tr(" (and %n more)", "", len(problems) - 1) if len(problems) > 1 else ""
            self.statusMessage.emit(f"{done_text} {problems[0]}{more}", 0)
        else:
            self.statusMessage.emit(done_text, 8000)

    # -- actions: delete, rename/move, new folder/bucket -------------------------------
    @Slot()
    def delete_selected(self) -> None:
        """Delete the selected objects and folders (recursively) after a confirmation."""
        nodes = [n for n in self.selected_nodes() if n.kind != Kind.BUCKET and not n.search]
        if not nodes or self.model.context is None:
            return
        keys = [n.key for n in nodes if n.kind == Kind.OBJECT]
        prefixes = [n.key for n in nodes if n.kind == Kind.FOLDER]
        bucket = nodes[0].bucket
        parts = []
        if keys:
            parts.append(self.tr("%n object(s)", "", len(keys)))
        if prefixes:
            parts.append(self.tr("%n folder(s) with everything in them", "", len(prefixes)))
        what = self.tr(" and ").join(parts)
        text = self.tr("Delete %1 from bucket “%2”? This cannot be undone.")
        text = text.replace("%1", what).replace("%2", bucket)
        if not self._confirm(self.tr("Delete"), text):
            return
        self._start_op(
            "delete",
            self.tr("Deleting…"),
            _delete_job,
            bucket,
            keys,
            prefixes,
            counter=_Counter(),
            refresh=self._current,
        )

    def _done_delete(self, result: tuple[int, list[str]]) -> None:
        deleted, problems = result
        self._report(self.tr("Deleted %n object(s).", "", deleted), problems)

    @Slot()
    def rename_selected(self) -> None:
        """Rename or move one object or folder: edit its full key (copy, then delete)."""
        nodes = [n for n in self.selected_nodes() if n.kind != Kind.BUCKET and not n.search]
        if len(nodes) != 1:
            return
        node = nodes[0]
        folder = node.kind == Kind.FOLDER
        label = (
            self.tr("New path of the folder (change the folders to move it):")
            if folder
            else self.tr("New key of the object (change the folders to move it):")
        )
        target = self._ask_text(self.tr("Rename or move"), label, node.key)
        if target is None:
            return
        target = target.strip()
        if folder and target and not target.endswith("/"):
            target += "/"
        if not target or target == node.key:
            return
        self._start_op(
            "move",
            self.tr("Moving…"),
            _move_job,
            node.bucket,
            node.key,
            target,
            counter=_Counter(),
            refresh=self._current,
        )

    def _done_move(self, result: tuple[int, list[str]]) -> None:
        moved, problems = result
        self._report(self.tr("Moved %n object(s).", "", moved), problems)

    @Slot()
    def new_folder(self) -> None:
        bucket, prefix = self.location
        if not bucket or self._current.search:
            return
        name = self._ask_text(self.tr("New folder"), self.tr("Folder name:"))
        if name is None or not name.strip("/ "):
            return
        key = prefix + name.strip().strip("/") + "/"
        self._start_op(
            "folder",
            self.tr("Creating folder…"),
            _call(create_folder),
            bucket,
            key,
            refresh=self._current,
        )

    def _done_folder(self, key: str) -> None:
        self.statusMessage.emit(self.tr("Folder %s created.") % key, 8000)

    @Slot()
    def new_bucket(self) -> None:
        context = self.model.context
        if context is None:
            return
        answer = self._ask_new_bucket(context.settings.region or "us-east-1")
        if answer is None:
            return
        name, region = answer
        self._start_op(
            "bucket",
            self.tr("Creating bucket…"),
            _call(create_bucket),
            name,
            region,
            refresh=self.model.root,
        )

    def _done_bucket(self, _result: object) -> None:
        self.statusMessage.emit(self.tr("Bucket created."), 8000)

    # -- download and drag out ---------------------------------------------------------
    def _download_items(self, nodes: list[Node]) -> list[tuple[str, bool, str]]:
        items = []
        for n in nodes:
            if n.kind == Kind.BUCKET or n.search:
                continue
            folder = n.kind == Kind.FOLDER
            # Keep the selected item's own name: strip the folder it is shown in.
            bare = n.key.rstrip("/")
            parent_prefix = bare.rsplit("/", 1)[0] + "/" if "/" in bare else ""
            items.append((n.key, folder, parent_prefix))
        return items

    @Slot()
    def download_selected(self, dest: Path | None = None) -> None:
        """Download the selected objects and folders into a chosen folder."""
        nodes = self.selected_nodes()
        items = self._download_items(nodes)
        if not items:
            return
        dest = dest or self._ask_directory()
        if dest is None:
            return
        self._start_op(
            "download",
            self.tr("Downloading…"),
            _download_job,
            nodes[0].bucket,
            items,
            dest,
            transfer=TransferProgress(),
        )

    def _done_download(self, result: tuple[int, list[str], list[Path]]) -> None:
        done, problems, _paths = result
        self._report(self.tr("Downloaded %n file(s).", "", done), problems)

    def _drag_path(self, node: Node) -> Path:
        if self._drag_dir is None:
            self._drag_dir = Path(tempfile.mkdtemp(prefix="s3uploader-drag-"))
        import hashlib  # OpenSSL's library is not start-up work

        digest = hashlib.sha256(f"{node.bucket}\0{node.key}\0{node.etag}".encode()).hexdigest()
        name = node.name or "object"
        return self._drag_dir / digest[:16] / name

    def drag_mime(self, paths: list[Path]) -> QMimeData:
        """File URLs for a file manager (and the text of the paths)."""
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        return mime

    def prepare_drag(self) -> list[Path] | None:
        """Download the selected objects for a drag out; None when they cannot be dragged.

        Returns the paths at once when they are already downloaded; otherwise starts the
        download and emits ``dragReady`` when the files are complete.
        """
        nodes = [n for n in self.selected_nodes() if n.kind == Kind.OBJECT]
        if not nodes:
            return None
        total = sum(n.size for n in nodes)
        if total > DRAG_MAX_BYTES or len(nodes) > DRAG_MAX_FILES:
            self.statusMessage.emit(
                self.tr("Too much to drag (%s): use Download… instead.") % format_bytes(total),
                8000,
            )
            return None
        paths = [self._drag_path(n) for n in nodes]
        if all(
            p.is_file() and p.stat().st_size == n.size for p, n in zip(paths, nodes, strict=True)
        ):
            return paths
        items = [(n.key, False, n.prefix) for n in nodes]
        # Each object goes to its own folder under the drag directory.
        self._drag_pending = paths
        started = self._start_op(
            "drag",
            self.tr("Getting files ready to drag…"),
            _drag_job,
            nodes[0].bucket,
            [(key, str(path)) for (key, _, _), path in zip(items, paths, strict=True)],
            transfer=TransferProgress(),
        )
        return [] if started else None

    def start_drag_out(self) -> None:
        """Begin dragging the selected objects to a file manager (downloads them first)."""
        paths = self.prepare_drag()
        if paths:
            self._exec_drag(paths)
        elif paths is not None:
            self.statusMessage.emit(
                self.tr("Downloading for the drag… keep holding the mouse button."), 8000
            )

    def _exec_drag(self, paths: list[Path]) -> None:
        drag = QDrag(self)
        drag.setMimeData(self.drag_mime(paths))
        drag.setPixmap(self._image_icon.pixmap(32, 32))
        drag.exec(Qt.DropAction.CopyAction)

    def _done_drag(self, result: tuple[int, list[str]]) -> None:
        _done, problems = result
        paths = [p for p in self._drag_pending if p.is_file()]
        self._drag_pending = []
        if problems:
            self._report("", problems)
        if not paths:
            return
        self.dragReady.emit(paths)
        if QGuiApplication.mouseButtons() & Qt.MouseButton.LeftButton:
            self._exec_drag(paths)
        else:
            self.statusMessage.emit(
                self.tr("Ready: drag the files again to drop them in a file manager."), 8000
            )

    # -- drops (upload) ----------------------------------------------------------------
    def _own_drag(self, event: QDropEvent | QDragMoveEvent | QDragEnterEvent) -> bool:
        return event.source() in (self.view, self.grid, self)

    def accept_drag(self, event: QDragEnterEvent | QDragMoveEvent) -> bool:
        bucket, _ = self.location
        mime = event.mimeData()
        ok = (
            bool(bucket)
            and not self._own_drag(event)
            and mime.hasUrls()
            and all(url.isLocalFile() for url in mime.urls())
        )
        if ok:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        return ok

    def drop_target(self, view: QAbstractItemView, pos: QPoint) -> tuple[str, str]:
        """(bucket, prefix) a drop at ``pos`` goes to: the folder under it, else the current."""
        bucket, prefix = self.location
        index = view.indexAt(pos)
        if index.isValid():
            node = self.proxy.node(index)
            if node.kind == Kind.FOLDER and not node.search:
                return node.bucket, node.key
        return bucket, prefix

    def drop(self, event: QDropEvent, view: QAbstractItemView) -> None:
        if self._own_drag(event) or not event.mimeData().hasUrls():
            event.ignore()
            return
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        bucket, prefix = self.drop_target(view, event.position().toPoint())
        if not bucket or not paths:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.filesDropped.emit(bucket, prefix, paths)

    # -- properties --------------------------------------------------------------------
    @Slot()
    def show_properties(self) -> None:
        objects = self.selected_objects()
        context = self.model.context
        if len(objects) != 1 or context is None:
            return
        bucket, key = objects[0]
        if self.properties_dialog is not None:
            self.properties_dialog.close()
            self.properties_dialog.deleteLater()
        dialog = PropertiesDialog(bucket, key, self)
        dialog.saveRequested.connect(self._on_save_headers)
        self.properties_dialog = dialog
        dialog.open()
        self.pool.run(
            object_properties,
            context.client,
            bucket,
            key,
            on_result=self._on_properties,
            on_failed=self._on_properties_failed,
            name="head",
        )

    @Slot(object)
    def _on_properties(self, props: object) -> None:
        dialog = self.properties_dialog
        if (
            isinstance(props, ObjectProperties)
            and dialog is not None
            and (dialog.bucket, dialog.key) == (props.bucket, props.key)
        ):
            dialog.set_properties(props)

    @Slot(object)
    def _on_properties_failed(self, err: object) -> None:
        if self.properties_dialog is not None:
            self.properties_dialog.set_error(error_text(err))

    @Slot(str, str)
    def _on_save_headers(self, content_type: str, cache_control: str) -> None:
        dialog = self.properties_dialog
        if dialog is None:
            return
        self._start_op(
            "headers",
            self.tr("Saving properties…"),
            _call(update_headers),
            dialog.bucket,
            dialog.key,
            content_type=content_type,
            cache_control=cache_control,
        )

    def _done_headers(self, props: ObjectProperties) -> None:
        if self.properties_dialog is not None:
            self.properties_dialog.set_properties(props)
        self.statusMessage.emit(self.tr("Properties saved."), 8000)
        node = self.model.find_node(props.bucket, props.key)
        if node is not None:
            self.model.refresh_node(node)

    # -- sharing -----------------------------------------------------------------------
    @Slot()
    def _on_copy_link_action(self) -> None:
        action = self.sender()
        seconds = action.data() if isinstance(action, QAction) else 3600
        self.copy_presigned_link(int(seconds))

    def _put_on_clipboard(self, text: str, message: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.statusMessage.emit(message, 10000)
        self.linkCopied.emit(text)

    @Slot()
    def copy_s3_uri(self) -> None:
        lines = [s3_uri(b, k) for b, k in self.selected_objects()]
        if lines:
            self._put_on_clipboard(
                "\n".join(lines), self.tr("Copied %n address(es).", "", len(lines))
            )

    @Slot()
    def copy_public_url(self) -> None:
        context = self.model.context
        objects = self.selected_objects()
        if context is None or not objects:
            return
        base = self.public_base_url or None
        urls = [public_url_for(context, b, k, base_url=base) for b, k in objects]
        self._put_on_clipboard(
            "\n".join(urls),
            self.tr(
                "Copied %n public URL(s); they work only for publicly readable objects.",
                "",
                len(urls),
            ),
        )

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
    def _on_links_ready(self, value: object) -> None:
        urls, info = value  # type: ignore[misc]
        self._last_credentials = info
        text = "\n".join(urls)
        truth = describe_lifetime(self._link_seconds, info)
        self._put_on_clipboard(
            text, self.tr("Copied %n presigned link(s).", "", len(urls)) + " " + truth
        )

    @Slot(object)
    def _on_link_failed(self, err: object) -> None:
        self.statusMessage.emit(error_text(err), 0)

    @Slot()
    def _share_markdown(self) -> None:
        self.open_share_dialog(LinkFormat.MARKDOWN)

    @Slot()
    def _share_html(self) -> None:
        self.open_share_dialog(LinkFormat.HTML)

    @Slot()
    def open_share_dialog(self, fmt: LinkFormat = LinkFormat.URL) -> ShareDialog | None:
        """The share dialog for the selected objects (non-modal; copies on accept)."""
        context = self.model.context
        objects = self.selected_objects()
        if context is None or not objects:
            return None
        if not isinstance(fmt, LinkFormat):
            fmt = LinkFormat.URL
        if self.share_dialog is not None:
            self.share_dialog.deleteLater()
        dialog = ShareDialog(len(objects), fmt, parent=self)
        dialog.accepted.connect(self._on_share_accepted)
        self.share_dialog = dialog
        self._share_objects = objects
        dialog.open()
        self.pool.run(
            credential_info,
            context,
            on_result=self._on_credentials,
            on_failed=self._on_link_failed,
            name="credentials",
        )
        return dialog

    @Slot(object)
    def _on_credentials(self, info: object) -> None:
        if isinstance(info, CredentialInfo):
            self._last_credentials = info
            if self.share_dialog is not None:
                self.share_dialog.set_credentials(info)

    @Slot()
    def _on_share_accepted(self) -> None:
        dialog = self.share_dialog
        context = self.model.context
        if dialog is None or context is None:
            return
        self._link_seconds = dialog.seconds
        self._share_format = dialog.link_format
        self._share_public = dialog.public
        self.pool.run(
            _links,
            context,
            list(self._share_objects),
            dialog.public,
            dialog.seconds,
            self.public_base_url,
            on_result=self._on_share_links,
            on_failed=self._on_link_failed,
            name="links",
        )

    @Slot(object)
    def _on_share_links(self, value: object) -> None:
        assert isinstance(value, list)
        text = format_links(value, self._share_format)
        if self._share_public:
            message = self.tr("Copied %n public link(s).", "", len(value))
        else:
            truth = describe_lifetime(self._link_seconds, self._last_credentials)
            message = self.tr("Copied %n presigned link(s).", "", len(value)) + " " + truth
        self._put_on_clipboard(text, message)

    # -- gallery -----------------------------------------------------------------------
    @Slot()
    def publish_gallery_dialog(self) -> None:
        """Publish the selected images, or the images of the selected or shown folder."""
        bucket, prefix = self.location
        if not bucket or self.model.context is None:
            return
        nodes = self.selected_nodes()
        images = [n.key for n in nodes if n.kind == Kind.OBJECT and is_image_name(n.key)]
        folders = [n for n in nodes if n.kind == Kind.FOLDER and not n.search]
        folder: str | None = None
        if images:
            count_text = self.tr("%n selected image(s).", "", len(images))
        else:
            folder = folders[0].key if len(folders) == 1 else prefix
            count_text = (
                self.tr("Every image in s3://%1/%2").replace("%1", bucket).replace("%2", folder)
            )
        title = (folder or prefix).rstrip("/").rsplit("/", 1)[-1] or bucket
        answer = self._ask_gallery(count_text, title)
        if answer is None:
            return
        title, public, seconds = answer
        self._gallery_public = public
        self._start_op(
            "gallery",
            self.tr("Publishing gallery…"),
            _gallery_job,
            bucket,
            images,
            folder,
            public,
            seconds,
            self.public_base_url,
            title,
            refresh=self._current,
        )

    def _done_gallery(self, result: PublishedGallery) -> None:
        self._put_on_clipboard(
            result.url,
            self.tr("Gallery of %1 images published as s3://%2/%3; its link is copied.")
            .replace("%1", str(result.count))
            .replace("%2", result.bucket)
            .replace("%3", result.key),
        )

    # -- lifetime ----------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop thumbnail jobs, cancel the operation, remove dragged temp files, and close
        the listings' connections."""
        if self._op is not None:
            self._op.worker.cancel()
        self.thumbnails.shutdown()
        self.model.close_streams()
        if self._drag_dir is not None:
            shutil.rmtree(self._drag_dir, ignore_errors=True)
            self._drag_dir = None


def _call(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Adapt a core function taking a client to a worker body taking the context."""

    def run(context: S3Context, *args: Any, cancel: CancelToken | None = None, **kw: Any) -> Any:
        return fn(context.client, *args, **kw)

    run.__name__ = getattr(fn, "__name__", "call")
    return run


def _drag_job(
    context: S3Context,
    bucket: str,
    targets: list[tuple[str, str]],
    *,
    progress: TransferProgress,
    cancel: CancelToken,
) -> tuple[int, list[str]]:
    """Download (key, local path) pairs for a drag out."""
    client = context.client
    sources = []
    for key, path in targets:
        size = object_properties(client, bucket, key).size
        sources.append(DownloadSource(key=key, path=Path(path), size=size))
    engine = TransferEngine(context)
    try:
        results = engine.download(bucket, sources, progress=progress, cancel=cancel)
    finally:
        engine.close()
    problems = [r.error.message for r in results if r.error is not None]
    return sum(r.status == ItemStatus.DONE for r in results), problems
