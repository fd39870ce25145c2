"""Per-item image options in the upload queue, and the preview of the current row.

A queue item may carry its own ``ImageOptions`` (``QueueItem.image_options``); the others
upload with the panel's. This decides which options each row gets, builds the engine's
prepare step for a batch, edits the overrides of the selected rows, and keeps the
preview showing the current row with the options it will be uploaded with.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QObject, Slot
from PySide6.QtWidgets import QWidget

from s3uploader_gui.core.imaging.options import ImageOptions
from s3uploader_gui.core.imaging.prepare import ImagePreparer
from s3uploader_gui.core.naming import UploadSource, is_image_name
from s3uploader_gui.ui.upload.image_options import ImageOptionsDialog, UploadOptionsPanel
from s3uploader_gui.ui.upload.preview_panel import PreviewPanel
from s3uploader_gui.ui.upload.queue_model import UploadQueueModel
from s3uploader_gui.ui.upload.queue_view import QueueView


class ItemImageOptions(QObject):
    """The image options of the queue's rows: the panel's, or an item's own.

    ``parent`` is the widget the options dialog belongs to (the pane).
    """

    def __init__(
        self,
        queue: UploadQueueModel,
        view: QueueView,
        panel: UploadOptionsPanel,
        preview: PreviewPanel,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._queue = queue
        self._view = view
        self._panel = panel
        self._preview = preview
        self._widget = parent
        view.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        panel.optionsChanged.connect(self._on_panel_changed)

    def image_rows(self, rows: list[int]) -> list[int]:
        """The rows of ``rows`` that hold images (the others have no image options)."""
        return [r for r in rows if is_image_name(self._queue.item(r).path.name)]

    def preparer(self, sources: list[UploadSource], rows: list[int]) -> ImagePreparer | None:
        """The engine's prepare step for these rows, or None when no image changes."""
        return self.preparer_maker(rows)(sources)

    def preparer_maker(
        self, rows: list[int]
    ) -> Callable[[list[UploadSource]], ImagePreparer | None]:
        """``preparer`` for ``rows`` as a function of their sources (in the same order),
        with the options read now: safe on a worker thread while the options change."""
        panel = self._panel.options()
        custom = [self._queue.item(row).image_options for row in rows]

        def make(sources: list[UploadSource]) -> ImagePreparer | None:
            overrides = {
                source.key: options
                for source, options in zip(sources, custom, strict=True)
                if options is not None
            }
            preparer = ImagePreparer(panel, overrides)
            return preparer if preparer.needed(sources) else None

        return make

    def options_for(self, row: int) -> tuple[ImageOptions, bool]:
        """The image options row ``row`` uploads with, and whether they are its own."""
        custom = self._queue.item(row).image_options
        if custom is not None:
            return custom, True
        return self._panel.options(), False

    def set_options(self, rows: list[int], options: ImageOptions | None) -> None:
        """Give ``rows`` their own image options (None: back to the panel's)."""
        for row in rows:
            self._queue.item(row).image_options = options
        self.refresh_preview()

    @Slot()
    def edit_selected(self) -> None:
        """Ask for the options of the selected images (the first one's are shown)."""
        rows = self.image_rows(self._view.selected_rows())
        if not rows:
            return
        dialog = ImageOptionsDialog(self.options_for(rows[0])[0], len(rows), self._widget)
        if dialog.exec():
            self.set_options(rows, dialog.options())

    @Slot()
    def reset_selected(self) -> None:
        """The selected rows go back to the panel's options."""
        self.set_options(self._view.selected_rows(), None)

    def refresh_preview(self) -> None:
        """Show the current row in the preview, with the options it uploads with."""
        index = self._view.currentIndex()
        if not index.isValid() or index.row() >= self._queue.rowCount():
            self._preview.show_path(None)
            return
        options, custom = self.options_for(index.row())
        self._preview.show_path(self._queue.item(index.row()).path, options, custom=custom)

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.refresh_preview()

    @Slot()
    def _on_panel_changed(self) -> None:
        self.refresh_preview()
