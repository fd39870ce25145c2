"""The preview of the selected queue item: a larger thumbnail and what the file holds.

It also says, in one line, what the upload will do to the file (uploaded as is, only
its metadata rewritten, or resized / converted and re-encoded): ``core.imaging.changes``
decides that from the info the thumbnail brought, the same decision the upload follows.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QFont, QImage, QPalette, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.formatting import format_bytes
from s3uploader_gui.core.imaging.changes import ImageChanges, changes_for
from s3uploader_gui.core.imaging.info import ImageInfo
from s3uploader_gui.core.imaging.options import ImageOptions, MetadataPolicy
from s3uploader_gui.core.imaging.thumbnails import Thumbnail
from s3uploader_gui.core.naming import is_image_name
from s3uploader_gui.ui.upload.local_thumbnails import PREVIEW_SIZE, LocalThumbnailLoader


class PreviewPanel(QFrame):
    """Shows the selected item: picture, pixel size, format, file size, camera, date, GPS.

    The details are a two-column table of labels: the names in a column as wide as the
    longest, the values in the rest of the panel, wrapped only when they do not fit.
    The picture takes at most ``PICTURE_SHARE`` of the width, so the details keep more
    than half of the panel on a narrow window.
    """

    #: The picture's largest size, and its share of the panel's width at most.
    PICTURE_MAX = QSize(160, 120)
    PICTURE_MIN_WIDTH = 64
    PICTURE_SHARE = 0.3

    def __init__(self, loader: LocalThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.loader = loader
        self._path: Path | None = None
        self._options: ImageOptions | None = None
        self._custom = False
        self._image: QImage | None = None
        self.info: ImageInfo | None = None
        #: What the upload will do to the previewed image (None: not known yet).
        self.changes: ImageChanges | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.picture = QLabel(self)
        self.picture.setObjectName("previewPicture")
        self.picture.setFixedSize(self.PICTURE_MAX)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setAccessibleName(self.tr("Preview of the selected file"))
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        #: The details: the file's name over a table of names and values.
        self.details = QWidget(self)
        self.details.setObjectName("previewDetails")
        self.details.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        column = QVBoxLayout(self.details)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.title = _ElidedLabel(self.details)
        bold = QFont(self.title.font())
        bold.setBold(True)
        self.title.setFont(bold)
        column.addWidget(self.title)
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(1)
        self._grid.setColumnStretch(1, 1)
        column.addLayout(self._grid)
        self._rows: list[tuple[QLabel, QLabel]] = []
        self.message = self._label(wrap=True)  # the hint, or why there is no preview
        column.addWidget(self.message)
        column.addStretch(1)
        layout.addWidget(self.details, 1)
        loader.thumbnailReady.connect(self._on_ready)
        loader.thumbnailFailed.connect(self._on_failed)
        self.show_path(None)

    @property
    def path(self) -> Path | None:
        return self._path

    def show_path(
        self, path: Path | None, options: ImageOptions | None = None, *, custom: bool = False
    ) -> None:
        """Preview ``path`` (None: nothing selected); ``options`` are what its upload uses."""
        self._path = path
        self._options = options
        self._custom = custom
        self.info = None
        self.changes = None
        self._image = None
        self.picture.clear()
        if path is None:
            # Only the hint, across the whole panel (not squeezed beside an empty box).
            self.picture.setVisible(False)
            self._show(
                "", [], self.tr("Select a file in the queue to see its preview and details.")
            )
            return
        self.picture.setVisible(True)
        if not is_image_name(path.name):
            self.picture.setText(self.tr("Not an image"))
            self._show(path.name, [])
            return
        self.picture.setText(self.tr("Loading…"))
        self._show(path.name, [])
        self.loader.request(path, PREVIEW_SIZE)

    def details_text(self) -> str:
        """What the details say, as plain text: the name, then one "name: value" a line."""
        lines = [self.title.full_text()] if self.title.full_text() else []
        lines += [f"{k.text()}: {v.text()}" for k, v in self._rows if v.isVisibleTo(self)]
        if self.message.isVisibleTo(self):
            lines.append(self.message.text())
        return "\n".join(lines)

    def value_labels(self) -> list[QLabel]:
        """The labels of the values shown (tests check their layout)."""
        return [v for _k, v in self._rows if v.isVisibleTo(self)]

    # -- layout ------------------------------------------------------------------------
    def _label(self, *, wrap: bool) -> QLabel:
        label = QLabel(self.details)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(wrap)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setVisible(False)
        return label

    def _show(self, title: str, rows: list[tuple[str, str]], message: str = "") -> None:
        """Show ``title`` over ``rows`` of (name, value), then ``message`` if any."""
        self.title.set_full_text(title)
        self.title.setVisible(bool(title))
        while len(self._rows) < len(rows):
            key = self._label(wrap=False)
            key.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            value = self._label(wrap=True)
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            row = len(self._rows)
            self._grid.addWidget(
                key, row, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
            )
            self._grid.addWidget(value, row, 1, Qt.AlignmentFlag.AlignTop)
            self._rows.append((key, value))
        for i, (key, value) in enumerate(self._rows):
            shown = i < len(rows)
            if shown:
                key.setText(rows[i][0])
                value.setText(rows[i][1])
            key.setVisible(shown)
            value.setVisible(shown)
        self.message.setText(message)
        self.message.setStyleSheet("")  # red only for a failure (_on_failed)
        self.message.setVisible(bool(message))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_picture()

    def _fit_picture(self) -> None:
        """Size the picture for the panel's width, and scale the image shown into it."""
        most = self.PICTURE_MAX
        width = max(
            self.PICTURE_MIN_WIDTH, min(most.width(), int(self.width() * self.PICTURE_SHARE))
        )
        size = QSize(width, width * most.height() // most.width())
        if self.picture.size() != size:
            self.picture.setFixedSize(size)
        if self._image is not None:
            pixmap = QPixmap.fromImage(self._image).scaled(
                size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
            self.picture.setPixmap(pixmap)

    # -- the loader's answers ----------------------------------------------------------
    @Slot(str, int, QImage, object)
    def _on_ready(self, path: str, size: int, image: QImage, thumb: object) -> None:
        if size != PREVIEW_SIZE or self._path is None or str(self._path) != path:
            return
        if not isinstance(thumb, Thumbnail):
            return
        self._image = image
        self._fit_picture()
        self.info = thumb.info
        if self._options is not None:
            self.changes = changes_for(thumb.info, self._options)
        self._show(self._path.name, self._describe(thumb.info))

    @Slot(str, int, str)
    def _on_failed(self, path: str, size: int, message: str) -> None:
        if size != PREVIEW_SIZE or self._path is None or str(self._path) != path:
            return
        self.picture.setText(self.tr("No preview"))
        self._show(self._path.name, [], message)
        self.message.setStyleSheet("color:#b00020")

    def _describe(self, info: ImageInfo) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        size = f"{info.width} × {info.height}"
        rows.append((self.tr("Pixels"), f"{size} ({info.width * info.height / 1e6:.1f} MP)"))
        fmt = info.format or "?"
        if info.frames > 1:
            fmt += " " + self.tr("(%n frames)", "", info.frames)
        rows.append((self.tr("Format"), f"{fmt}, {format_bytes(info.file_size)}"))
        if info.camera:
            rows.append((self.tr("Camera"), info.camera))
        if info.taken:
            rows.append((self.tr("Taken"), info.taken))
        if info.has_gps:
            if self.changes is not None:
                removed = self.changes.will_strip_gps
            else:
                removed = self._options is None or self._options.metadata is not MetadataPolicy.KEEP
            gps = self.tr("Yes (removed on upload)") if removed else self.tr("Yes (kept)")
        else:
            gps = self.tr("No")
        rows.append((self.tr("Location"), gps))
        if self._options is not None and self._custom:
            rows.append((self.tr("Own options"), self._options.describe()))
        if self.changes is not None:
            rows.append((self.tr("Upload"), self.change_line(self.changes)))
        return rows

    def change_line(self, changes: ImageChanges) -> str:
        """One line saying what the upload does to the image, e.g. "Uploaded as is (GPS
        removed, no re-encoding)" or "Resized to 2048 px and re-encoded as JPEG (quality
        85)"."""
        if changes.unchanged:
            return self.tr("Uploaded as is")
        if changes.rewrites_metadata:
            if changes.will_strip_metadata:
                return self.tr("Uploaded as is (metadata removed, no re-encoding)")
            return self.tr("Uploaded as is (GPS removed, no re-encoding)")
        fmt = _FORMAT_NAMES.get(changes.out_format, changes.out_format)
        edge = max(changes.width, changes.height)
        if changes.will_resize and changes.will_convert:
            line = self.tr("Resized to {edge} px and converted to {format}")
        elif changes.will_resize:
            line = self.tr("Resized to {edge} px and re-encoded as {format}")
        elif changes.will_convert:
            line = self.tr("Converted to {format}")
        elif changes.will_convert_srgb:
            line = self.tr("Converted to sRGB and re-encoded as {format}")
        else:
            line = self.tr("Re-encoded as {format} (its metadata cannot be rewritten alone)")
        line = line.format(edge=edge, format=fmt)
        if changes.quality is not None:
            line += " " + self.tr("(quality {quality})").format(quality=changes.quality)
        elif changes.out_format == "JPEG":
            line += " " + self.tr("(the original's quality)")
        extra: list[str] = []
        if changes.will_convert_srgb and (changes.will_resize or changes.will_convert):
            extra.append(self.tr("colours converted to sRGB"))
        if changes.will_strip_metadata:
            extra.append(self.tr("metadata removed"))
        elif changes.will_strip_gps:
            extra.append(self.tr("GPS removed"))
        return "; ".join([line, ", ".join(extra)]) if extra else line


#: How the line names a format where Pillow's name is not the usual one.
_FORMAT_NAMES = {"WEBP": "WebP"}


class _ElidedLabel(QLabel):
    """One line of text, its middle elided when the label is narrower; the whole text is
    the tooltip (a file name must not widen the panel)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.width())
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width))
