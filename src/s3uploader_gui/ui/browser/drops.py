"""Local files dropped on the browser: uploaded into the folder they were dropped on."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView

from s3uploader_gui.ui.browser.folder_model import BrowserFilterModel
from s3uploader_gui.ui.browser.node import Kind
from s3uploader_gui.ui.browser.ports import Place


class Drops:
    """Accepts drags of local files over the views, and hands a drop's files to
    ``dropped(bucket, prefix, paths)``. Drags that start from ``own`` (the browser's
    objects dragged out) are refused: dropping them back would upload them again."""

    def __init__(
        self,
        place: Place,
        proxy: BrowserFilterModel,
        own: Sequence[QObject],
        dropped: Callable[[str, str, list[Path]], None],
    ) -> None:
        self._place = place
        self._proxy = proxy
        self._own = tuple(own)
        self._dropped = dropped

    def _own_drag(self, event: QDropEvent | QDragMoveEvent | QDragEnterEvent) -> bool:
        return event.source() in self._own

    def accept_drag(self, event: QDragEnterEvent | QDragMoveEvent) -> bool:
        bucket, _ = self._place.location
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
        bucket, prefix = self._place.location
        index = view.indexAt(pos)
        if index.isValid():
            node = self._proxy.node(index)
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
        self._dropped(bucket, prefix, paths)
