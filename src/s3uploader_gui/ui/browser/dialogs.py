"""Small dialogs of the bucket browser: share links, properties, new bucket, gallery.

None of them talks to the network: the pane runs that work in workers and feeds the
answers back (``set_credentials``, ``set_properties``).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.formatting import format_bytes
from s3uploader_gui.core.objects import ObjectProperties
from s3uploader_gui.core.sharing import (
    MAX_EXPIRY_SECONDS,
    CredentialInfo,
    LinkFormat,
    link_lifetime,
)

#: (label, seconds) for the expiry choices; custom is the last entry of the combo.
EXPIRY_CHOICES = [("1 hour", 3600), ("1 day", 86400), ("7 days", 7 * 86400)]
CUSTOM = -1

COMMON_REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-south-1",
    "sa-east-1",
]


def _local_time(when: dt.datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def describe_lifetime(
    seconds: int, info: CredentialInfo | None, now: dt.datetime | None = None
) -> str:
    """The sentence the share dialog shows about when a link stops working."""

    def tr(text: str) -> str:
        return QCoreApplication.translate("ShareDialog", text)

    if info is None:
        return tr("Checking the profile's credentials…")
    life = link_lifetime(seconds, info, now)
    if life.cut_short and life.until is not None:
        return tr(
            "These credentials are temporary and expire at %s: the link stops working "
            "then, earlier than the expiry you chose."
        ) % _local_time(life.until)
    if life.unknown_end:
        return tr(
            "These credentials are temporary (session token): the link stops working when "
            "they expire, which may be before %s."
        ) % _local_time(life.requested_until)
    if life.temporary and life.until is not None:
        return tr(
            "The link works until %s (the temporary credentials last longer than that)."
        ) % _local_time(life.until)
    return tr("The link works until %s.") % _local_time(life.requested_until)


class ShareDialog(QDialog):
    """Choose presigned or public links, the expiry and the text format.

    Signals:
        credentialsKnown(): ``set_credentials`` filled in the truth about the expiry.
    """

    credentialsKnown = Signal()

    def __init__(
        self,
        count: int,
        fmt: LinkFormat = LinkFormat.URL,
        *,
        public: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Share %n object(s)", "", count))
        self._info: CredentialInfo | None = None
        layout = QVBoxLayout(self)
        self.presigned_radio = QRadioButton(self.tr("Presigned link (works without a login)"))
        self.public_radio = QRadioButton(self.tr("Public URL (only for public objects)"))
        group = QButtonGroup(self)
        group.addButton(self.presigned_radio)
        group.addButton(self.public_radio)
        (self.public_radio if public else self.presigned_radio).setChecked(True)
        layout.addWidget(self.presigned_radio)
        expiry_row = QHBoxLayout()
        expiry_row.setContentsMargins(24, 0, 0, 0)
        expiry_row.addWidget(QLabel(self.tr("Valid for:")))
        self.expiry_combo = QComboBox()
        for label, seconds in EXPIRY_CHOICES:
            self.expiry_combo.addItem(self.tr(label), seconds)
        self.expiry_combo.addItem(self.tr("Custom…"), CUSTOM)
        expiry_row.addWidget(self.expiry_combo)
        self.custom_spin = QSpinBox()
        self.custom_spin.setRange(1, MAX_EXPIRY_SECONDS // 3600)
        self.custom_spin.setValue(12)
        self.custom_spin.setSuffix(self.tr(" hours"))
        self.custom_spin.setToolTip(self.tr("At most 7 days (168 hours), the S3 limit"))
        expiry_row.addWidget(self.custom_spin)
        expiry_row.addStretch(1)
        layout.addLayout(expiry_row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setContentsMargins(24, 0, 0, 6)
        layout.addWidget(self.note)
        layout.addWidget(self.public_radio)
        form = QFormLayout()
        self.format_combo = QComboBox()
        self.format_combo.addItem(self.tr("Plain link"), LinkFormat.URL)
        self.format_combo.addItem(self.tr("Markdown"), LinkFormat.MARKDOWN)
        self.format_combo.addItem(self.tr("HTML (image tags for images)"), LinkFormat.HTML)
        self.format_combo.setCurrentIndex(self.format_combo.findData(fmt))
        form.addRow(self.tr("Copy as:"), self.format_combo)
        layout.addLayout(form)
        if count > 1:
            layout.addWidget(QLabel(self.tr("One line per object.")))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Copy"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.expiry_combo.currentIndexChanged.connect(self._update)
        self.custom_spin.valueChanged.connect(self._update)
        self.presigned_radio.toggled.connect(self._update)
        self._update()

    @property
    def seconds(self) -> int:
        value = int(self.expiry_combo.currentData())
        return self.custom_spin.value() * 3600 if value == CUSTOM else value

    @property
    def public(self) -> bool:
        return self.public_radio.isChecked()

    @property
    def link_format(self) -> LinkFormat:
        return LinkFormat(self.format_combo.currentData())

    def set_expiry(self, seconds: int) -> None:
        """Select ``seconds`` (a preset, or custom rounded to hours)."""
        i = self.expiry_combo.findData(seconds)
        if i >= 0:
            self.expiry_combo.setCurrentIndex(i)
        else:
            self.expiry_combo.setCurrentIndex(self.expiry_combo.findData(CUSTOM))
            self.custom_spin.setValue(max(1, seconds // 3600))

    def set_credentials(self, info: CredentialInfo) -> None:
        self._info = info
        self._update()
        self.credentialsKnown.emit()

    @property
    def note_text(self) -> str:
        return self.note.text()

    @Slot()
    def _update(self) -> None:
        presigned = self.presigned_radio.isChecked()
        custom = int(self.expiry_combo.currentData()) == CUSTOM
        self.expiry_combo.setEnabled(presigned)
        self.custom_spin.setVisible(custom)
        self.custom_spin.setEnabled(presigned)
        if presigned:
            self.note.setText(describe_lifetime(self.seconds, self._info))
        else:
            self.note.setText(
                self.tr("Public URLs work only if the bucket or object allows public reads.")
            )


class PropertiesDialog(QDialog):
    """An object's properties; Content-Type and Cache-Control can be edited.

    Signals:
        saveRequested(str, str): (content type, cache control) to write.
    """

    saveRequested = Signal(str, str)

    def __init__(self, bucket: str, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Properties of %s") % (key.rsplit("/", 1)[-1] or key))
        self.setMinimumWidth(520)
        self.bucket, self.key = bucket, key
        self.props: ObjectProperties | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        def value_label() -> QLabel:
            # One line each (no word wrap): a wrapped label in a form row keeps the
            # height it had when laid out with "…", and its second line was cut off.
            label = QLabel("…")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            return label

        # A key can be longer than any dialog: a read-only field scrolls, selects and
        # copies the whole URI, and its tooltip shows all of it.
        uri = f"s3://{bucket}/{key}"
        self.location_label = QLineEdit(uri)
        self.location_label.setReadOnly(True)
        self.location_label.setFrame(False)
        self.location_label.setToolTip(uri)
        self.location_label.setCursorPosition(0)
        self.location_label.setStyleSheet("QLineEdit { background: transparent; }")
        self.size_label = value_label()
        self.modified_label = value_label()
        self.etag_label = value_label()
        self.storage_label = value_label()
        self.type_edit = QLineEdit()
        self.cache_edit = QLineEdit()
        self.cache_edit.setPlaceholderText(self.tr("e.g. public, max-age=86400"))
        self.metadata_view = QPlainTextEdit()
        self.metadata_view.setReadOnly(True)
        self.metadata_view.setMaximumHeight(90)
        form.addRow(self.tr("Location:"), self.location_label)
        form.addRow(self.tr("Size:"), self.size_label)
        form.addRow(self.tr("Last modified:"), self.modified_label)
        form.addRow(self.tr("ETag:"), self.etag_label)
        form.addRow(self.tr("Storage class:"), self.storage_label)
        form.addRow(self.tr("Content-Type:"), self.type_edit)
        form.addRow(self.tr("Cache-Control:"), self.cache_edit)
        form.addRow(self.tr("Metadata:"), self.metadata_view)
        layout.addLayout(form)
        self.state_label = QLabel(self.tr("Loading…"))
        self.state_label.setWordWrap(True)
        layout.addWidget(self.state_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.type_edit.textChanged.connect(self._on_edited)
        self.cache_edit.textChanged.connect(self._on_edited)
        self.type_edit.setEnabled(False)
        self.cache_edit.setEnabled(False)

    def set_properties(self, props: ObjectProperties) -> None:
        self.props = props
        self.size_label.setText(f"{format_bytes(props.size)} ({props.size:,} bytes)")
        self.modified_label.setText(
            _local_time(props.last_modified) if props.last_modified else "—"
        )
        self.etag_label.setText(props.etag or "—")
        self.storage_label.setText(props.storage_class or "STANDARD")
        self.type_edit.setText(props.content_type)
        self.cache_edit.setText(props.cache_control)
        self.metadata_view.setPlainText(
            "\n".join(f"{k}: {v}" for k, v in sorted(props.metadata.items())) or "—"
        )
        self.type_edit.setEnabled(True)
        self.cache_edit.setEnabled(True)
        self.state_label.setText("")
        self.save_button.setEnabled(False)

    def set_error(self, text: str) -> None:
        self.state_label.setText(text)
        self._on_edited()

    @Slot()
    def _on_edited(self) -> None:
        if self.props is None:
            return
        changed = (self.type_edit.text().strip(), self.cache_edit.text().strip()) != (
            self.props.content_type,
            self.props.cache_control,
        )
        self.save_button.setEnabled(changed)

    @Slot()
    def _on_save(self) -> None:
        self.save_button.setEnabled(False)
        self.state_label.setText(self.tr("Saving (copying the object in place)…"))
        self.saveRequested.emit(self.type_edit.text().strip(), self.cache_edit.text().strip())


class NewBucketDialog(QDialog):
    """Name and region of a new bucket."""

    def __init__(self, default_region: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New bucket"))
        form = QFormLayout(self)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("3–63 lowercase letters, digits, - and ."))
        self.region_combo = QComboBox()
        self.region_combo.setEditable(True)
        self.region_combo.addItems(COMMON_REGIONS)
        self.region_combo.setCurrentText(default_region or "us-east-1")
        form.addRow(self.tr("Name:"), self.name_edit)
        form.addRow(self.tr("Region:"), self.region_combo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @property
    def name(self) -> str:
        return self.name_edit.text().strip()

    @property
    def region(self) -> str:
        return self.region_combo.currentText().strip()


class GalleryDialog(QDialog):
    """Title and link kind for "Publish gallery"."""

    def __init__(self, count_text: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Publish gallery"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(count_text))
        form = QFormLayout()
        self.title_edit = QLineEdit(title)
        form.addRow(self.tr("Title:"), self.title_edit)
        layout.addLayout(form)
        self.presigned_radio = QRadioButton(self.tr("Presigned links, valid for:"))
        self.public_radio = QRadioButton(self.tr("Public URLs (the images must be public)"))
        self.presigned_radio.setChecked(True)
        row = QHBoxLayout()
        row.addWidget(self.presigned_radio)
        self.expiry_combo = QComboBox()
        for label, seconds in EXPIRY_CHOICES:
            self.expiry_combo.addItem(self.tr(label), seconds)
        self.expiry_combo.setCurrentIndex(len(EXPIRY_CHOICES) - 1)
        row.addWidget(self.expiry_combo)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.public_radio)
        info = QLabel(
            self.tr(
                "An index.html with the pictures is uploaded next to them and its link is "
                "copied. Presigned links in the page stop working when they expire."
            )
        )
        info.setWordWrap(True)
        layout.addWidget(info)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Publish"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @property
    def public(self) -> bool:
        return self.public_radio.isChecked()

    @property
    def seconds(self) -> int:
        return int(self.expiry_combo.currentData())

    @property
    def title(self) -> str:
        return self.title_edit.text().strip()
