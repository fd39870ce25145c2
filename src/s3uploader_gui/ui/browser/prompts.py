"""The questions the browser asks the user, each a modal dialog (tests replace them)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from s3uploader_gui.ui.browser.dialogs import GalleryDialog, NewBucketDialog
from s3uploader_gui.ui.browser.ports import tr


class Prompts:
    """Asks over ``parent``; every answer is None (or False) when the user cancels."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self._parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def ask_replace(self, title: str, text: str) -> bool | None:
        """Replace (True), Skip existing (False) or Cancel (None): what to do with the
        objects already at a move's targets, which ``text`` names."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self._parent)
        replace = box.addButton(tr("Replace"), QMessageBox.ButtonRole.DestructiveRole)
        skip = box.addButton(tr("Skip existing"), QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(skip)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        if clicked is replace:
            return True
        if clicked is skip:
            return False
        return None

    def ask_text(self, title: str, label: str, text: str = "") -> str | None:
        value, ok = QInputDialog.getText(
            self._parent, title, label, QLineEdit.EchoMode.Normal, text
        )
        return value if ok else None

    def ask_directory(self) -> Path | None:
        folder = QFileDialog.getExistingDirectory(self._parent, tr("Download to folder"))
        return Path(folder) if folder else None

    def ask_new_bucket(self, default_region: str) -> tuple[str, str] | None:
        dialog = NewBucketDialog(default_region, self._parent)
        if dialog.exec() != NewBucketDialog.DialogCode.Accepted or not dialog.name:
            return None
        return dialog.name, dialog.region

    def ask_gallery(self, count_text: str, title: str) -> tuple[str, bool, int] | None:
        dialog = GalleryDialog(count_text, title, self._parent)
        if dialog.exec() != GalleryDialog.DialogCode.Accepted:
            return None
        return dialog.title, dialog.public, dialog.seconds
