"""Every action of the browser pane: made by one factory, enabled by one rule, and
arranged in the Browser menu and the views' context menu."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QStyle, QWidget

from s3uploader_gui.ui.actions import make_action
from s3uploader_gui.ui.browser.dialogs import EXPIRY_CHOICES
from s3uploader_gui.ui.browser.node import Kind, Node
from s3uploader_gui.ui.browser.ports import tr


class ActionHandlers(Protocol):
    """The slots the actions trigger (the pane's commands)."""

    def go_back(self) -> None: ...
    def go_forward(self) -> None: ...
    def go_up(self) -> None: ...
    def download_selected(self) -> None: ...
    def delete_selected(self) -> None: ...
    def rename_selected(self) -> None: ...
    def new_folder(self) -> None: ...
    def new_bucket(self) -> None: ...
    def show_properties(self) -> None: ...
    def open_share_dialog(self) -> object: ...
    def copy_public_url(self) -> None: ...
    def copy_s3_uri(self) -> None: ...
    def share_markdown(self) -> None: ...
    def share_html(self) -> None: ...
    def publish_gallery_dialog(self) -> None: ...
    def show_list(self) -> None: ...
    def show_grid(self) -> None: ...
    def focus_filter(self) -> None: ...


class BrowserActions:
    """The pane's actions, and which of them the selection and the state allow."""

    def __init__(self, owner: QWidget, on: ActionHandlers) -> None:
        sp = QStyle.StandardPixmap
        view_only = Qt.ShortcutContext.WidgetShortcut

        def make(
            icon: QStyle.StandardPixmap | None,
            text: str,
            slot: Callable[[], object],
            shortcut: str | None = None,
            context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut,
        ) -> QAction:
            return make_action(owner, icon, text, slot, shortcut, context)

        self.back = make(sp.SP_ArrowBack, tr("Back"), on.go_back, "Alt+Left")
        self.forward = make(sp.SP_ArrowForward, tr("Forward"), on.go_forward, "Alt+Right")
        self.up = make(sp.SP_ArrowUp, tr("Up"), on.go_up, "Alt+Up")
        self.up_key = make(None, tr("Up"), on.go_up, "Backspace", view_only)
        self.download = make(
            sp.SP_DialogSaveButton, tr("Download…"), on.download_selected, "Ctrl+D"
        )
        self.delete = make(sp.SP_TrashIcon, tr("Delete…"), on.delete_selected, "Delete", view_only)
        self.rename = make(None, tr("Rename or move…"), on.rename_selected, "F2", view_only)
        self.new_folder = make(
            sp.SP_FileDialogNewFolder, tr("New folder…"), on.new_folder, "Ctrl+Shift+N"
        )
        self.new_bucket = make(sp.SP_DriveNetIcon, tr("New bucket…"), on.new_bucket)
        self.properties = make(
            sp.SP_FileDialogInfoView, tr("Properties…"), on.show_properties, "Alt+Return"
        )
        self.share = make(sp.SP_FileLinkIcon, tr("Copy presigned link…"), on.open_share_dialog)
        self.copy_public = make(None, tr("Copy public URL"), on.copy_public_url)
        self.copy_uri = make(None, tr("Copy s3:// URI"), on.copy_s3_uri)
        self.copy_markdown = make(None, tr("Copy as Markdown…"), on.share_markdown)
        self.copy_html = make(None, tr("Copy as HTML…"), on.share_html)
        self.gallery = make(None, tr("Publish gallery…"), on.publish_gallery_dialog)
        self.view_list = make(sp.SP_FileDialogDetailedView, tr("List view"), on.show_list, "Ctrl+1")
        self.view_grid = make(
            sp.SP_FileDialogListView, tr("Thumbnail view"), on.show_grid, "Ctrl+2"
        )
        self.find = make(None, tr("Filter"), on.focus_filter, "Ctrl+F")
        for act in (self.view_list, self.view_grid):
            act.setCheckable(True)
        self.view_list.setChecked(True)
        self.back.setToolTip(tr("Back (Alt+Left)"))
        self.forward.setToolTip(tr("Forward (Alt+Right)"))
        self.up.setToolTip(tr("Up one folder (Alt+Up, Backspace)"))

    @property
    def _sharing(self) -> tuple[QAction, ...]:
        return (self.share, self.copy_public, self.copy_uri, self.copy_markdown, self.copy_html)

    def update(
        self,
        *,
        connected: bool,
        nodes: Sequence[Node],
        at_root: bool,
        in_search: bool,
        busy: bool,
        can_go_back: bool,
        can_go_forward: bool,
    ) -> None:
        """Enable what ``nodes`` (the selection) allow in the folder on screen."""
        objects = [n for n in nodes if n.kind == Kind.OBJECT]
        items = [n for n in nodes if n.kind != Kind.BUCKET and not n.search]
        in_bucket = connected and not at_root
        self.back.setEnabled(can_go_back)
        self.forward.setEnabled(can_go_forward)
        self.up.setEnabled(not at_root)
        self.up_key.setEnabled(not at_root)
        self.download.setEnabled(bool(items) and not busy)
        self.delete.setEnabled(bool(items) and not busy)
        self.rename.setEnabled(len(items) == 1 and not busy)
        self.new_folder.setEnabled(in_bucket and not in_search and not busy)
        self.new_bucket.setEnabled(connected and not busy)
        self.properties.setEnabled(len(objects) == 1)
        for act in self._sharing:
            act.setEnabled(bool(objects))
        self.gallery.setEnabled(in_bucket and not busy)

    def add_to(self, menu: QMenu) -> None:
        """Add every action to ``menu`` (the main window's Browser menu), in groups."""
        for group in (
            (self.back, self.forward, self.up),
            (self.view_list, self.view_grid, self.find),
            (self.new_folder, self.new_bucket),
            (self.download, self.rename, self.delete, self.properties),
            (*self._sharing, self.gallery),
        ):
            for act in group:
                menu.addAction(act)
            menu.addSeparator()

    def context_menu(
        self,
        parent: QWidget,
        *,
        objects: bool,
        refresh: QAction,
        copy_link: Callable[[], None],
    ) -> QMenu:
        """The views' context menu: what is enabled now. With ``objects`` selected, one
        "Copy presigned link" entry per expiry calls ``copy_link`` (the seconds are the
        entry's data)."""
        menu = QMenu(parent)
        if objects:
            for label, seconds in EXPIRY_CHOICES:
                act = menu.addAction(tr("Copy presigned link (%s)") % tr(label))
                act.setData(seconds)
                act.triggered.connect(copy_link)
            for act in self._sharing:
                menu.addAction(act)
            menu.addSeparator()
        for act in (self.download, self.rename, self.delete):
            if act.isEnabled():
                menu.addAction(act)
        if self.properties.isEnabled():
            menu.addAction(self.properties)
        menu.addSeparator()
        for act in (self.new_folder, self.gallery, self.new_bucket):
            if act.isEnabled():
                menu.addAction(act)
        menu.addAction(refresh)
        return menu
