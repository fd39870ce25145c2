"""The profiles dialog: add, edit, test and delete connection profiles.

Non-secret fields go to the profile settings (``ProfileStore``); secrets go to the OS
keyring through ``CredentialStore``. Every keyring call, and every network call, runs in
a worker: a keyring can block on an unlock prompt. Secrets typed here never reach the
GUI thread again after being read from the form, and are never shown in messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.aws_config import AwsProfileInfo, list_profiles
from s3uploader_gui.core.connection_check import CheckResult, check_connection
from s3uploader_gui.core.credentials import CredentialStore
from s3uploader_gui.core.errors import AppError, ConfigError, KeyringUnavailable
from s3uploader_gui.core.profiles import (
    LOCAL_PROFILE,
    LOCAL_PROFILE_NAME,
    Profile,
    ProfileKind,
    ProfileStore,
    delete_profile,
    save_profile,
    validate_profile,
)
from s3uploader_gui.core.providers import PLACEHOLDER, PRESETS, preset
from s3uploader_gui.core.s3client import ConnectionSettings
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.workers import WorkerPool

log = logging.getLogger(__name__)

ADDRESSING = (("auto", "Automatic"), ("path", "Path style"), ("virtual", "Virtual-hosted style"))
KINDS = (
    (ProfileKind.AWS, "Amazon S3 (AWS)"),
    (ProfileKind.S3_COMPATIBLE, "S3-compatible service"),
    (ProfileKind.LOCAL, "Local storage (this computer)"),
)
OK_COLOR = "#1b7f3b"
ERROR_COLOR = "#b3261e"


@dataclass(frozen=True)
class KeyringInfo:
    """Where secrets go: a person's name for the backend, and whether it can store them."""

    description: str
    usable: bool


@dataclass(frozen=True)
class SecretState:
    """Whether a profile has a secret, and where (never the secret itself)."""

    profile: str
    stored: bool
    session_only: bool
    error: str = ""


# -- worker bodies (no Qt) ---------------------------------------------------------------
def _describe_keyring(credentials: CredentialStore) -> KeyringInfo:
    return KeyringInfo(credentials.describe_backend(), credentials.usable())


def _secret_state(credentials: CredentialStore, name: str) -> SecretState:
    try:
        stored = bool(credentials.get(name))
    except KeyringUnavailable as err:
        return SecretState(name, False, False, err.message)
    return SecretState(name, stored, credentials.is_session_only(name))


def _test_profile(
    profile: Profile,
    secret: str,
    token: str,
    stored_name: str,
    credentials: CredentialStore,
    bucket: str,
) -> CheckResult:
    """Build settings from the form (typed secret, else the stored one) and test them."""
    settings = ConnectionSettings(
        endpoint_url=profile.endpoint_url or None,
        region=profile.region or None,
        addressing_style=profile.addressing_style,
        label=profile.name,
    )
    if profile.aws_profile:
        settings = replace(settings, aws_profile=profile.aws_profile)
    else:
        if not profile.access_key_id:
            err = ConfigError("Enter the access key ID first.")
            return CheckResult(ok=False, message=err.message, error=err)
        if not secret and stored_name:
            secret = credentials.get(stored_name) or ""
            token = token or credentials.get(stored_name, "session_token") or ""
        if not secret:
            err = ConfigError("Enter the secret access key first.")
            return CheckResult(ok=False, message=err.message, error=err)
        settings = replace(
            settings,
            access_key_id=profile.access_key_id,
            secret_access_key=secret,
            session_token=token or None,
        )
    return check_connection(settings, bucket=bucket or None)


