"""The preview of the selected queue item: a larger thumbnail and what the file holds.

It also says, in one line, what the upload will do to the file (uploaded as is, only
its metadata rewritten, or resized / converted and re-encoded): ``core.imaging.changes``
decides that from the info the thumbnail brought, the same decision the upload follows.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QWidget

from s3uploader_gui.core.formatting import format_bytes
from s3uploader_gui.core.imaging.changes import ImageChanges, changes_for
from s3uploader_gui.core.imaging.info import ImageInfo
from s3uploader_gui.core.imaging.options import ImageOptions, MetadataPolicy
from s3uploader_gui.core.imaging.thumbnails import Thumbnail
from s3uploader_gui.core.naming import is_image_name
from s3uploader_gui.ui.upload.local_thumbnails import PREVIEW_SIZE, LocalThumbnailLoader


def _escape(text: str) -> str:
    """``text`` safe inside rich text (html is loaded on first use, not at start-up)."""
    import html

    return html.escape(text)


class PreviewPanel(QFrame):
    """Shows the selected item: picture, pixel size, format, file size, camera, date, GPS."""

    def __init__(self, loader: LocalThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.loader = loader
        self._path: Path | None = None
        self._options: ImageOptions | None = None
        self._custom = False
        self.info: ImageInfo | None = None
        #: What the upload will do to the previewed image (None: not known yet).
        self.changes: ImageChanges | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.picture = QLabel(self)
        self.picture.setObjectName("previewPicture")
        self.picture.setFixedSize(QSize(160, 120))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setAccessibleName(self.tr("Preview of the selected file"))
        layout.addWidget(self.picture)
        self.details = QLabel(self)
        self.details.setObjectName("previewDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.details.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
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
        self.picture.clear()
        if path is None:
            self.picture.setText(self.tr("No selection"))
            self.details.setText(
                self.tr("Select a file in the queue to see its preview and details.")
            )
            return
        if not is_image_name(path.name):
            self.picture.setText(self.tr("Not an image"))
            self.details.setText(f"<b>{_escape(path.name)}</b>")
            return
        self.picture.setText(self.tr("Loading…"))
        self.details.setText(f"<b>{_escape(path.name)}</b>")
        self.loader.request(path, PREVIEW_SIZE)

    def details_text(self) -> str:
        """The details label's text (rich text)."""
        return self.details.text()

    @Slot(str, int, QImage, object)
    def _on_ready(self, path: str, size: int, image: QImage, thumb: object) -> None:
        if size != PREVIEW_SIZE or self._path is None or str(self._path) != path:
            return
        if not isinstance(thumb, Thumbnail):
            return
        box = self.picture.size()
        pixmap = QPixmap.fromImage(image).scaled(
            box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.picture.setPixmap(pixmap)
        self.info = thumb.info
        if self._options is not None:
            self.changes = changes_for(thumb.info, self._options)
        self.details.setText(self._describe(self._path, thumb.info))

    @Slot(str, int, str)
    def _on_failed(self, path: str, size: int, message: str) -> None:
        if size != PREVIEW_SIZE or self._path is None or str(self._path) != path:
            return
        self.picture.setText(self.tr("No preview"))
        self.details.setText(
            f"<b>{_escape(self._path.name)}</b><br>"
            f"<span style='color:#b00020'>{_escape(message)}</span>"
        )

    def _describe(self, path: Path, info: ImageInfo) -> str:
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
        body = "".join(
            f"<tr><td style='color:palette(mid);padding-right:8px'>{_escape(k)}</td>"
            f"<td style='white-space:pre'>{_escape(v)}</td></tr>"
            for k, v in rows
        )
        return f"<b>{_escape(path.name)}</b><table>{body}</table>"

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
