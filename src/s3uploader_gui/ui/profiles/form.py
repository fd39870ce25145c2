"""The profile form of the profiles dialog: connection, credentials and defaults of one
profile, filled from a saved ``Profile`` and read back as one.

The form knows the profile it shows (``current``) and whether it was edited since
(``dirty``); saving, deleting and testing are the dialog's.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtGui import QFont, QStandardItemModel
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.aws_config import AwsProfileInfo
from s3uploader_gui.core.profiles import Profile, ProfileKind
from s3uploader_gui.core.providers import PRESETS
from s3uploader_gui.ui.profiles.presets import ADDRESSING, KINDS, fill_from_preset
from s3uploader_gui.ui.profiles.secret_store import KeyringInfo, SecretState


class ProfileForm(QWidget):
    """The fields of one profile (the built-in local storage is shown read-only)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: The saved profile shown (None: a new one).
        self.current: Profile | None = None
        #: The user changed a field since the profile was shown (or saved).
        self.dirty = False
        self._loading = False
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.local_note = QLabel(
            self.tr(
                "Local storage keeps your files in a private S3 server on this computer "
                "(127.0.0.1 only). It is always available and needs no keys."
            ),
            self,
        )
        self.local_note.setWordWrap(True)
        layout.addWidget(self.local_note)

        # Connection
        self.connection_box = QGroupBox(self.tr("Connection"), self)
        form = QFormLayout(self.connection_box)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(self.tr("For example: Work photos"))
        form.addRow(self.tr("&Name:"), self.name_edit)
        self.kind_combo = QComboBox(self)
        for kind, label in KINDS:
            self.kind_combo.addItem(self.tr(label), str(kind))
        form.addRow(self.tr("&Kind:"), self.kind_combo)
        self.preset_combo = QComboBox(self)
        self.preset_combo.addItem(self.tr("Choose a provider to fill in…"), "")
        for item in PRESETS:
            self.preset_combo.addItem(self.tr(item.label), item.key)
        self.preset_combo.activated.connect(self._on_preset_chosen)
        form.addRow(self.tr("&Provider:"), self.preset_combo)
        self.endpoint_edit = QLineEdit(self)
        form.addRow(self.tr("&Endpoint URL:"), self.endpoint_edit)
        self.region_edit = QLineEdit(self)
        self.region_edit.setPlaceholderText(self.tr("us-east-1"))
        form.addRow(self.tr("&Region:"), self.region_edit)
        self.addressing_combo = QComboBox(self)
        for value, label in ADDRESSING:
            self.addressing_combo.addItem(self.tr(label), value)
        self.addressing_combo.setToolTip(
            self.tr(
                "Path style: https://host/bucket/key (MinIO, Ceph, SeaweedFS). Virtual-hosted: "
                "https://bucket.host/key (AWS, B2, Wasabi). Automatic picks path style for a "
                "custom endpoint."
            )
        )
        form.addRow(self.tr("&Addressing:"), self.addressing_combo)
        self.preset_hint = QLabel(self)
        self.preset_hint.setWordWrap(True)
        self.preset_hint.setVisible(False)
        form.addRow("", self.preset_hint)
        layout.addWidget(self.connection_box)

        # Credentials
        self.credentials_box = QGroupBox(self.tr("Credentials"), self)
        cform = QFormLayout(self.credentials_box)
        source = QHBoxLayout()
        self.keys_radio = QRadioButton(self.tr("Access keys"), self)
        self.aws_radio = QRadioButton(self.tr("Use an AWS profile from ~/.aws"), self)
        self.source_group = QButtonGroup(self)
        self.source_group.addButton(self.keys_radio)
        self.source_group.addButton(self.aws_radio)
        self.keys_radio.setChecked(True)
        source.addWidget(self.keys_radio)
        source.addWidget(self.aws_radio)
        source.addStretch(1)
        cform.addRow(self.tr("Sign in with:"), source)
        aws_row = QHBoxLayout()
        self.aws_profile_combo = QComboBox(self)
        self.aws_profile_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.aws_profile_combo.setToolTip(
            self.tr(
                "Profiles of ~/.aws/config and ~/.aws/credentials; SSO and assume-role "
                "profiles are resolved by boto3 like the AWS CLI does."
            )
        )
        self.aws_refresh_button = QToolButton(self)
        self.aws_refresh_button.setText(self.tr("Reload"))
        aws_row.addWidget(self.aws_profile_combo, 1)
        aws_row.addWidget(self.aws_refresh_button)
        self.aws_profile_label = QLabel(self.tr("AWS &profile:"), self)
        self.aws_profile_label.setBuddy(self.aws_profile_combo)
        cform.addRow(self.aws_profile_label, aws_row)
        self.access_key_edit = QLineEdit(self)
        self.access_key_edit.setPlaceholderText(self.tr("e.g. AKIA… (from your provider)"))
        self.access_key_label = QLabel(self.tr("Access key &ID:"), self)
        self.access_key_label.setBuddy(self.access_key_edit)
        cform.addRow(self.access_key_label, self.access_key_edit)
        secret_row = QHBoxLayout()
        self.secret_edit = QLineEdit(self)
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setAccessibleName(self.tr("Secret access key"))
        self.show_secret = QToolButton(self)
        self.show_secret.setText(self.tr("Show"))
        self.show_secret.setCheckable(True)
        self.show_secret.setToolTip(self.tr("Show or hide the secret and the session token"))
        self.show_secret.toggled.connect(self._on_show_secret_toggled)
        secret_row.addWidget(self.secret_edit, 1)
        secret_row.addWidget(self.show_secret)
        self.secret_label = QLabel(self.tr("&Secret access key:"), self)
        self.secret_label.setBuddy(self.secret_edit)
        cform.addRow(self.secret_label, secret_row)
        self.token_edit = QLineEdit(self)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText(self.tr("Optional: only for temporary credentials"))
        self.token_label = QLabel(self.tr("Session &token:"), self)
        self.token_label.setBuddy(self.token_edit)
        cform.addRow(self.token_label, self.token_edit)
        self.storage_label = QLabel(self.tr("Looking for the keyring…"), self)
        self.storage_label.setWordWrap(True)
        small = QFont(self.storage_label.font())
        small.setPointSizeF(max(small.pointSizeF() * 0.9, 7.0))
        self.storage_label.setFont(small)
        self.preset_hint.setFont(small)
        cform.addRow("", self.storage_label)
        layout.addWidget(self.credentials_box)

        # Defaults
        self.defaults_box = QGroupBox(self.tr("Defaults"), self)
        dform = QFormLayout(self.defaults_box)
        self.bucket_edit = QLineEdit(self)
        self.bucket_edit.setPlaceholderText(self.tr("Optional: the bucket uploads go to"))
        dform.addRow(self.tr("Default &bucket:"), self.bucket_edit)
        self.prefix_edit = QLineEdit(self)
        self.prefix_edit.setPlaceholderText(self.tr("Optional: a folder, for example photos/"))
        dform.addRow(self.tr("Default &folder:"), self.prefix_edit)
        self.public_edit = QLineEdit(self)
        self.public_edit.setPlaceholderText(self.tr("Optional: https://cdn.example.com"))
        self.public_edit.setToolTip(
            self.tr("A public or CDN address that serves this bucket, for public links")
        )
        dform.addRow(self.tr("Public/CDN &URL:"), self.public_edit)
        layout.addWidget(self.defaults_box)

        for edit in (
            self.name_edit,
            self.endpoint_edit,
            self.region_edit,
            self.access_key_edit,
            self.secret_edit,
            self.token_edit,
            self.bucket_edit,
            self.prefix_edit,
            self.public_edit,
        ):
            edit.textEdited.connect(self._on_edited)
        for combo in (self.kind_combo, self.addressing_combo, self.aws_profile_combo):
            combo.currentIndexChanged.connect(self._on_edited)
        self.kind_combo.currentIndexChanged.connect(self.update_fields)
        self.keys_radio.toggled.connect(self._on_edited)
        self.keys_radio.toggled.connect(self.update_fields)

    # -- showing and reading a profile -------------------------------------------------
    def show_profile(self, profile: Profile | None) -> None:
        """Fill the form from ``profile`` (None: an empty form for a new profile)."""
        self._loading = True
        try:
            self.current = profile
            shown = profile or Profile(name="", kind=ProfileKind.AWS)
            self.name_edit.setText(shown.name)
            self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(str(shown.kind)), 0))
            self.preset_combo.setCurrentIndex(
                max(self.preset_combo.findData(shown.extra.get("provider", "")), 0)
            )
            self.endpoint_edit.setText(shown.endpoint_url)
            self.region_edit.setText(shown.region)
            self.addressing_combo.setCurrentIndex(
                max(self.addressing_combo.findData(shown.addressing_style), 0)
            )
            self.aws_radio.setChecked(bool(shown.aws_profile))
            self.keys_radio.setChecked(not shown.aws_profile)
            self.select_aws_profile(shown.aws_profile)
            self.access_key_edit.setText(shown.access_key_id)
            self.secret_edit.clear()
            self.token_edit.clear()
            self.bucket_edit.setText(shown.default_bucket)
            self.prefix_edit.setText(shown.default_prefix)
            self.public_edit.setText(shown.public_base_url)
            self.preset_hint.setVisible(False)
            self.show_secret_state(None)
        finally:
            self._loading = False
        self.dirty = False
        self.update_fields()

    def profile(self) -> Profile:
        """The profile as entered in the form (not validated)."""
        base = self.current if self.current is not None else Profile(name="")
        extra = dict(base.extra)
        provider = self.preset_combo.currentData()
        if provider:
            extra["provider"] = provider
        else:
            extra.pop("provider", None)
        use_aws = self.aws_radio.isChecked()
        kind = self.kind_combo.currentData()
        return Profile(
            name=self.name_edit.text().strip(),
            kind=ProfileKind(kind) if kind else ProfileKind.AWS,
            access_key_id="" if use_aws else self.access_key_edit.text().strip(),
            region=self.region_edit.text().strip(),
            endpoint_url=self.endpoint_edit.text().strip().rstrip("/"),
            addressing_style=self.addressing_combo.currentData() or "auto",
            default_bucket=self.bucket_edit.text().strip(),
            default_prefix=self.prefix_edit.text().strip(),
            public_base_url=self.public_edit.text().strip(),
            aws_profile=(self.aws_profile_combo.currentData() or "") if use_aws else "",
            extra=extra,
        )

    def typed_secrets(self) -> tuple[str, str]:
        """The secret and session token typed (empty when signing in with an AWS profile)."""
        if not self.keys_radio.isChecked():
            return "", ""
        return self.secret_edit.text(), self.token_edit.text()

    def clear_secrets(self) -> None:
        self.secret_edit.clear()
        self.token_edit.clear()

    def show_secret_state(self, state: SecretState | None) -> None:
        """Say in the secret field whether a secret is stored (None: not known yet)."""
        if self.current is None:
            text = self.tr("Enter the secret access key")
        elif state is None:
            text = self.tr("Checking the keyring…")
        elif state.error:
            text = self.tr("The keyring cannot be read: type the secret")
        elif state.session_only:
            text = self.tr("Kept for this session only — type to replace")
        elif state.stored:
            text = self.tr("Stored in the keyring — type to replace")
        else:
            text = self.tr("Not stored yet — enter the secret")
        self.secret_edit.setPlaceholderText(text)

    def show_keyring(self, info: KeyringInfo) -> None:
        """Say where secrets are stored (or that they can be kept for this session only)."""
        if info.usable:
            text = self.tr("Secrets are stored in %s, never in a file.") % info.description
        else:
            text = (
                self.tr(
                    "No secure keyring is available (%s): secrets can only be used for this "
                    "session, and are never written to a file."
                )
                % info.description
            )
        self.storage_label.setText(text)

    def show_keyring_failure(self, reason: str) -> None:
        self.storage_label.setText(
            self.tr("The keyring cannot be used: %s") % reason
            + " "
            + self.tr("Secrets are never written to a file.")
        )

    @Slot()
    def update_fields(self) -> None:
        """Enable what applies to the profile shown (kind, credentials source)."""
        local = self.current is not None and self.current.is_local
        self.local_note.setVisible(local)
        for box in (self.connection_box, self.credentials_box, self.defaults_box):
            box.setEnabled(not local)
        self.credentials_box.setVisible(not local)
        self.defaults_box.setVisible(not local)
        # Local storage is a kind of its own: offered only for the built-in profile.
        model = self.kind_combo.model()  # a combo box's own model is a QStandardItemModel
        model_item = model.item(2) if isinstance(model, QStandardItemModel) else None
        if model_item is not None:
            model_item.setEnabled(local)
        keys = self.keys_radio.isChecked()
        for widget in (
            self.access_key_label,
            self.access_key_edit,
            self.secret_label,
            self.secret_edit,
            self.show_secret,
            self.token_label,
            self.token_edit,
        ):
            widget.setEnabled(keys)
        self.aws_profile_label.setEnabled(not keys)
        self.aws_profile_combo.setEnabled(not keys)
        self.aws_refresh_button.setEnabled(not keys)
        aws = self.kind_combo.currentData() == str(ProfileKind.AWS)
        if local:
            endpoint_hint = self.tr("http://127.0.0.1 on a free port, chosen at start")
        elif aws:
            endpoint_hint = self.tr("Leave empty for Amazon S3")
        else:
            endpoint_hint = self.tr("https://s3.example.com (required)")
        self.endpoint_edit.setPlaceholderText(endpoint_hint)
        self.region_edit.setPlaceholderText("" if local else "us-east-1")

    @Slot()
    def _on_edited(self) -> None:
        if not self._loading:
            self.dirty = True

    @Slot(bool)
    def _on_show_secret_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.secret_edit.setEchoMode(mode)
        self.token_edit.setEchoMode(mode)
        self.show_secret.setText(self.tr("Hide") if shown else self.tr("Show"))

    # -- provider presets (presets) ----------------------------------------------------
    @Slot(int)
    def _on_preset_chosen(self, index: int) -> None:
        key = self.preset_combo.itemData(index)
        if not key:
            return
        fill = fill_from_preset(key, self.region_edit.text())
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(str(fill.kind)))
        self.region_edit.setText(fill.region)
        self.endpoint_edit.setText(fill.endpoint)
        self.addressing_combo.setCurrentIndex(self.addressing_combo.findData(fill.addressing_style))
        self.preset_hint.setText(self.tr(fill.hint))
        self.preset_hint.setVisible(bool(fill.hint))
        self.dirty = True
        if fill.placeholder is not None:
            self.endpoint_edit.setFocus()
            self.endpoint_edit.setSelection(*fill.placeholder)

    # -- AWS shared config -------------------------------------------------------------
    def set_aws_profiles(self, infos: list[AwsProfileInfo]) -> None:
        """Offer the profiles of ~/.aws; the one chosen (or saved) stays chosen."""
        wanted = self.aws_profile_combo.currentData() or (
            self.current.aws_profile if self.current is not None else ""
        )
        self._loading = True
        try:
            self.aws_profile_combo.clear()
            for info in infos:
                self.aws_profile_combo.addItem(info.label, info.name)
            if not infos:
                self.aws_profile_combo.setPlaceholderText(self.tr("No profiles in ~/.aws"))
                self.aws_profile_combo.setToolTip(
                    self.tr("Create one with “aws configure” or “aws configure sso”, then Reload.")
                )
            self.select_aws_profile(wanted)
        finally:
            self._loading = False

    def show_aws_profiles_error(self, text: str) -> None:
        self.aws_profile_combo.clear()
        self.aws_profile_combo.setPlaceholderText(text)

    def select_aws_profile(self, name: str) -> None:
        if not name:
            return
        index = self.aws_profile_combo.findData(name)
        if index < 0:  # saved earlier, no longer in ~/.aws: keep it visible
            self.aws_profile_combo.addItem(self.tr("%s (not found in ~/.aws)") % name, name)
            index = self.aws_profile_combo.count() - 1
        self.aws_profile_combo.setCurrentIndex(index)
