"""Edit → Paste (Ctrl+V): upload what the clipboard holds.

Local files (a file manager's copy: ``text/uri-list``, or ``file:`` URIs as text) are
queued as they are; a picture (a screenshot) is written as a PNG to this run's private
folder (``core.imaging.pasted``) on a worker, named by the Preferences' template, and
queued from there. It is deleted once uploaded, and the folder when the window closes.
Anything else gets one status line.

A text field keeps its own Ctrl+V: Qt gives the key to a focused editor before any
window shortcut, and the menu's Paste pastes into the focused editor as any Edit menu
does (``paste_into``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject, QSettings, Qt, Slot
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from s3uploader_gui.core.imaging.pasted import (
    EncodedImage,
    PasteFolder,
    RawImage,
    local_paths_from_text,
)
from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.ui.actions import make_action
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.sharing_settings import paste_template
from s3uploader_gui.ui.workers import WorkerPool

if TYPE_CHECKING:
    from s3uploader_gui.core.errors import AppError
    from s3uploader_gui.ui.upload.pane import UploadPane

#: Image types read as they are offered (a PNG is kept as it is; others become PNG);
#: SVG is left to QImage, which renders it.
_ENCODED = ("image/png", "image/jpeg", "image/webp", "image/bmp", "image/gif", "image/tiff")


def paste_into(widget: QWidget | None) -> bool:
    """Paste the clipboard's text into ``widget`` when it is an editable text field;
    False when it is not one (the window's Paste then uploads)."""
    if isinstance(widget, QComboBox) and widget.isEditable():
        widget = widget.lineEdit()
    elif isinstance(widget, QAbstractSpinBox) and not widget.isReadOnly():
        widget = widget.findChild(QLineEdit)
    if isinstance(widget, QLineEdit | QTextEdit | QPlainTextEdit) and not widget.isReadOnly():
        widget.paste()
        return True
    return False


def clipboard_files(mime: QMimeData) -> list[Path]:
    """The local files the clipboard names ([] when it names none, or not only files)."""
    if mime.hasUrls():
        urls = mime.urls()
        if urls and all(url.isLocalFile() for url in urls):
            return [Path(url.toLocalFile()) for url in urls]
    if mime.hasText():
        return local_paths_from_text(mime.text())
    return []


def clipboard_picture(mime: QMimeData) -> EncodedImage | RawImage | None:
    """The picture on the clipboard: the bytes another program offers (nothing decoded
    here), else the pixels of an image Qt holds (this process's own); None without one."""
    formats = set(mime.formats())
    for fmt in _ENCODED:
        if fmt in formats:
            data = bytes(mime.data(fmt).data())
            if data:
                return EncodedImage(data)
    if not mime.hasImage():
        return None
    image = mime.imageData()
    if not isinstance(image, QImage) or image.isNull():
        return None
    # A copy of the pixels for the worker: QImage rows are padded to 4 bytes, the stride
    # says by how much. The PNG itself is encoded on the worker.
    alpha = image.hasAlphaChannel()
    wanted = QImage.Format.Format_RGBA8888 if alpha else QImage.Format.Format_RGB888
    if image.format() != wanted:
        image = image.convertToFormat(wanted)
    pixels = bytes(image.constBits())
    mode = "RGBA" if alpha else "RGB"
    return RawImage(image.width(), image.height(), mode, image.bytesPerLine(), pixels)


class ClipboardPaste(QObject):
    """Edit → Paste of ``window``: uploads the clipboard's files or picture through
    ``pane`` (its status lines go out as the pane's)."""

    def __init__(
        self, window: QWidget, pane: UploadPane, settings: QSettings, pool: WorkerPool
    ) -> None:
        super().__init__(window)
        self._window = window
        self.pane = pane
        self.settings = settings
        self.pool = pool
        #: This run's pasted pictures (the folder is made by the first paste).
        self.folder = PasteFolder()
        self._waiting: set[Path] = set()
        pane.uploadsFinished.connect(self._on_uploads_finished)
        # A window shortcut: a focused text field overrides Ctrl+V (a standard key), so
        # the key pastes text there and reaches this action everywhere else.
        self.action = make_action(
            window,
            None,
            self.tr("Paste"),
            self.paste_or_upload,
            QKeySequence(QKeySequence.StandardKey.Paste),
            Qt.ShortcutContext.WindowShortcut,
            tip=self.tr("Upload the files or the picture on the clipboard (Ctrl+V)"),
        )
        self.action.setIcon(QIcon.fromTheme("edit-paste"))

    @Slot()
    def paste_or_upload(self) -> None:
        """The action: paste into the focused text field (the menu chosen while typing),
        else upload the clipboard."""
        if not paste_into(self._window.focusWidget()):
            self.paste()

    @Slot()
    def paste(self) -> None:
        """Queue the clipboard's files, or save its picture and queue that."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None:
            self._status(self.tr("Nothing to upload on the clipboard"))
            return
        files = clipboard_files(mime)
        if files:
            self.pane.add_paths(files)
            return
        picture = clipboard_picture(mime)
        if picture is None:
            self._status(self.tr("Nothing to upload on the clipboard"))
            return
        self._status(self.tr("Saving the pasted picture…"))
        self.pool.call(
            functools.partial(self.folder.save, picture, paste_template(self.settings)),
            self._on_saved,
            self._on_failed,
            name="paste",
        )

    def _on_saved(self, path: Path) -> None:
        self._waiting.add(path)
        self.pane.add_paths([path])

    def _on_failed(self, err: AppError) -> None:
        text = self.tr("The pasted picture cannot be uploaded: %1").replace("%1", error_text(err))
        self._status(text, 0)

    @Slot(int, int)
    def _on_uploads_finished(self, _ok: int, _failed: int) -> None:
        """Delete the pasted pictures that are uploaded (failed ones stay for a retry)."""
        queue = self.pane.queue
        done = {queue.item(row).path for row in queue.rows_with_status(ItemStatus.DONE)}
        uploaded = self._waiting & done
        if not uploaded:
            return
        self._waiting -= uploaded
        self.pool.call(
            functools.partial(self.folder.remove, sorted(uploaded)),
            _nothing_to_show,
            name="paste-cleanup",
        )

    def clear(self) -> None:
        """Delete every pasted picture and the folder (the window closes; workers stopped)."""
        self._waiting.clear()
        self.folder.clear()

    def _status(self, text: str, timeout_ms: int = 8000) -> None:
        self.pane.statusMessage.emit(text, timeout_ms)


def _nothing_to_show(_result: None) -> None:
    """Uploaded pictures were deleted: nothing to tell."""
