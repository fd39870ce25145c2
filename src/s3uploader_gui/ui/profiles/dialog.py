"""The profiles dialog: add, edit, test and delete connection profiles.

Non-secret fields go to the profile settings (``ProfileStore``); secrets go to the OS
keyring through ``CredentialStore``. Every keyring call, and every network call, runs in
a worker: a keyring can block on an unlock prompt. Secrets typed here never reach the
GUI thread again after being read from the form, and are never shown in messages.

The dialog holds the list and the Save/Delete/Test flows; the fields are ``form``, the
keyring calls ``secret_store``, the test ``connection_test``, the presets ``presets``.
"""

from __future__ import annotations

import functools
import logging
from typing import TypeVar

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLayout,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.aws_config import AwsProfileInfo, list_profiles
from s3uploader_gui.core.connection_check import CheckResult
from s3uploader_gui.core.credentials import CredentialStore
from s3uploader_gui.core.errors import AppError, ConfigError, KeyringUnavailable
from s3uploader_gui.core.profiles import (
    LOCAL_PROFILE_NAME,
    Profile,
    ProfileStore,
    validate_profile,
)
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.profiles.connection_test import ConnectionTestRow, run_connection_test
from s3uploader_gui.ui.profiles.feedback import KeyringPanel, ResultLabel
from s3uploader_gui.ui.profiles.form import ProfileForm
from s3uploader_gui.ui.profiles.profile_list import ProfileList
from s3uploader_gui.ui.profiles.secret_store import (
    KeyringInfo,
    SecretState,
    delete_worker,
    describe_keyring,
    save_worker,
    secret_state,
)
from s3uploader_gui.ui.workers import WorkerPool

log = logging.getLogger(__name__)

