"""The bucket browser pane: navigation, list and thumbnail views, actions and sharing.

One ``BucketModel`` (lazy, paged) feeds a ``BrowserFilterModel`` (filter-as-you-type);
the list view (a ``QTableView`` with columns) or the grid view (``QListView`` in icon
mode with thumbnails) shows one folder at a time, like a file manager: bucket list
(with regions) → bucket → folders, with a breadcrumb, back/forward/up and a server-side
prefix search. Only the visible view is attached to the model, so a hidden view never
pulls pages or lays out rows.

Every network operation runs in a worker; long ones (delete, move, download, gallery)
show progress in a bar at the bottom of the pane and can be cancelled.

The pane is the composition root: it builds the widgets and the parts (editing,
downloads, drops, properties, sharing, gallery), and hands each only what it needs
(see ``ports``); its own methods are the commands, which the parts carry out.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QModelIndex, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction, QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.sharing import LinkFormat
from s3uploader_gui.ui.actions import tool_button
from s3uploader_gui.ui.browser.actions import BrowserActions
from s3uploader_gui.ui.browser.dialogs import PropertiesDialog, ShareDialog
from s3uploader_gui.ui.browser.download_conflicts import ConflictPrompt
from s3uploader_gui.ui.browser.downloads import Downloads
from s3uploader_gui.ui.browser.drops import Drops
from s3uploader_gui.ui.browser.editing import Editing
from s3uploader_gui.ui.browser.filter_sort import FilterEdit, ItemCount, SortControl
from s3uploader_gui.ui.browser.folder_model import BrowserFilterModel
from s3uploader_gui.ui.browser.gallery import Gallery
from s3uploader_gui.ui.browser.navigation import Breadcrumb, Navigator
from s3uploader_gui.ui.browser.node import Kind, Node
from s3uploader_gui.ui.browser.operations import OperationRunner
from s3uploader_gui.ui.browser.paging import BucketModel
from s3uploader_gui.ui.browser.prompts import Prompts
from s3uploader_gui.ui.browser.properties import Properties
from s3uploader_gui.ui.browser.sharing import Sharing
from s3uploader_gui.ui.browser.thumbnails import NodeThumbnails, ThumbnailProvider
from s3uploader_gui.ui.browser.views import ViewStack
from s3uploader_gui.ui.workers import WorkerPool

__all__ = ["BrowserPane"]


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
        self.thumbnails = ThumbnailProvider(self)
        self._node_thumbnails = NodeThumbnails(self.thumbnails, self.model)
        self.refresh_action = refresh_action
        self.public_base_url = ""
        self._start_bucket = ""
        self._start_prefix = ""
        self._image_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        self.prompts = Prompts(self)
        self.conflict_prompt = ConflictPrompt(self)  # "already exists": tests answer it
        self.browser_actions = BrowserActions(self, self)
        acts = self.browser_actions
        self.act_back, self.act_forward, self.act_up = acts.back, acts.forward, acts.up
        self._build()
        self._build_parts()
        self.model.error.connect(self._on_error)
        self.model.loadingChanged.connect(self.state_label.on_loading)
        self.model.bucketsLoaded.connect(self._on_buckets_loaded)
        self.navigator.show_location()
        self._update_actions()

    # -- construction ------------------------------------------------------------------
    def _tool(self, action: QAction) -> QToolButton:
        return tool_button(self, action)

    def _build(self) -> None:
        acts = self.browser_actions
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 8, 8)
        layout.setSpacing(4)
        head = QHBoxLayout()
        head.addWidget(QLabel(self.tr("<b>Bucket browser</b>"), self))
        head.addStretch(1)
        self.state_label = ItemCount(self.model, self.proxy, lambda: self.current_node, self)
        head.addWidget(self.state_label)
        for act in (acts.new_folder, acts.new_bucket, self.refresh_action):
            head.addWidget(self._tool(act))
        layout.addLayout(head)

        nav = QHBoxLayout()
        nav.setSpacing(2)
        for act in (acts.back, acts.forward, acts.up):
            nav.addWidget(self._tool(act))
        self.crumbs = Breadcrumb(self)
        nav.addWidget(self.crumbs, 1)
        layout.addLayout(nav)

        tools = QHBoxLayout()
        tools.setSpacing(2)
        self.filter_edit = FilterEdit(self)
        self.filter_edit.filterChanged.connect(self._apply_filter)
        self.navigator = Navigator(
            self.model,
            self.proxy,
            self.filter_edit,
            self.crumbs,
            lambda: self.stack.show_root(self.current_node is self.model.root),
            self.statusMessage.emit,
            self,
        )
        self.navigator.destinationChosen.connect(self.destinationChosen)
        self.navigator.locationChanged.connect(self.locationChanged)
        self.navigator.moved.connect(self._update_actions)
        tools.addWidget(self.filter_edit, 1)
        self.sorting = SortControl(self.model, self._list_header, self)
        tools.addWidget(self.sorting.button)
        tools.addWidget(self._tool(acts.view_list))
        tools.addWidget(self._tool(acts.view_grid))
        layout.addLayout(tools)

        self.stack = ViewStack(self, self.proxy, self._image_icon, self)
        self.view, self.grid = self.stack.list, self.stack.grid
        self.selection = self.stack.selection
        self.proxy.fetch_gate = self.stack.near_end
        self.stack.attached.connect(self._on_attached)
        for view in (self.view, self.grid):
            view.customContextMenuRequested.connect(self._on_menu)
            view.activated.connect(self._on_activated)
            for act in (acts.delete, acts.rename, acts.up_key):
                view.addAction(act)
        layout.addWidget(self.stack, 1)

        self.runner = OperationRunner(
            self.pool,
            lambda: self.model.context,
            self.statusMessage.emit,
            self.model.refresh_node,
            self,
        )
        self.runner.busyChanged.connect(self._update_actions)
        self.runner.finished.connect(self.operationFinished)
        layout.addWidget(self.runner)
        self._attach(self.view)

    def _build_parts(self) -> None:
        """The parts that carry out the commands, each given only what it needs."""
        sel, here, run, ask = self.selection, self.navigator, self.runner, self.prompts
        status, copy, icon = self.statusMessage.emit, self._put_on_clipboard, self._image_icon

        def base_url() -> str:
            return self.public_base_url

        self.editing = Editing(sel, here, run, ask, status, self.model.root)
        self.downloads = Downloads(
            sel, run, ask, status, self, icon, self.dragReady.emit, self.conflict_prompt
        )
        self.drops = Drops(here, self.proxy, (self.view, self.grid, self), self.filesDropped.emit)
        self.properties = Properties(self.pool, run, sel, here, status, self._refresh_object, self)
        self.sharing = Sharing(self.pool, sel, here, copy, status, base_url, self)
        self.gallery = Gallery(sel, here, run, ask, copy, base_url)

    def _attach(self, view: QAbstractItemView) -> None:
        """Give ``view`` the model (the other view has none), keeping the selection."""
        self.stack.show_view(view, self.current_node is self.model.root)

    @Slot(object)
    def _on_attached(self, view: QAbstractItemView) -> None:
        view.selectionModel().selectionChanged.connect(self._on_selection)
        if view is self.view:
            header = self.view.setup_header(self.model.sort_column, self.model.sort_order)
            header.sortIndicatorChanged.connect(self.sorting.on_sort_indicator)

    def _list_header(self) -> QHeaderView | None:
        """The list's header while the list shows the model (it shows the sort order)."""
        return self.view.header() if self.view.model() is not None else None

    @property
    def active_view(self) -> QAbstractItemView:
        return self.stack.active

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
        self._node_thumbnails.clear()
        self.navigator.leave()
        self.model.set_context(context)
        self.navigator.start()
        self._update_actions()

    @property
    def context(self) -> S3Context | None:
        return self.model.context

    @Slot()
    def refresh(self) -> None:
        """Reload the bucket list and the folder on screen."""
        self.model.refresh_buckets()
        if self.current_node is not self.model.root:
            self.model.refresh_node(self.current_node)

    @Slot(str, str)
    def refresh_prefix(self, bucket: str, prefix: str) -> None:
        self.model.refresh_prefix(bucket, prefix)

    def _refresh_object(self, bucket: str, key: str) -> None:
        node = self.model.find_node(bucket, key)
        if node is not None:
            self.model.refresh_node(node)

    @Slot(str)
    def _on_error(self, text: str) -> None:
        self.statusMessage.emit(text, 0)

    @Slot(list)
    def _on_buckets_loaded(self, names: list[str]) -> None:
        start, self._start_bucket = self._start_bucket, ""
        prefix, self._start_prefix = self._start_prefix, ""
        if start in names and self.current_node is self.model.root:
            # Opening a folder makes it the upload destination: open the profile's own.
            self.navigate(start, prefix)
        self.bucketsLoaded.emit(names)

    # -- navigation --------------------------------------------------------------------
    @property
    def location(self) -> tuple[str, str]:
        """(bucket, prefix) on screen; ("", "") for the bucket list."""
        return self.navigator.location

    @property
    def current_node(self) -> Node:
        return self.navigator.current_node

    def navigate(self, bucket: str, prefix: str = "", search: str = "") -> bool:
        """Show folder ``prefix`` of ``bucket`` ("" bucket: the bucket list); record history."""
        return self.navigator.navigate(bucket, prefix, search)

    @Slot()
    def go_back(self) -> None:
        self.navigator.go_back()

    @Slot()
    def go_forward(self) -> None:
        self.navigator.go_forward()

    @Slot()
    def go_up(self) -> None:
        self.navigator.go_up()

    @Slot(QModelIndex)
    def _on_activated(self, index: QModelIndex) -> None:
        node = self.proxy.node(index)
        if node.kind == Kind.OBJECT:
            self.show_properties()
        else:
            self.navigator.open(node)

    # -- filter, sort, views -----------------------------------------------------------
    @Slot(str)
    def _apply_filter(self, text: str) -> None:
        self.proxy.set_filter_text(text)
        self.state_label.update_count()

    @Slot()
    def focus_filter(self) -> None:
        self.filter_edit.focus()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by name, size or date (folders first); keeps the selection."""
        self.sorting.sort(column, order)

    @Slot()
    def show_list(self) -> None:
        self.browser_actions.view_list.setChecked(True)
        self.browser_actions.view_grid.setChecked(False)
        if self.stack.currentWidget() is not self.view:
            self._attach(self.view)

    @Slot()
    def show_grid(self) -> None:
        self.browser_actions.view_list.setChecked(False)
        self.browser_actions.view_grid.setChecked(True)
        if self.stack.currentWidget() is not self.grid:
            self._attach(self.grid)

    # -- selection, actions and menus --------------------------------------------------
    def selected_indexes(self) -> list[QModelIndex]:
        """Selected rows of the visible view (proxy indexes, column 0)."""
        return self.selection.indexes()

    def selected_nodes(self) -> list[Node]:
        return self.selection.nodes()

    def selected_objects(self) -> list[tuple[str, str]]:
        """(bucket, key) of every selected object (folders and buckets excluded)."""
        return self.selection.objects()

    def select_nodes(self, nodes: list[Node]) -> None:
        """Select ``nodes`` (rows of the folder on screen) in the visible view."""
        self.selection.select(nodes)

    @Slot()
    def _on_selection(self) -> None:
        nodes = self.selected_nodes()
        if len(nodes) == 1 and nodes[0].kind in (Kind.BUCKET, Kind.FOLDER) and not nodes[0].search:
            self.destinationChosen.emit(nodes[0].bucket, nodes[0].key)
        self._update_actions()
        self.selectionChanged.emit()

    @Slot()
    def _update_actions(self) -> None:
        connected = self.model.context is not None
        self.browser_actions.update(
            connected=connected,
            nodes=self.selected_nodes() if connected else [],
            at_root=self.current_node is self.model.root,
            in_search=self.current_node.search,
            busy=self.runner.busy,
            can_go_back=self.navigator.can_go_back,
            can_go_forward=self.navigator.can_go_forward,
        )
        self.state_label.update_count()

    def add_actions_to(self, menu: QMenu) -> None:
        """Add every browser action to ``menu`` (the main window's Browser menu)."""
        self.browser_actions.add_to(menu)

    @Slot(QPoint)
    def _on_menu(self, pos: QPoint) -> None:
        self._update_actions()
        menu = self.browser_actions.context_menu(
            self,
            objects=bool(self.selected_objects()),
            refresh=self.refresh_action,
            copy_link=self.sharing.on_copy_link_action,
        )
        view = self.active_view
        menu.exec(view.viewport().mapToGlobal(pos))

    # -- commands (carried out by the parts) -------------------------------------------
    @Slot()
    def cancel_operation(self) -> None:
        self.runner.cancel()

    @Slot()
    def delete_selected(self) -> None:
        """Delete the selected objects and folders (recursively) after a confirmation."""
        self.editing.delete_selected()

    @Slot()
    def rename_selected(self) -> None:
        """Rename or move one object or folder: edit its full key (copy, then delete)."""
        self.editing.rename_selected()

    @Slot()
    def new_folder(self) -> None:
        self.editing.new_folder()

    @Slot()
    def new_bucket(self) -> None:
        self.editing.new_bucket()

    @Slot()
    def download_selected(self, dest: Path | None = None) -> None:
        """Download the selected objects and folders into a chosen folder."""
        self.downloads.download_selected(dest)

    def drag_mime(self, paths: list[Path]) -> QMimeData:
        """File URLs for a file manager (and the text of the paths)."""
        return self.downloads.drag_mime(paths)

    def prepare_drag(self) -> list[Path] | None:
        """The selected objects' files for a drag out, or [] while they download (then
        ``dragReady``); None when they cannot be dragged."""
        return self.downloads.prepare_drag()

    def start_drag_out(self) -> None:
        """Begin dragging the selected objects to a file manager (downloads them first)."""
        self.downloads.start_drag_out()

    def accept_drag(self, event: QDragEnterEvent | QDragMoveEvent) -> bool:
        return self.drops.accept_drag(event)

    def drop_target(self, view: QAbstractItemView, pos: QPoint) -> tuple[str, str]:
        """(bucket, prefix) a drop at ``pos`` goes to: the folder under it, else the current."""
        return self.drops.drop_target(view, pos)

    def drop(self, event: QDropEvent, view: QAbstractItemView) -> None:
        self.drops.drop(event, view)

    @Slot()
    def show_properties(self) -> None:
        self.properties.show_properties()

    @property
    def properties_dialog(self) -> PropertiesDialog | None:
        return self.properties.dialog

    @property
    def share_dialog(self) -> ShareDialog | None:
        return self.sharing.share_dialog

    def _put_on_clipboard(self, text: str, message: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.statusMessage.emit(message, 10000)
        self.linkCopied.emit(text)

    @Slot()
    def copy_s3_uri(self) -> None:
        self.sharing.copy_s3_uri()

    @Slot()
    def copy_public_url(self) -> None:
        self.sharing.copy_public_url()

    def copy_presigned_link(self, seconds: int = 3600) -> None:
        """Put presigned GET links to the selected objects on the clipboard, one per line."""
        self.sharing.copy_presigned_link(seconds)

    @Slot()
    def share_markdown(self) -> None:
        self.sharing.open_share_dialog(LinkFormat.MARKDOWN)

    @Slot()
    def share_html(self) -> None:
        self.sharing.open_share_dialog(LinkFormat.HTML)

    @Slot()
    def open_share_dialog(self, fmt: LinkFormat = LinkFormat.URL) -> ShareDialog | None:
        """The share dialog for the selected objects (non-modal; copies on accept)."""
        return self.sharing.open_share_dialog(fmt)

    @Slot()
    def publish_gallery_dialog(self) -> None:
        """Publish the selected images, or the images of the selected or shown folder."""
        self.gallery.publish_gallery_dialog()

    # -- lifetime ----------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop thumbnail jobs, cancel the operation, remove dragged temp files, and close
        the listings' connections."""
        self.runner.stop()
        self.thumbnails.shutdown()
        self.model.close_streams()
        self.downloads.remove_files()
