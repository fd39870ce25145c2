"""The upload pane's destination bar: the bucket and the folder (key prefix) uploads go to.

It only shows and edits the choice; the pane decides when it may change (never while a
batch runs).
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from s3uploader_gui.core.naming import normalize_prefix


class DestinationBar(QWidget):
    """ "Bucket: [combo]  Folder: [prefix]"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        dest = QHBoxLayout(self)
        dest.setContentsMargins(0, 0, 0, 0)
        dest.addWidget(QLabel(self.tr("Bucket:"), self))
        self.bucket_combo = QComboBox(self)
        self.bucket_combo.setMinimumWidth(160)
        self.bucket_combo.setAccessibleName(self.tr("Destination bucket"))
        dest.addWidget(self.bucket_combo, 1)
        dest.addWidget(QLabel(self.tr("Folder:"), self))
        self.prefix_edit = QLineEdit(self)
        self.prefix_edit.setPlaceholderText(self.tr("(bucket root)  e.g. photos/2026/"))
        self.prefix_edit.setAccessibleName(self.tr("Destination folder"))
        self.prefix_edit.setToolTip(self.tr("Key prefix the files are uploaded under"))
        dest.addWidget(self.prefix_edit, 2)

    def destination(self) -> tuple[str, str]:
        """(bucket, prefix) chosen."""
        return self.bucket_combo.currentText(), normalize_prefix(self.prefix_edit.text())

    def set_destination(self, bucket: str, prefix: str) -> None:
        """Show ``bucket`` (offered if it was not) and ``prefix``."""
        if self.bucket_combo.findText(bucket) < 0:
            self.bucket_combo.addItem(bucket)
        self.bucket_combo.setCurrentText(bucket)
        self.prefix_edit.setText(prefix)

    def set_buckets(self, names: list[str], preferred: str = "") -> None:
        """Offer ``names``; keep the current choice, else ``preferred``, else the first."""
        current = self.bucket_combo.currentText() or preferred
        self.bucket_combo.clear()
        self.bucket_combo.addItems(names)
        if current in names:
            self.bucket_combo.setCurrentText(current)
        elif names:
            self.bucket_combo.setCurrentIndex(0)

    def reset(self, default_bucket: str, default_prefix: str) -> None:
        """A new connection: only its default bucket is offered until the list arrives."""
        self.bucket_combo.clear()
        if default_bucket:
            self.bucket_combo.addItem(default_bucket)
        self.prefix_edit.setText(default_prefix)