T = TypeVar("T")


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
        self._busy = 0
        self._pending_save: tuple[Profile, str, str, str | None] | None = None
        self.setWindowTitle(self.tr("Connection profiles"))
        self.setObjectName("profilesDialog")
        self.setMinimumWidth(860)
        self._build()
        self.resize(900, 700)
        self._reload_list(select or LOCAL_PROFILE_NAME)
        self.pool.call(
            functools.partial(describe_keyring, self.credentials),
            self._on_keyring_described,
            self._on_keyring_failed,
            name="keyring-describe",
        )
        self.refresh_aws_profiles()

    # -- construction ------------------------------------------------------------------
    def _build(self) -> None:
        root = QHBoxLayout(self)

        left = QVBoxLayout()
        self.profile_list = ProfileList(self)
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
        # The dialog grows rather than squeezing the form when a message panel appears.
        root.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.form = ProfileForm(self)
        self.form.aws_refresh_button.clicked.connect(self.refresh_aws_profiles)
        right.addWidget(self.form)
        # The form's fields, reached as the dialog's own (by tests and older callers).
        f = self.form
        self.local_note = f.local_note
        self.connection_box = f.connection_box
        self.name_edit = f.name_edit
        self.kind_combo = f.kind_combo
        self.preset_combo = f.preset_combo
        self.endpoint_edit = f.endpoint_edit
        self.region_edit = f.region_edit
        self.addressing_combo = f.addressing_combo
        self.preset_hint = f.preset_hint
        self.keys_radio = f.keys_radio
        self.aws_radio = f.aws_radio
        self.aws_profile_combo = f.aws_profile_combo
        self.access_key_edit = f.access_key_edit
        self.secret_edit = f.secret_edit
        self.show_secret = f.show_secret
        self.token_edit = f.token_edit
        self.storage_label = f.storage_label
        self.bucket_edit = f.bucket_edit
        self.prefix_edit = f.prefix_edit
        self.public_edit = f.public_edit

        self.keyring_panel = KeyringPanel(self)
        self.keyring_panel.sessionOnlyRequested.connect(self._on_session_only_clicked)
        self.keyring_message = self.keyring_panel.keyring_message
        self.session_only_button = self.keyring_panel.session_only_button
        right.addWidget(self.keyring_panel)

        self.test_row = ConnectionTestRow(self)
        self.test_row.requested.connect(self.test_connection)
        self.test_button = self.test_row.test_button
        right.addWidget(self.test_row)
        self.result_label = ResultLabel(self)
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

    # -- list --------------------------------------------------------------------------
    def _reload_list(self, select: str) -> None:
        try:
            saved = self.profiles.list()
        except AppError as err:
            saved = []
            self.result_label.show_result(False, error_text(err))
        self.profile_list.fill(saved, select)
        if self.profile_list.currentItem() is not None:
            self._show_profile(self.profile_list.currentItem().data(Qt.ItemDataRole.UserRole))

    def profile_names(self) -> list[str]:
        """The saved names in the list, in order (the local storage first)."""
        return self.profile_list.names()

    def select_profile(self, name: str) -> None:
        """Show the profile called ``name``."""
        self.profile_list.select(name)

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_current_item_changed(
        self, current: QListWidgetItem | None, previous: QListWidgetItem | None
    ) -> None:
        if current is None:
            return
        if self.form.dirty and not self._confirm(
            self.tr("Discard the changes to “%s”?") % (self.name_edit.text() or self.tr("new"))
        ):
            self.profile_list.set_current_quietly(previous)
            return
        profile = current.data(Qt.ItemDataRole.UserRole)
        if profile is not None:
            self.profile_list.remove_new_row()
        self._show_profile(profile)

    def _confirm(self, question: str) -> bool:
        """Ask a yes/no question (tests replace this)."""
        answer = QMessageBox.question(self, self.windowTitle(), question)
        return answer == QMessageBox.StandardButton.Yes

    # -- the form ----------------------------------------------------------------------
    def _show_profile(self, profile: Profile | None) -> None:
        """Fill the form from ``profile`` (None: an empty form for a new profile)."""
        self.form.show_profile(profile)
        self.keyring_panel.setVisible(False)
        self.test_row.reset()
        self.result_label.clear()
        self._update_buttons()
        if profile is not None and not profile.is_local and not profile.aws_profile:
            self.pool.call(
                functools.partial(secret_state, self.credentials, profile.name),
                self._on_secret_state,
                name="keyring-state",
            )

    def _on_secret_state(self, state: SecretState) -> None:
        current = self.form.current
        if current is not None and current.name == state.profile:
            self.form.show_secret_state(state)
        self.secretStateKnown.emit(state)

    def _update_buttons(self) -> None:
        """Enable the buttons that apply to the profile shown."""
        current = self.form.current
        local = current is not None and current.is_local
        self.delete_button.setEnabled(current is not None and not local)
        self.save_button.setEnabled(not local)
        self.test_button.setEnabled(not local and self._busy == 0)
        self.test_button.setVisible(not local)

    def form_profile(self) -> Profile:
        """The profile as entered in the form (not validated)."""
        return self.form.profile()

    # -- AWS shared config -------------------------------------------------------------
    @Slot()
    def refresh_aws_profiles(self) -> None:
        """Read the profiles of ~/.aws (in a worker)."""
        self.pool.call(
            list_profiles,
            self._on_aws_profiles,
            self._on_aws_profiles_failed,
            name="aws-profiles",
        )

    def _on_aws_profiles(self, infos: list[AwsProfileInfo]) -> None:
        self.form.set_aws_profiles(infos)
        self.awsProfilesLoaded.emit(list(infos))

    def _on_aws_profiles_failed(self, err: AppError) -> None:
        self.form.show_aws_profiles_error(error_text(err))
        self.awsProfilesLoaded.emit([])

    # -- keyring -----------------------------------------------------------------------
    def _on_keyring_described(self, info: KeyringInfo) -> None:
        self.keyring_info = info
        self.form.show_keyring(info)
        self.keyringDescribed.emit(info)

    def _on_keyring_failed(self, err: AppError) -> None:
        self.keyring_info = KeyringInfo(error_text(err), False)
        self.form.show_keyring_failure(error_text(err))
        self.keyringDescribed.emit(self.keyring_info)

    # -- new / save / delete -----------------------------------------------------------
    @Slot()
    def new_profile(self) -> None:
        """Start a new profile (an empty form)."""
        if self.form.dirty and not self._confirm(self.tr("Discard the changes?")):
            return
        self.profile_list.remove_new_row()
        # A row of its own, so the list always has a current row (focus moving to the
        # list would otherwise select the first profile under the user's hands).
        self.profile_list.add_new_row(self.tr("New profile"))
        self._show_profile(None)
        self.name_edit.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy += 1 if busy else -1
        idle = self._busy == 0
        current = self.form.current
        local = current is not None and current.is_local
        self.save_button.setEnabled(idle and not local)
        self.test_button.setEnabled(idle and not local)
        self.delete_button.setEnabled(idle and current is not None and not local)
        self.session_only_button.setEnabled(idle)

    @Slot()
    def save(self) -> None:
        """Save the profile shown: secrets to the keyring (in a worker), then the settings."""
        profile = self.form_profile()
        secret, token = self.form.typed_secrets()
        current = self.form.current
        old_name = current.name if current is not None else None
        if current is not None and current.is_local:
            return
        try:
            # Everything that needs no keyring is checked at once, on this thread.
            validate_profile(profile, has_secret=bool(secret) or old_name is not None)
        except ConfigError as err:
            self.result_label.show_result(False, err.message)
            self.saveFinished.emit(False)
            return
        self._start_save(profile, secret, token, old_name, session_only=False)

    def _start_save(
        self, profile: Profile, secret: str, token: str, old_name: str | None, *, session_only: bool
    ) -> None:
        self._pending_save = (profile, secret, token, old_name)
        self._set_busy(True)
        self.result_label.show_progress(self.tr("Saving…"))
        save = functools.partial(
            save_worker,
            profile,
            self.profiles,
            self.credentials,
            secret,
            token,
            old_name,
            session_only,
        )
        self.pool.call(
            save,
            self._on_saved,
            self._on_save_failed,
            name="profile-save",
        )

    def _on_saved(self, saved: tuple[Profile, bool]) -> None:
        profile, session_only = saved
        self._set_busy(False)
        pending = self._pending_save
        self._pending_save = None
        old_name = pending[3] if pending is not None else None
        if old_name and old_name != profile.name:
            for old, new in list(self.renamed.items()):
                if new == old_name:
                    self.renamed[old] = profile.name
            self.renamed[old_name] = profile.name
        self.form.dirty = False
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
        self.result_label.show_result(True, text)
        self.profilesChanged.emit()
        self.saveFinished.emit(True)

    def _on_save_failed(self, err: AppError) -> None:
        self._set_busy(False)
        if isinstance(err, KeyringUnavailable):
            self.keyring_panel.show_refusal(error_text(err))
            self.result_label.reset()
        else:
            self._pending_save = None
            self.result_label.show_result(False, error_text(err))
        self.saveFinished.emit(False)

    @Slot()
    def _on_session_only_clicked(self) -> None:
        if self._pending_save is None:
            return
        profile, secret, token, old_name = self._pending_save
        self._start_save(profile, secret, token, old_name, session_only=True)

    @Slot()
    def _on_delete_clicked(self) -> None:
        profile = self.form.current
        if profile is None or profile.is_local:
            return
        if not self._confirm(
            self.tr("Delete the profile “%s” and the secrets stored for it in the keyring?")
            % profile.name
        ):
            return
        self._set_busy(True)
        self.pool.call(
            functools.partial(delete_worker, profile.name, self.profiles, self.credentials),
            self._on_deleted,
            self._on_delete_failed,
            name="profile-delete",
        )

    def _on_deleted(self, name: str) -> None:
        self._set_busy(False)
        self.form.dirty = False
        self._reload_list(LOCAL_PROFILE_NAME)
        self.result_label.show_result(True, self.tr("Deleted “%s” and its secrets.") % name)
        self.profilesChanged.emit()
        self.deleteFinished.emit(True)

    def _on_delete_failed(self, err: AppError) -> None:
        self._set_busy(False)
        self.result_label.show_result(False, error_text(err))
        self.deleteFinished.emit(False)

    # -- test connection ---------------------------------------------------------------
    @Slot()
    def test_connection(self) -> None:
        """Test the settings in the form (in a worker); ``testFinished`` tells the result."""
        current = self.form.current
        if self._busy or (current is not None and current.is_local):
            return
        profile = self.form_profile()
        secret, token = self.form.typed_secrets()
        stored = current.name if current is not None else ""
        bucket = self.test_row.bucket() or profile.default_bucket
        self._set_busy(True)
        self.result_label.show_progress(self.tr("Testing the connection…"))
        run_connection_test(
            self.pool,
            self.credentials,
            profile,
            secret=secret,
            token=token,
            stored_name=stored,
            bucket=bucket,
            on_done=self._on_tested,
        )

    def _on_tested(self, result: CheckResult) -> None:
        """The test's result (a failed check arrives as a result that is not ok)."""
        self._set_busy(False)
        self.result_label.show_result(result.ok, result.message)
        if result.needs_bucket:
            self.test_row.ask_for_bucket()
        self.testFinished.emit(result)

    # -- helpers -----------------------------------------------------------------------

    def result_text(self) -> str:
        """The text of the last result (tests, accessibility)."""
        return self.result_label.text()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.form.clear_secrets()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        # Typed secrets do not outlive the dialog's visible life.
        self.form.clear_secrets()
        super().done(result)
