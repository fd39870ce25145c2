""" "Test connection" in the profiles dialog: the form's settings, checked in a worker.

The typed secret is used when there is one, else the stored one, read in the worker (a
keyring can block). Every outcome, a failure included, comes back as a ``CheckResult``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from s3uploader_gui.core.connection_check import CheckResult, check_connection
from s3uploader_gui.core.credentials import CredentialStore
from s3uploader_gui.core.errors import AppError, ConfigError
from s3uploader_gui.core.profiles import Profile
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.workers import WorkerPool


def check_profile(
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


def run_connection_test(
    pool: WorkerPool,
    credentials: CredentialStore,
    profile: Profile,
    *,
    secret: str,
    token: str,
    stored_name: str,
    bucket: str,
    on_done: Callable[[CheckResult], None],
) -> None:
    """Test ``profile`` in a worker; ``on_done`` gets the result on the GUI thread, a
    failed check included (as a result that is not ok, with the error's sentence)."""

    def failed(err: AppError) -> None:
        on_done(CheckResult(ok=False, message=error_text(err), error=err))

    check = functools.partial(
        check_profile, profile, secret, token, stored_name, credentials, bucket
    )
    pool.call(check, on_done, failed, name="profile-test")


class ConnectionTestRow(QWidget):
    """The "Test connection" button; the bucket field appears when a test needs one.

    Signals:
        requested(): the button was pressed, or Return typed in the bucket field.
    """

    requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        test_row = QHBoxLayout(self)
        test_row.setContentsMargins(0, 0, 0, 0)
        self.test_button = QPushButton(self.tr("&Test connection"), self)
        self.test_button.clicked.connect(self.requested)
        self.test_bucket_label = QLabel(self.tr("Bucket to test:"), self)
        self.test_bucket_edit = QLineEdit(self)
        self.test_bucket_edit.setPlaceholderText(self.tr("bucket name"))
        self.test_bucket_edit.returnPressed.connect(self.requested)
        self.test_bucket_label.setBuddy(self.test_bucket_edit)
        for widget in (self.test_bucket_label, self.test_bucket_edit):
            widget.setVisible(False)
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_bucket_label)
        test_row.addWidget(self.test_bucket_edit, 1)
        test_row.addStretch(0)

    def bucket(self) -> str:
        """The bucket typed to test (empty: none)."""
        return self.test_bucket_edit.text().strip()

    def ask_for_bucket(self) -> None:
        """Listing was denied: show the bucket field and put the cursor there."""
        for widget in (self.test_bucket_label, self.test_bucket_edit):
            widget.setVisible(True)
        self.test_bucket_edit.setFocus()

    def reset(self) -> None:
        """Another profile is shown: no bucket asked for."""
        self.test_bucket_edit.clear()
        for widget in (self.test_bucket_label, self.test_bucket_edit):
            widget.setVisible(False)
