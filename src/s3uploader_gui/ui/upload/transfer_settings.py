"""Transfer settings: parallel transfers, bandwidth, conflicts, object settings, key template.

``TransferPrefs`` is what is remembered (QSettings group ``transfers``);
``TransferSettingsDialog`` edits it, validating the key template as the user types.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from PySide6.QtCore import QSettings, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.formatting import format_bytes
from s3uploader_gui.core.naming import DEFAULT_KEY_TEMPLATE, TEMPLATE_FIELDS, validate_key_template
from s3uploader_gui.core.transfers.model import ConflictPolicy, ObjectOptions
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB

STORAGE_CLASSES = ["", "STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
                   "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE", "REDUCED_REDUNDANCY"]  # fmt: skip


def _pairs(text: str, sep: str) -> dict[str, str]:
    """``a=1, b=2`` → {"a": "1", "b": "2"} (blank and malformed entries are dropped)."""
    out: dict[str, str] = {}
    for chunk in text.replace(";", ",").split(","):
        name, eq, value = chunk.partition(sep)
        if eq and name.strip():
            out[name.strip()] = value.strip()
    return out


def _unpairs(values: dict[str, str], sep: str) -> str:
    return ", ".join(f"{k}{sep}{v}" for k, v in values.items())


def _int_setting(settings: QSettings, key: str, default: int) -> int:
    """``settings.value(key, default, type=int)``: PySide6 converts (0 for a non-number)
    though its stubs say ``object``."""
    value = settings.value(key, default, type=int)
    return value if isinstance(value, int) else default


@dataclass
class TransferPrefs:
    """The remembered transfer settings."""

    max_parallel: int = 10
    bandwidth_mib_s: int = 0  # 0: unlimited
    conflict: ConflictPolicy = ConflictPolicy.ASK
    key_template: str = DEFAULT_KEY_TEMPLATE
    options: ObjectOptions = field(default_factory=ObjectOptions)

    @classmethod
    def load(cls, settings: QSettings) -> TransferPrefs:
        d = cls()
        g = "transfers/"
        conflict = str(settings.value(g + "conflict", d.conflict.value))
        template = str(settings.value(g + "keyTemplate", d.key_template))
        options = ObjectOptions(
            content_types=_pairs(str(settings.value(g + "contentTypes", "")), "="),
            cache_control=str(settings.value(g + "cacheControl", "")),
            content_disposition=str(settings.value(g + "contentDisposition", "")),
            storage_class=str(settings.value(g + "storageClass", "")),
            sse=str(settings.value(g + "sse", "")),
            kms_key_id=str(settings.value(g + "kmsKeyId", "")),
            metadata=_pairs(str(settings.value(g + "metadata", "")), "="),
            acl="public-read" if settings.value(g + "publicRead", False, type=bool) else "",
        )
        return cls(
            max_parallel=max(1, _int_setting(settings, g + "maxParallel", d.max_parallel)),
            bandwidth_mib_s=max(0, _int_setting(settings, g + "bandwidth", 0)),
            conflict=ConflictPolicy(conflict)
            if conflict in {c.value for c in ConflictPolicy}
            else d.conflict,
            key_template=template if validate_key_template(template) is None else d.key_template,
            options=options,
        )

    def save(self, settings: QSettings) -> None:
        g = "transfers/"
        o = self.options
        settings.setValue(g + "maxParallel", self.max_parallel)
        settings.setValue(g + "bandwidth", self.bandwidth_mib_s)
        settings.setValue(g + "conflict", self.conflict.value)
        settings.setValue(g + "keyTemplate", self.key_template)
        settings.setValue(g + "contentTypes", _unpairs(dict(o.content_types), "="))
        settings.setValue(g + "cacheControl", o.cache_control)
        settings.setValue(g + "contentDisposition", o.content_disposition)
        settings.setValue(g + "storageClass", o.storage_class)
        settings.setValue(g + "sse", o.sse)
        settings.setValue(g + "kmsKeyId", o.kms_key_id)
        settings.setValue(g + "metadata", _unpairs(dict(o.metadata), "="))
        settings.setValue(g + "publicRead", o.acl == "public-read")

    def engine_settings(self, base: EngineSettings) -> EngineSettings:
        """``base`` with these preferences applied (ASK is resolved by the worker)."""
        return replace(
            base,
            max_concurrency=self.max_parallel,
            max_bandwidth=self.bandwidth_mib_s * MiB or None,
            conflict=self.conflict,
            options=self.options,
        )


class TransferSettingsDialog(QDialog):
    """Edits ``TransferPrefs``; OK is disabled while the key template is invalid."""

    def __init__(self, prefs: TransferPrefs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Transfer settings"))
        self._prefs = prefs
        layout = QVBoxLayout(self)

        speed = QGroupBox(self.tr("Speed"), self)
        form = QFormLayout(speed)
        self.parallel_spin = QSpinBox(self)
        self.parallel_spin.setRange(1, 64)
        self.parallel_spin.setValue(prefs.max_parallel)
        self.parallel_spin.setToolTip(self.tr("Files or parts uploaded at the same time"))
        form.addRow(self.tr("Parallel transfers:"), self.parallel_spin)
        self.bandwidth_spin = QSpinBox(self)
        self.bandwidth_spin.setRange(0, 100_000)
        self.bandwidth_spin.setSuffix(self.tr(" MiB/s"))
        self.bandwidth_spin.setSpecialValueText(self.tr("Unlimited"))
        self.bandwidth_spin.setValue(prefs.bandwidth_mib_s)
        form.addRow(self.tr("Bandwidth limit:"), self.bandwidth_spin)
        self.memory_label = QLabel(self)
        form.addRow(self.tr("Memory for transfers:"), self.memory_label)
        self.parallel_spin.valueChanged.connect(self._on_parallel_changed)
        self._on_parallel_changed(prefs.max_parallel)
        layout.addWidget(speed)

        naming = QGroupBox(self.tr("Names and conflicts"), self)
        form = QFormLayout(naming)
        self.conflict_combo = QComboBox(self)
        for policy, label in [
            (ConflictPolicy.ASK, self.tr("Ask")),
            (ConflictPolicy.OVERWRITE, self.tr("Overwrite")),
            (ConflictPolicy.SKIP, self.tr("Skip")),
            (ConflictPolicy.SKIP_IDENTICAL, self.tr("Skip if identical (size and checksum)")),
            (ConflictPolicy.RENAME, self.tr("Keep both: name (1).ext")),
        ]:
            self.conflict_combo.addItem(label, policy.value)
        self.conflict_combo.setCurrentIndex(self.conflict_combo.findData(prefs.conflict.value))
        form.addRow(self.tr("When the key exists:"), self.conflict_combo)
        self.template_edit = QLineEdit(prefs.key_template, self)
        self.template_edit.setToolTip(
            "\n".join("{" + k + "}: " + v for k, v in TEMPLATE_FIELDS.items())
        )
        self.template_edit.setPlaceholderText(DEFAULT_KEY_TEMPLATE)
        form.addRow(self.tr("Key template:"), self.template_edit)
        self.template_status = QLabel(self)
        self.template_status.setWordWrap(True)
        form.addRow("", self.template_status)
        layout.addWidget(naming)

        obj = QGroupBox(self.tr("Object settings"), self)
        form = QFormLayout(obj)
        o = prefs.options
        self.types_edit = QLineEdit(_unpairs(dict(o.content_types), "="), self)
        self.types_edit.setPlaceholderText(".heic=image/heic, .log=text/plain")
        form.addRow(self.tr("Content-Type overrides:"), self.types_edit)
        self.cache_edit = QLineEdit(o.cache_control, self)
        self.cache_edit.setPlaceholderText("max-age=86400")
        form.addRow(self.tr("Cache-Control:"), self.cache_edit)
        self.disposition_edit = QLineEdit(o.content_disposition, self)
        self.disposition_edit.setPlaceholderText("inline / attachment")
        form.addRow(self.tr("Content-Disposition:"), self.disposition_edit)
        self.storage_combo = QComboBox(self)
        for name in STORAGE_CLASSES:
            self.storage_combo.addItem(name or self.tr("Bucket default"), name)
        self.storage_combo.setCurrentIndex(max(0, self.storage_combo.findData(o.storage_class)))
        form.addRow(self.tr("Storage class:"), self.storage_combo)
        self.sse_combo = QComboBox(self)
        for value, label in [
            ("", self.tr("Bucket default")),
            ("AES256", self.tr("SSE-S3 (AES256)")),
            ("aws:kms", self.tr("SSE-KMS")),
        ]:
            self.sse_combo.addItem(label, value)
        self.sse_combo.setCurrentIndex(max(0, self.sse_combo.findData(o.sse)))
        form.addRow(self.tr("Encryption:"), self.sse_combo)
        self.kms_edit = QLineEdit(o.kms_key_id, self)
        self.kms_edit.setPlaceholderText(self.tr("KMS key id or ARN (empty: the AWS managed key)"))
        form.addRow(self.tr("KMS key:"), self.kms_edit)
        self.metadata_edit = QLineEdit(_unpairs(dict(o.metadata), "="), self)
        self.metadata_edit.setPlaceholderText("author=me, project=trip")
        form.addRow(self.tr("User metadata:"), self.metadata_edit)
        self.public_box = QCheckBox(self.tr("Make uploads public (ACL public-read)"), self)
        self.public_box.setChecked(o.acl == "public-read")
        self.public_box.setToolTip(
            self.tr("Fails on buckets with ACLs disabled; use a bucket policy there instead.")
        )
        form.addRow("", self.public_box)
        self.sse_combo.currentIndexChanged.connect(self._on_sse_changed)
        self._on_sse_changed()
        layout.addWidget(obj)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.template_edit.textChanged.connect(self._on_template_changed)
        self._on_template_changed(self.template_edit.text())

    @Slot(int)
    def _on_parallel_changed(self, value: int) -> None:
        bound = EngineSettings(max_concurrency=value).memory_bound
        self.memory_label.setText(
            self.tr("about %1 (parallel transfers × 8 MiB parts)").replace(
                "%1", format_bytes(bound)
            )
        )

    @Slot()
    def _on_sse_changed(self) -> None:
        self.kms_edit.setEnabled(self.sse_combo.currentData() == "aws:kms")

    @Slot(str)
    def _on_template_changed(self, text: str) -> None:
        problem = validate_key_template(text)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(problem is None)
        if problem is None:
            from s3uploader_gui.core.naming import render_key

            example = render_key(text, "photos/", "Trip/IMG_0001.JPG")
            self.template_status.setText(self.tr("Example: %1").replace("%1", example))
            self.template_status.setStyleSheet("")
        else:
            self.template_status.setText(problem)
            self.template_status.setStyleSheet("color: #b00020;")

    def prefs(self) -> TransferPrefs:
        """The settings as edited."""
        return TransferPrefs(
            max_parallel=self.parallel_spin.value(),
            bandwidth_mib_s=self.bandwidth_spin.value(),
            conflict=ConflictPolicy(self.conflict_combo.currentData()),
            key_template=self.template_edit.text(),
            options=ObjectOptions(
                content_types={
                    (k if k.startswith(".") else "." + k).lower(): v
                    for k, v in _pairs(self.types_edit.text(), "=").items()
                },
                cache_control=self.cache_edit.text().strip(),
                content_disposition=self.disposition_edit.text().strip(),
                storage_class=str(self.storage_combo.currentData() or ""),
                sse=str(self.sse_combo.currentData() or ""),
                kms_key_id=self.kms_edit.text().strip()
                if self.sse_combo.currentData() == "aws:kms"
                else "",
                metadata=_pairs(self.metadata_edit.text(), "="),
                acl="public-read" if self.public_box.isChecked() else "",
            ),
        )
