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
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.imaging.pasted import DEFAULT_PASTE_TEMPLATE, validate_paste_template
from s3uploader_gui.core.operations.upload_links import UploadLinks
from s3uploader_gui.ui.browser.dialogs import EXPIRY_CHOICES
from s3uploader_gui.ui.sharing_settings import (
    AFTER_UPLOAD_KEY,
    PASTE_TEMPLATE_KEY,
    after_upload_links,
    paste_template,
)
from s3uploader_gui.ui.sharing_settings import LINK_EXPIRY_KEY as LINK_EXPIRY_KEY
from s3uploader_gui.ui.sharing_settings import default_link_expiry as default_link_expiry
from s3uploader_gui.ui.upload.image_options import UploadOptionsPanel
from s3uploader_gui.ui.watch.page import WatchedFoldersPage


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
        ulay.addLayout(self._paste_row(uploads))
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
        self.after_upload_combo = QComboBox(sharing)
        for label, choice in (
            (self.tr("Off"), UploadLinks.OFF),
            (self.tr("Public URL"), UploadLinks.URL),
            (self.tr("Presigned link"), UploadLinks.PRESIGNED),
            (self.tr("Markdown"), UploadLinks.MARKDOWN),
            (self.tr("HTML"), UploadLinks.HTML),
        ):
            self.after_upload_combo.addItem(label, choice.value)
        chosen = after_upload_links(settings).value
        self.after_upload_combo.setCurrentIndex(self.after_upload_combo.findData(chosen))
        self.after_upload_combo.setToolTip(
            self.tr(
                "When uploads end, put the links of the uploaded files on the clipboard, one "
                "per line. Presigned links last as long as “Copy link”; Markdown and HTML use "
                "the profile's public URL when it has one, else a presigned link."
            )
        )
        self.after_upload_combo.currentIndexChanged.connect(self._on_after_upload)
        slay.addRow(self.tr("After upload, copy link:"), self.after_upload_combo)
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

    def _paste_row(self, parent: QWidget) -> QFormLayout:
        """The name template of pasted pictures, saved while it is usable."""
        form = QFormLayout()
        self.paste_template_edit = QLineEdit(paste_template(self.settings), parent)
        self.paste_template_edit.setPlaceholderText(DEFAULT_PASTE_TEMPLATE)
        self.paste_template_edit.setToolTip(
            self.tr(
                "File name of a picture pasted with Ctrl+V; {date:…} is the time of the "
                "paste, formatted with strftime codes such as %Y-%m-%d %H.%M.%S"
            )
        )
        self.paste_template_edit.textChanged.connect(self._on_paste_template)
        form.addRow(self.tr("Pasted pictures are named:"), self.paste_template_edit)
        self.paste_template_problem = QLabel(parent)
        self.paste_template_problem.setWordWrap(True)
        self.paste_template_problem.setVisible(False)
        form.addRow(self.paste_template_problem)
        return form

    @Slot(str)
    def _on_paste_template(self, text: str) -> None:
        template = text.strip() or DEFAULT_PASTE_TEMPLATE
        problem = validate_paste_template(template)
        self.paste_template_problem.setText(problem or "")
        self.paste_template_problem.setVisible(problem is not None)
        if problem is None:
            self.settings.setValue(PASTE_TEMPLATE_KEY, template)

    @Slot(int)
    def _on_after_upload(self, index: int) -> None:
        self.settings.setValue(AFTER_UPLOAD_KEY, str(self.after_upload_combo.itemData(index)))

    @Slot(bool)
    def _on_autostart(self, on: bool) -> None:
        self.settings.setValue("autostart", on)

    @Slot(int)
    def _on_expiry(self, index: int) -> None:
        self.settings.setValue(LINK_EXPIRY_KEY, int(self.expiry_combo.itemData(index)))
