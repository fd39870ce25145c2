"""Preferences: the defaults for new uploads, transfers and shared links, in one place."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.ui.browser.dialogs import EXPIRY_CHOICES
from s3uploader_gui.ui.upload.image_options import UploadOptionsPanel
from s3uploader_gui.ui.watch.page import WatchedFoldersPage

#: QSettings key of the default lifetime of "Copy link" (seconds).
LINK_EXPIRY_KEY = "share/defaultExpiry"


def default_link_expiry(settings: QSettings) -> int:
    """The lifetime "Copy link" uses, in seconds (1 hour unless the user chose otherwise)."""
    value = settings.value(LINK_EXPIRY_KEY, 3600, type=int)
    allowed = {seconds for _, seconds in EXPIRY_CHOICES}
    return int(value) if value in allowed else 3600


class PreferencesDialog(QDialog):
    """Image defaults, transfer settings, link lifetime and start-up behaviour.

    Every change is saved at once (like the panels it mirrors); the main window reloads
    what it shows when the dialog closes.
    """

    def __init__(
        self, settings: QSettings, open_transfer_settings: object, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(self.tr("Preferences"))
        layout = QVBoxLayout(self)
        tabs = QTabWidget(self)
        layout.addWidget(tabs)

        # Uploads: image defaults (the same editor as the main window's panel).
        uploads = QWidget(tabs)
        ulay = QVBoxLayout(uploads)
        self.autostart_box = QCheckBox(self.tr("Start uploading when files are added"), uploads)
        self.autostart_box.setChecked(bool(settings.value("autostart", True, type=bool)))
        self.autostart_box.toggled.connect(self._on_autostart)
        ulay.addWidget(self.autostart_box)
        self.image_options = UploadOptionsPanel(settings, uploads)
        self.image_options.setTitle(self.tr("Images: resize, format, metadata"))
        ulay.addWidget(self.image_options)
        ulay.addStretch(1)
        tabs.addTab(uploads, self.tr("Uploads"))

        # Transfers: the existing dialog holds parallelism, bandwidth, conflicts, headers.
        transfers = QWidget(tabs)
        tlay = QVBoxLayout(transfers)
        note = QLabel(
            self.tr(
                "Parallel transfers, bandwidth limit, what to do when a key already exists, "
                "object settings (Content-Type, Cache-Control, storage class, encryption, "
                "metadata) and the key-naming template."
            ),
            transfers,
        )
        note.setWordWrap(True)
        tlay.addWidget(note)
        self.transfer_button = QPushButton(self.tr("Transfer settings…"), transfers)
        if callable(open_transfer_settings):
            self.transfer_button.clicked.connect(open_transfer_settings)
        tlay.addWidget(self.transfer_button)
        tlay.addStretch(1)
        tabs.addTab(transfers, self.tr("Transfers"))

        # Sharing: the lifetime of "Copy link".
        sharing = QWidget(tabs)
        slay = QFormLayout(sharing)
        self.expiry_combo = QComboBox(sharing)
        for label, seconds in EXPIRY_CHOICES:
            self.expiry_combo.addItem(self.tr(label), seconds)
        current = default_link_expiry(settings)
        self.expiry_combo.setCurrentIndex(max(0, self.expiry_combo.findData(current)))
        self.expiry_combo.currentIndexChanged.connect(self._on_expiry)
        slay.addRow(self.tr("“Copy link” is valid for:"), self.expiry_combo)
        hint = QLabel(
            self.tr("Links from temporary credentials stop working when those credentials do."),
            sharing,
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)
        slay.addRow(hint)
        tabs.addTab(sharing, self.tr("Sharing"))

        # Watched folders: saved at once; the window's watcher reloads them (changed).
        self.watch_page = WatchedFoldersPage(settings, tabs)
        tabs.addTab(self.watch_page, self.tr("Watched folders"))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.accept)
        layout.addWidget(buttons)

    @Slot(bool)
    def _on_autostart(self, on: bool) -> None:
        self.settings.setValue("autostart", on)

    @Slot(int)
    def _on_expiry(self, index: int) -> None:
        self.settings.setValue(LINK_EXPIRY_KEY, int(self.expiry_combo.itemData(index)))