# -- the dialog --------------------------------------------------------------------------
class ProfilesDialog(QDialog):
    """Manage connection profiles.

    Signals:
        profilesChanged(): a profile was saved or deleted.
        saveFinished(bool): a save ended; True when the profile was saved.
        deleteFinished(bool): a delete ended; True when the profile and secrets are gone.
        testFinished(object): "Test connection" ended with this ``CheckResult``.
        keyringDescribed(object): the ``KeyringInfo`` of the backend in use is known.
        secretStateKnown(object): the ``SecretState`` of the selected profile is known.
        awsProfilesLoaded(list): the ``AwsProfileInfo`` list of ~/.aws was read.
    """

    profilesChanged = Signal()
    saveFinished = Signal(bool)
    deleteFinished = Signal(bool)
    testFinished = Signal(object)
    keyringDescribed = Signal(object)
    secretStateKnown = Signal(object)
    awsProfilesLoaded = Signal(list)

    def __init__(
        self,
        profiles: ProfileStore,
        credentials: CredentialStore,
        pool: WorkerPool,
        parent: QWidget | None = None,
        *,
        select: str = "",
    ) -> None:
        super().__init__(parent)
        self.profiles = profiles
        self.credentials = credentials
        self.pool = pool
        #: Old name → new name of profiles renamed while the dialog was open.
        self.renamed: dict[str, str] = {}
        self.keyring_info: KeyringInfo | None = None
        self._current: Profile | None = None  # the saved profile shown (None: a new one)
        self._loading = False
        self._dirty = False
        self._busy = 0
        self._pending_save: tuple[Profile, str, str, str | None] | None = None
        self.setWindowTitle(self.tr("Connection profiles"))
        self.setObjectName("profilesDialog")
        self.setMinimumWidth(860)
        self._build()
        # The dialog grows rather than squeezing the form when a message panel appears.
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.resize(900, 700)
        self._reload_list(select or LOCAL_PROFILE_NAME)
        self.pool.run(
            _describe_keyring,
            self.credentials,
            on_result=self._on_keyring_described,
            on_failed=self._on_keyring_failed,
            name="keyring-describe",
        )
        self.refresh_aws_profiles()

    # -- construction ------------------------------------------------------------------
    def _build(self) -> None:
        root = QHBoxLayout(self)

        left = QVBoxLayout()
        self.profile_list = QListWidget(self)
        self.profile_list.setAccessibleName(self.tr("Profiles"))
        self.profile_list.setMinimumWidth(210)
        self.profile_list.currentItemChanged.connect(self._on_current_item_changed)
        left.addWidget(self.profile_list, 1)
        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("New"), self)
        self.new_button.setToolTip(self.tr("Add a profile for AWS or an S3-compatible service"))
        self.new_button.clicked.connect(self.new_profile)
        self.delete_button = QPushButton(self.tr("Delete"), self)
        self.delete_button.setToolTip(self.tr("Delete this profile and its stored secrets"))
        self.delete_button.clicked.connect(self._on_delete_clicked)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.delete_button)
        left.addLayout(buttons)
        root.addLayout(left)

        right = QVBoxLayout()
        root.addLayout(right, 1)
        self.local_note = QLabel(
            self.tr(
                "Local storage keeps your files in a private S3 server on this computer "
                "(127.0.0.1 only). It is always available and needs no keys."
            ),
            self,
        )
        self.local_note.setWordWrap(True)
        right.addWidget(self.local_note)

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
        right.addWidget(self.connection_box)

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
        self.aws_refresh_button.clicked.connect(self.refresh_aws_profiles)
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
        right.addWidget(self.credentials_box)

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
        right.addWidget(self.defaults_box)

        # Keyring problem: a plain message and "use for this session only".
        self.keyring_panel = QFrame(self)
        self.keyring_panel.setObjectName("keyringPanel")
        self.keyring_panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel = QHBoxLayout(self.keyring_panel)
        self.keyring_message = QLabel(self.keyring_panel)
        self.keyring_message.setWordWrap(True)
        self.session_only_button = QPushButton(
            self.tr("Use for this session only"), self.keyring_panel
        )
        self.session_only_button.setToolTip(
            self.tr("Keep the secret in memory until the app quits; nothing is written to disk")
        )
        self.session_only_button.clicked.connect(self._on_session_only_clicked)
        panel.addWidget(self.keyring_message, 1)
        panel.addWidget(self.session_only_button)
        self.keyring_panel.setVisible(False)
        right.addWidget(self.keyring_panel)

        # Test connection
        test_row = QHBoxLayout()
        self.test_button = QPushButton(self.tr("&Test connection"), self)
        self.test_button.clicked.connect(self.test_connection)
        self.test_bucket_label = QLabel(self.tr("Bucket to test:"), self)
        self.test_bucket_edit = QLineEdit(self)
        self.test_bucket_edit.setPlaceholderText(self.tr("bucket name"))
        self.test_bucket_edit.returnPressed.connect(self.test_connection)
        self.test_bucket_label.setBuddy(self.test_bucket_edit)
        for widget in (self.test_bucket_label, self.test_bucket_edit):
            widget.setVisible(False)
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_bucket_label)
        test_row.addWidget(self.test_bucket_edit, 1)
        test_row.addStretch(0)
        right.addLayout(test_row)
        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setMinimumHeight(self.fontMetrics().height() * 2 + 4)
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        right.addWidget(self.result_label)
        right.addStretch(1)

        self.button_box = QDialogButtonBox(self)
        self.save_button = self.button_box.addButton(
            self.tr("Save"), QDialogButtonBox.ButtonRole.ApplyRole
        )
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.close_button = self.button_box.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.reject)
        right.addWidget(self.button_box)

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
        self.kind_combo.currentIndexChanged.connect(self._update_fields)
        self.keys_radio.toggled.connect(self._on_edited)
        self.keys_radio.toggled.connect(self._update_fields)

    # -- list --------------------------------------------------------------------------
    def _reload_list(self, select: str) -> None:
        try:
            saved = self.profiles.list()
        except AppError as err:
            saved = []
            self._show_result(False, error_text(err))
        self.profile_list.blockSignals(True)
        self.profile_list.clear()
        for profile in [LOCAL_PROFILE, *saved]:
            item = QListWidgetItem(profile.name, self.profile_list)
            item.setData(Qt.ItemDataRole.UserRole, profile)
            if profile.is_local:
                item.setToolTip(self.tr("Built in: always available"))
        self.profile_list.blockSignals(False)
        matches = self.profile_list.findItems(select, Qt.MatchFlag.MatchExactly)
        row = self.profile_list.row(matches[0]) if matches else 0
        self.profile_list.setCurrentRow(row)
        if self.profile_list.currentItem() is not None:
            self._show_profile(self.profile_list.currentItem().data(Qt.ItemDataRole.UserRole))

    def profile_names(self) -> list[str]:
        """The saved names in the list, in order (the local storage first)."""
        items = [self.profile_list.item(i) for i in range(self.profile_list.count())]
        return [i.text() for i in items if i.data(Qt.ItemDataRole.UserRole) is not None]

    def select_profile(self, name: str) -> None:
        """Show the profile called ``name``."""
        matches = self.profile_list.findItems(name, Qt.MatchFlag.MatchExactly)
        if matches:
            self.profile_list.setCurrentItem(matches[0])

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_current_item_changed(
        self, current: QListWidgetItem | None, previous: QListWidgetItem | None
    ) -> None:
        if current is None:
            return
        if self._dirty and not self._confirm(
            self.tr("Discard the changes to “%s”?") % (self.name_edit.text() or self.tr("new"))
        ):
            self.profile_list.blockSignals(True)
            self.profile_list.setCurrentItem(previous)
            self.profile_list.blockSignals(False)
            return
        profile = current.data(Qt.ItemDataRole.UserRole)
        if profile is not None:
            self._remove_new_item()
        self._show_profile(profile)

    def _confirm(self, question: str) -> bool:
        """Ask a yes/no question (tests replace this)."""
        answer = QMessageBox.question(self, self.windowTitle(), question)
        return answer == QMessageBox.StandardButton.Yes

    # -- the form ----------------------------------------------------------------------
    def _show_profile(self, profile: Profile | None) -> None:
        """Fill the form from ``profile`` (None: an empty form for a new profile)."""
        self._loading = True
        try:
            self._current = profile
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
            self._select_aws_profile(shown.aws_profile)
            self.access_key_edit.setText(shown.access_key_id)
            self.secret_edit.clear()
            self.token_edit.clear()
            self.bucket_edit.setText(shown.default_bucket)
            self.prefix_edit.setText(shown.default_prefix)
            self.public_edit.setText(shown.public_base_url)
            self.preset_hint.setVisible(False)
            self.keyring_panel.setVisible(False)
            self.test_bucket_edit.clear()
            for widget in (self.test_bucket_label, self.test_bucket_edit):
                widget.setVisible(False)
            self.result_label.clear()
            self._set_secret_placeholder(None)
        finally:
            self._loading = False
        self._dirty = False
        self._update_fields()
        if profile is not None and not profile.is_local and not profile.aws_profile:
            self.pool.run(
                _secret_state,
                self.credentials,
                profile.name,
                on_result=self._on_secret_state,
                name="keyring-state",
            )

    def _set_secret_placeholder(self, state: SecretState | None) -> None:
        if self._current is None:
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

    @Slot(object)
    def _on_secret_state(self, state: SecretState) -> None:
        if self._current is not None and self._current.name == state.profile:
            self._set_secret_placeholder(state)
        self.secretStateKnown.emit(state)

    @Slot()
    def _update_fields(self) -> None:
        """Enable what applies to the profile shown (kind, credentials source)."""
        local = self._current is not None and self._current.is_local
        self.local_note.setVisible(local)
        for box in (self.connection_box, self.credentials_box, self.defaults_box):
            box.setEnabled(not local)
        self.credentials_box.setVisible(not local)
        self.defaults_box.setVisible(not local)
        self.delete_button.setEnabled(self._current is not None and not local)
        self.save_button.setEnabled(not local)
        self.test_button.setEnabled(not local and self._busy == 0)
        # Local storage is a kind of its own: offered only for the built-in profile.
        model_item = self.kind_combo.model().item(2)  # type: ignore[attr-defined]
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
        self.test_button.setVisible(not local)
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
            self._dirty = True

    @Slot(bool)
    def _on_show_secret_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.secret_edit.setEchoMode(mode)
        self.token_edit.setEchoMode(mode)
        self.show_secret.setText(self.tr("Hide") if shown else self.tr("Show"))

    @Slot(int)
    def _on_preset_chosen(self, index: int) -> None:
        key = self.preset_combo.itemData(index)
        if not key:
            return
        item = preset(key)
        kind = ProfileKind(item.kind)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(str(kind)))
        previous_defaults = {p.default_region for p in PRESETS}
        region = self.region_edit.text().strip()
        if not region or region in previous_defaults:
            region = item.default_region
        self.region_edit.setText(region)
        self.endpoint_edit.setText(item.endpoint(region))
        self.addressing_combo.setCurrentIndex(self.addressing_combo.findData(item.addressing_style))
        self.preset_hint.setText(self.tr(item.hint))
        self.preset_hint.setVisible(bool(item.hint))
        self._dirty = True
        match = PLACEHOLDER.search(self.endpoint_edit.text())
        if match is not None:
            self.endpoint_edit.setFocus()
            self.endpoint_edit.setSelection(match.start(), match.end() - match.start())

    def form_profile(self) -> Profile:
        """The profile as entered in the form (not validated)."""
        base = self._current if self._current is not None else Profile(name="")
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

    # -- AWS shared config -------------------------------------------------------------
    @Slot()
    def refresh_aws_profiles(self) -> None:
        """Read the profiles of ~/.aws (in a worker)."""
        self.pool.run(
            list_profiles,
            on_result=self._on_aws_profiles,
            on_failed=self._on_aws_profiles_failed,
            name="aws-profiles",
        )

    @Slot(object)
    def _on_aws_profiles(self, infos: list[AwsProfileInfo]) -> None:
        wanted = self.aws_profile_combo.currentData() or (
            self._current.aws_profile if self._current is not None else ""
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
            self._select_aws_profile(wanted)
        finally:
            self._loading = False
        self.awsProfilesLoaded.emit(list(infos))

    @Slot(object)
    def _on_aws_profiles_failed(self, err: object) -> None:
        self.aws_profile_combo.clear()
        self.aws_profile_combo.setPlaceholderText(error_text(err))
        self.awsProfilesLoaded.emit([])

    def _select_aws_profile(self, name: str) -> None:
        if not name:
            return
        index = self.aws_profile_combo.findData(name)
        if index < 0:  # saved earlier, no longer in ~/.aws: keep it visible
            self.aws_profile_combo.addItem(self.tr("%s (not found in ~/.aws)") % name, name)
            index = self.aws_profile_combo.count() - 1
        self.aws_profile_combo.setCurrentIndex(index)

    # -- keyring -----------------------------------------------------------------------
    @Slot(object)
    def _on_keyring_described(self, info: KeyringInfo) -> None:
        self.keyring_info = info
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
        self.keyringDescribed.emit(info)

    @Slot(object)
    def _on_keyring_failed(self, err: object) -> None:
        self.keyring_info = KeyringInfo(error_text(err), False)
        self.storage_label.setText(
            self.tr("The keyring cannot be used: %s") % error_text(err)
            + " "
            + self.tr("Secrets are never written to a file.")
        )
        self.keyringDescribed.emit(self.keyring_info)

    # -- new / save / delete -----------------------------------------------------------
    @Slot()
    def new_profile(self) -> None:
        """Start a new profile (an empty form)."""
        if self._dirty and not self._confirm(self.tr("Discard the changes?")):
            return
        self._remove_new_item()
        # A row of its own, so the list always has a current row (focus moving to the
        # list would otherwise select the first profile under the user's hands).
        item = QListWidgetItem(self.tr("New profile"))
        item.setData(Qt.ItemDataRole.UserRole, None)
        font = item.font()
        font.setItalic(True)
        item.setFont(font)
        self.profile_list.blockSignals(True)
        self.profile_list.addItem(item)
        self.profile_list.setCurrentItem(item)
        self.profile_list.blockSignals(False)
        self._show_profile(None)
        self.name_edit.setFocus()

    def _remove_new_item(self) -> None:
        self.profile_list.blockSignals(True)
        for row in reversed(range(self.profile_list.count())):
            if self.profile_list.item(row).data(Qt.ItemDataRole.UserRole) is None:
                self.profile_list.takeItem(row)
        self.profile_list.blockSignals(False)

    def _set_busy(self, busy: bool) -> None:
        self._busy += 1 if busy else -1
        idle = self._busy == 0
        local = self._current is not None and self._current.is_local
        self.save_button.setEnabled(idle and not local)
        self.test_button.setEnabled(idle and not local)
        self.delete_button.setEnabled(idle and self._current is not None and not local)
        self.session_only_button.setEnabled(idle)

    @Slot()
    def save(self) -> None:
        """Save the profile shown: secrets to the keyring (in a worker), then the settings."""
        profile = self.form_profile()
        secret = self.secret_edit.text() if self.keys_radio.isChecked() else ""
        token = self.token_edit.text() if self.keys_radio.isChecked() else ""
        old_name = self._current.name if self._current is not None else None
        if self._current is not None and self._current.is_local:
            return
        try:
            # Everything that needs no keyring is checked at once, on this thread.
            validate_profile(profile, has_secret=bool(secret) or old_name is not None)
        except ConfigError as err:
            self._show_result(False, err.message)
            self.saveFinished.emit(False)
            return
        self._start_save(profile, secret, token, old_name, session_only=False)

    def _start_save(
        self, profile: Profile, secret: str, token: str, old_name: str | None, *, session_only: bool
    ) -> None:
        self._pending_save = (profile, secret, token, old_name)
        self._set_busy(True)
        self.result_label.setText(self.tr("Saving…"))
        self.result_label.setStyleSheet("")
        self.pool.run(
            _save_worker,
            profile,
            self.profiles,
            self.credentials,
            secret,
            token,
            old_name,
            session_only,
            on_result=self._on_saved,
            on_failed=self._on_save_failed,
            name="profile-save",
        )

    @Slot(object)
    def _on_saved(self, value: object) -> None:
        profile, session_only = value  # type: ignore[misc]
        self._set_busy(False)
        pending = self._pending_save
        self._pending_save = None
        old_name = pending[3] if pending is not None else None
        if old_name and old_name != profile.name:
            for old, new in list(self.renamed.items()):
                if new == old_name:
                    self.renamed[old] = profile.name
            self.renamed[old_name] = profile.name
        self._dirty = False
        self.keyring_panel.setVisible(False)
        self._reload_list(profile.name)
        if session_only:
            text = self.tr("Saved “%s”. The secret is kept for this session only.") % profile.name
        elif profile.aws_profile:
            text = self.tr("Saved “%s”. Credentials come from AWS profile “%s”.") % (
                profile.name,
                profile.aws_profile,
            )
        else:
            where = self.keyring_info.description if self.keyring_info else self.tr("the keyring")
            text = self.tr("Saved “%s”. The secret is stored in %s.") % (profile.name, where)
        self._show_result(True, text)
        self.profilesChanged.emit()
        self.saveFinished.emit(True)

    @Slot(object)
    def _on_save_failed(self, err: object) -> None:
        self._set_busy(False)
        if isinstance(err, KeyringUnavailable):
            self.keyring_message.setText(
                error_text(err)
                + " "
                + self.tr("The profile was not saved. Nothing is ever written to a plain file.")
            )
            self.keyring_panel.setVisible(True)
            self.result_label.clear()
            self.result_label.setStyleSheet("")
        else:
            self._pending_save = None
            self._show_result(False, error_text(err))
        self.saveFinished.emit(False)

    @Slot()
    def _on_session_only_clicked(self) -> None:
        if self._pending_save is None:
            return
        profile, secret, token, old_name = self._pending_save
        self._start_save(profile, secret, token, old_name, session_only=True)

    @Slot()
    def _on_delete_clicked(self) -> None:
        profile = self._current
        if profile is None or profile.is_local:
            return
        if not self._confirm(
            self.tr("Delete the profile “%s” and the secrets stored for it in the keyring?")
            % profile.name
        ):
            return
        self._set_busy(True)
        self.pool.run(
            _delete_worker,
            profile.name,
            self.profiles,
            self.credentials,
            on_result=self._on_deleted,
            on_failed=self._on_delete_failed,
            name="profile-delete",
        )

    @Slot(object)
    def _on_deleted(self, name: object) -> None:
        self._set_busy(False)
        self._dirty = False
        self._reload_list(LOCAL_PROFILE_NAME)
        self._show_result(True, self.tr("Deleted “%s” and its secrets.") % name)
        self.profilesChanged.emit()
        self.deleteFinished.emit(True)

    @Slot(object)
    def _on_delete_failed(self, err: object) -> None:
        self._set_busy(False)
        self._show_result(False, error_text(err))
        self.deleteFinished.emit(False)

    # -- test connection ---------------------------------------------------------------
    @Slot()
    def test_connection(self) -> None:
        """Test the settings in the form (in a worker); ``testFinished`` tells the result."""
        if self._busy or (self._current is not None and self._current.is_local):
            return
        profile = self.form_profile()
        use_keys = self.keys_radio.isChecked()
        secret = self.secret_edit.text() if use_keys else ""
        token = self.token_edit.text() if use_keys else ""
        stored = self._current.name if self._current is not None else ""
        bucket = self.test_bucket_edit.text().strip() or profile.default_bucket
        self._set_busy(True)
        self.result_label.setStyleSheet("")
        self.result_label.setText(self.tr("Testing the connection…"))
        self.pool.run(
            _test_profile,
            profile,
            secret,
            token,
            stored,
            self.credentials,
            bucket,
            on_result=self._on_tested,
            on_failed=self._on_test_failed,
            name="profile-test",
        )

    @Slot(object)
    def _on_tested(self, result: CheckResult) -> None:
        self._set_busy(False)
        self._show_result(result.ok, result.message)
        if result.needs_bucket:
            for widget in (self.test_bucket_label, self.test_bucket_edit):
                widget.setVisible(True)
            self.test_bucket_edit.setFocus()
        self.testFinished.emit(result)

    @Slot(object)
    def _on_test_failed(self, err: object) -> None:
        self._set_busy(False)
        message = error_text(err)
        self._show_result(False, message)
        app_error = err if isinstance(err, AppError) else None
        self.testFinished.emit(CheckResult(ok=False, message=message, error=app_error))

    # -- helpers -----------------------------------------------------------------------
    def _show_result(self, ok: bool, text: str) -> None:
        mark = "✔" if ok else "✖"
        color = OK_COLOR if ok else ERROR_COLOR
        self.result_label.setStyleSheet(f"color: {color};")
        self.result_label.setText(f"{mark} {text}")

    def result_text(self) -> str:
        """The text of the last result (tests, accessibility)."""
        return self.result_label.text()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.secret_edit.clear()
        self.token_edit.clear()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        # Typed secrets do not outlive the dialog's visible life.
        self.secret_edit.clear()
        self.token_edit.clear()
        super().done(result)


def _save_worker(
    profile: Profile,
    store: ProfileStore,
    credentials: CredentialStore,
    secret: str,
    token: str,
    old_name: str | None,
    session_only: bool,
) -> tuple[Profile, bool]:
    """Worker body of Save: the keyring first, then the profile settings."""
    saved = save_profile(
        profile,
        store=store,
        credentials=credentials,
        secret=secret or None,
        # A new secret without a token drops the old token (it belonged to the old keys).
        session_token=token if token else ("" if secret else None),
        old_name=old_name,
        session_only=session_only,
    )
    return saved, session_only


def _delete_worker(name: str, store: ProfileStore, credentials: CredentialStore) -> str:
    delete_profile(name, store=store, credentials=credentials)
    return name
