"""Showing a history entry in the bucket browser: its folder opened, the object selected.

The folder is listed in the background, page by page: the object is selected as soon as
its page is in, further pages are asked for while it is not, and a folder listed before
the upload is listed again once. When the folder is complete and the object is not in
it, ``notFound`` says so (deleted since, say).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

if TYPE_CHECKING:
    from s3uploader_gui.ui.browser.pane import BrowserPane


class BrowserReveal(QObject):
    """Signals:
    revealed(str, str): (bucket, key) is selected in the browser.
    notFound(str, str): (bucket, key) is not in its folder.
    """

    revealed = Signal(str, str)
    notFound = Signal(str, str)

    def __init__(self, pane: BrowserPane, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pane = pane
        self._target: tuple[str, str, str] | None = None  # bucket, folder, key
        self._refreshed = False
        pane.model.nodeLoaded.connect(self._on_loaded)

    def reveal(self, bucket: str, key: str) -> bool:
        """Open ``key``'s folder in the browser and select it (now or once listed);
        False when the bucket is not listed there."""
        head, sep, _ = key.rpartition("/")
        folder = head + sep
        self._target = None
        if not self._pane.navigate(bucket, folder):
            return False
        self._target = (bucket, folder, key)
        self._refreshed = False
        node = self._pane.current_node
        if not self._try(final=False) and node.fetched and not node.fetching:
            self._on_loaded(bucket, folder)  # listed already: no page is on its way
        return True

    def _try(self, *, final: bool) -> bool:
        if self._target is None:
            return True
        bucket, folder, key = self._target
        if self._pane.location != (bucket, folder):
            self._target = None  # the person went elsewhere meanwhile
            return True
        node = self._pane.model.find_node(bucket, key)
        if node is not None and node.parent is self._pane.current_node:
            self._target = None
            self._pane.select_nodes([node])
            selected = self._pane.selected_indexes()
            if selected:
                self._pane.active_view.scrollTo(selected[0])
            self._pane.active_view.setFocus()
            self.revealed.emit(bucket, key)
            return True
        if final:
            self._target = None
            self.notFound.emit(bucket, key)
        return False

    @Slot(str, str)
    def _on_loaded(self, bucket: str, prefix: str) -> None:
        if self._target is None or (bucket, prefix) != self._target[:2]:
            return
        if self._try(final=False):
            return
        model = self._pane.model
        index = model.index_for(self._pane.current_node)
        if model.canFetchMore(index):
            model.fetchMore(index)  # the object may be on a later page
        elif not self._refreshed:
            self._refreshed = True  # listed before the upload: list it again, once
            self._pane.refresh_prefix(bucket, prefix)
        else:
            self._try(final=True)
