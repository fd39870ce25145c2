"""The preferences' "Watched folders" page: the folders, their destinations and options."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.naming import normalize_prefix
from s3uploader_gui.core.watching import ImageChoice, WatchedFolder
from s3uploader_gui.ui.watch.settings import load_folders, save_folders

_IMAGE_LABELS = {
    ImageChoice.PANEL: "The upload panel's image options",
    ImageChoice.AS_IS: "As is (no resize, no conversion)",
}


def _shown_path(path: Path) -> str:
    """``path`` with the home folder written ``~`` (shorter; the tooltip has it whole)."""
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)


class WatchedFoldersPage(QWidget):
    """A table of watched folders with Add, Edit and Remove; saved at once.

    Signals:
        changed(): the folders were saved (the watcher reloads them).
    """

    changed = Signal()

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._folders = list(load_folders(settings))
        self._profiles: list[str] = []
        self._current_profile = ""
        self._buckets: list[str] = []
        self.editor: WatchFolderDialog | None = None
        self._editing_row = -1
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "New files in these folders upload by themselves once they have stopped "
                "growing for a second, each file once. Files already there when a folder is "
                "added are left alone, as are partial downloads (.part, .crdownload, .tmp), "
                "Office lock files (~$…), hidden files and sub-folders. A folder going to "
                "another profile waits until that profile is connected. Transfers → Pause "
                "watching stops it all."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Folder"), self.tr("Destination"), self.tr("Images")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Folder and destination share the width and elide in the middle (full text in
        # the tooltip): long paths pushed the destination out of sight behind a scrollbar.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setMinimumWidth(640)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(self._on_edit)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add folder…"), self)
        self.add_button.clicked.connect(self._on_add)
        self.edit_button = QPushButton(self.tr("Edit…"), self)
        self.edit_button.clicked.connect(self._on_edit)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.clicked.connect(self._on_remove)
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._fill()

    # -- data --------------------------------------------------------------------------
    def set_choices(self, profiles: list[str], current_profile: str, buckets: list[str]) -> None:
        """The profiles to offer, the connected one and its buckets (for new folders)."""
        self._profiles = list(profiles)
        self._current_profile = current_profile
        self._buckets = list(buckets)

    def folders(self) -> tuple[WatchedFolder, ...]:
        return tuple(self._folders)

    def add_folder(self, folder: WatchedFolder) -> None:
        self._folders = [f for f in self._folders if f.path != folder.path] + [folder]
        self._save()

    def set_folder(self, row: int, folder: WatchedFolder) -> None:
        self._folders[row] = folder
        self._folders = [
            f for i, f in enumerate(self._folders) if i == row or f.path != folder.path
        ]
        self._save()

    def remove_row(self, row: int) -> None:
        del self._folders[row]
        self._save()

    def _save(self) -> None:
        save_folders(self.settings, tuple(self._folders))
        self._fill()
        self.changed.emit()

    def _fill(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._folders))
        for row, folder in enumerate(self._folders):
            name = QTableWidgetItem(_shown_path(folder.path))
            name.setFlags(name.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            name.setCheckState(Qt.CheckState.Checked if folder.enabled else Qt.CheckState.Unchecked)
            name.setToolTip(f"{folder.path}\n" + self.tr("Checked: watched"))
            self.table.setItem(row, 0, name)
            dest = f"{folder.profile}: s3://{folder.bucket}/{normalize_prefix(folder.prefix)}"
            dest_item = QTableWidgetItem(dest)
            dest_item.setToolTip(dest)
            self.table.setItem(row, 1, dest_item)
            self.table.setItem(row, 2, QTableWidgetItem(self.tr(_IMAGE_LABELS[folder.images])))
        self.table.blockSignals(False)
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        selected = bool(self.table.selectionModel().selectedRows())
        self.edit_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)

    def _selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    @Slot(QTableWidgetItem)
    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != 0 or not 0 <= item.row() < len(self._folders):
            return
        enabled = item.checkState() == Qt.CheckState.Checked
        folder = self._folders[item.row()]
        if folder.enabled != enabled:
            self.set_folder(item.row(), replace(folder, enabled=enabled))

    # -- editing -----------------------------------------------------------------------
    @Slot()
    def _on_add(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder to watch"))
        if path:
            self.open_editor(self.new_folder(Path(path)))

    def new_folder(self, path: Path) -> WatchedFolder:
        """A folder's defaults: the connected profile and the first bucket offered (the
        one the upload pane shows)."""
        bucket = self._buckets[0] if self._buckets else ""
        return WatchedFolder(path=path, profile=self._current_profile, bucket=bucket)

    @Slot()
    def _on_edit(self) -> None:
        row = self._selected_row()
        if row >= 0:
            self.open_editor(self._folders[row], row)

    @Slot()
    def _on_remove(self) -> None:
        row = self._selected_row()
        if row >= 0:
            self.remove_row(row)

    def open_editor(self, folder: WatchedFolder, row: int = -1) -> WatchFolderDialog:
        """Open the editor for ``folder`` (``row`` -1: a new one); saved when accepted."""
        dialog = WatchFolderDialog(
            folder, self._profiles, self._current_profile, self._buckets, self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._on_editor_accepted)
        self.editor, self._editing_row = dialog, row
        dialog.open()
        return dialog

    @Slot()
    def _on_editor_accepted(self) -> None:
        dialog, self.editor = self.editor, None
        if dialog is None:
            return
        folder = dialog.folder()
        if self._editing_row >= 0:
            self.set_folder(self._editing_row, folder)
        else:
            self.add_folder(folder)


class WatchFolderDialog(QDialog):
    """One watched folder: the folder, its profile, bucket and prefix, images, on/off."""

    def __init__(
        self,
        folder: WatchedFolder,
        profiles: list[str],
        current_profile: str,
        buckets: list[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Watched folder"))
        self._current_profile = current_profile
        self._buckets = buckets
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.path_edit = QLineEdit(str(folder.path), self)
        browse = QPushButton(self.tr("Choose…"), self)
        browse.clicked.connect(self._on_browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow(self.tr("Folder:"), row)
        self.profile_combo = QComboBox(self)
        names = list(profiles)
        for name in (folder.profile, current_profile):
            if name and name not in names:
                names.append(name)
        self.profile_combo.addItems(names)
        self.profile_combo.setCurrentText(folder.profile or current_profile)
        self.profile_combo.currentTextChanged.connect(self._on_profile_changed)
        form.addRow(self.tr("Profile:"), self.profile_combo)
        self.bucket_combo = QComboBox(self)
        self.bucket_combo.setEditable(True)
        form.addRow(self.tr("Bucket:"), self.bucket_combo)
        self.prefix_edit = QLineEdit(folder.prefix, self)
        self.prefix_edit.setPlaceholderText(self.tr("folder/in/the/bucket/ (optional)"))
        form.addRow(self.tr("Prefix:"), self.prefix_edit)
        self.images_combo = QComboBox(self)
        for choice, label in _IMAGE_LABELS.items():
            self.images_combo.addItem(self.tr(label), choice.value)
        self.images_combo.setCurrentIndex(self.images_combo.findData(folder.images.value))
        form.addRow(self.tr("Images:"), self.images_combo)
        self.enabled_box = QCheckBox(self.tr("Watch this folder"), self)
        self.enabled_box.setChecked(folder.enabled)
        form.addRow(self.enabled_box)
        note = QLabel(
            self.tr("Buckets are listed for the connected profile; type one for another."), self
        )
        note.setWordWrap(True)
        note.setEnabled(False)
        form.addRow(note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._on_profile_changed(self.profile_combo.currentText())
        self.bucket_combo.setCurrentText(folder.bucket)
        self.path_edit.textChanged.connect(self._update_ok)
        self.bucket_combo.editTextChanged.connect(self._update_ok)
        self.profile_combo.currentTextChanged.connect(self._update_ok)
        self._update_ok()

    @Slot(str)
    def _on_profile_changed(self, profile: str) -> None:
        text = self.bucket_combo.currentText()
        self.bucket_combo.clear()
        if profile == self._current_profile:
            self.bucket_combo.addItems(self._buckets)
        self.bucket_combo.setCurrentText(text)

    @Slot()
    def _on_browse(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, self.tr("Choose a folder to watch"), self.path_edit.text()
        )
        if path:
            self.path_edit.setText(path)

    @Slot()
    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        fields = (self.path_edit, self.profile_combo, self.bucket_combo)
        texts = [f.text() if isinstance(f, QLineEdit) else f.currentText() for f in fields]
        ok.setEnabled(all(text.strip() for text in texts))

    def folder(self) -> WatchedFolder:
        """The folder as the dialog shows it."""
        return WatchedFolder(
            path=Path(self.path_edit.text().strip()).expanduser().absolute(),
            profile=self.profile_combo.currentText(),
            bucket=self.bucket_combo.currentText().strip(),
            prefix=normalize_prefix(self.prefix_edit.text().strip()),
            images=ImageChoice(self.images_combo.currentData()),
            enabled=self.enabled_box.isChecked(),
        )
