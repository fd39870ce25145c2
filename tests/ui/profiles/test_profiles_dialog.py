"""The profiles dialog: fill, presets, show toggle, test connection, save, delete, keyring."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QToolBar

from s3uploader_gui.core.credentials import SERVICE, CredentialStore
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.local.server import free_port
from s3uploader_gui.core.profiles import LOCAL_PROFILE_NAME, Profile, ProfileKind, ProfileStore
from s3uploader_gui.core.providers import PRESETS
from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.profiles.dialog import ProfilesDialog
from s3uploader_gui.ui.workers import WorkerPool
from tests.helpers.fakekeyrings import LockedKeyring, no_backend
from tests.helpers.memkeyring import MemoryKeyring


class RecordingKeyring(MemoryKeyring):
    """The memory keyring, remembering which threads called it."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[threading.Thread] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.threads.append(threading.current_thread())
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.threads.append(threading.current_thread())
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self.threads.append(threading.current_thread())
        super().delete_password(service, username)


@pytest.fixture
def keyring_backend() -> Iterator[RecordingKeyring]:
    saved = dict(MemoryKeyring._store)
    MemoryKeyring._store.clear()
    backend = RecordingKeyring()
    try:
        yield backend
    finally:
        assert threading.main_thread() not in backend.threads, "keyring call on the GUI thread"
        MemoryKeyring._store.clear()
        MemoryKeyring._store.update(saved)


@pytest.fixture
def pool(qtbot) -> Iterator[WorkerPool]:
    workers = WorkerPool()
    yield workers
    qtbot.waitUntil(lambda: workers.active == 0, timeout=15000)
    workers.shutdown()


def open_dialog(qtbot, pool: WorkerPool, backend, select: str = "") -> ProfilesDialog:
    dialog = ProfilesDialog(ProfileStore(), CredentialStore(backend=backend), pool, select=select)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.keyringDescribed, timeout=10000):
        dialog.show()
    return dialog


def fill(qtbot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def fill_seaweed(qtbot, dialog: ProfilesDialog, info: LocalServerInfo, name: str, secret: str):
    dialog.new_profile()
    fill(qtbot, dialog.name_edit, name)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(str(ProfileKind.S3_COMPATIBLE)))
    fill(qtbot, dialog.endpoint_edit, info.endpoint_url)
    fill(qtbot, dialog.access_key_edit, info.access_key_id)
    fill(qtbot, dialog.secret_edit, secret)
    dialog.addressing_combo.setCurrentIndex(dialog.addressing_combo.findData("path"))


def test_fill_test_save_delete(qtbot, pool, keyring_backend, seaweed, seaweed_bucket) -> None:
    dialog = open_dialog(qtbot, pool, keyring_backend)
    assert dialog.profile_names() == [LOCAL_PROFILE_NAME]
    assert "keyring “test profiles dialog RecordingKeyring”" in dialog.storage_label.text()
    fill_seaweed(qtbot, dialog, seaweed, "My Seaweed", seaweed.secret_access_key)
    fill(qtbot, dialog.bucket_edit, seaweed_bucket)
    fill(qtbot, dialog.prefix_edit, "photos/")
    fill(qtbot, dialog.public_edit, "https://cdn.example.org")

    # The secret is masked until "Show" is pressed.
    assert dialog.secret_edit.echoMode() == QLineEdit.EchoMode.Password
    qtbot.mouseClick(dialog.show_secret, Qt.MouseButton.LeftButton)
    assert dialog.secret_edit.echoMode() == QLineEdit.EchoMode.Normal
    assert dialog.token_edit.echoMode() == QLineEdit.EchoMode.Normal
    assert dialog.show_secret.text() == "Hide"
    qtbot.mouseClick(dialog.show_secret, Qt.MouseButton.LeftButton)
    assert dialog.secret_edit.echoMode() == QLineEdit.EchoMode.Password

    with qtbot.waitSignal(dialog.testFinished, timeout=15000) as blocker:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert result.ok, result.message
    assert dialog.result_text().startswith("✔ Connected to 127.0.0.1:")
    assert "visible" in dialog.result_text()

    with (
        qtbot.waitSignal(dialog.profilesChanged, timeout=5000),
        qtbot.waitSignal(dialog.saveFinished, timeout=10000) as saved,
    ):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == [True]
    profile = ProfileStore().get("My Seaweed")
    assert profile == Profile(
        name="My Seaweed",
        kind=ProfileKind.S3_COMPATIBLE,
        access_key_id=seaweed.access_key_id,
        endpoint_url=seaweed.endpoint_url,
        addressing_style="path",
        default_bucket=seaweed_bucket,
        default_prefix="photos/",
        public_base_url="https://cdn.example.org",
    )
    assert MemoryKeyring._store[(SERVICE, "My Seaweed:secret_access_key")] == (
        seaweed.secret_access_key
    )
    assert seaweed.secret_access_key not in ProfileStore().path.read_text(encoding="utf-8")
    assert dialog.profile_names() == [LOCAL_PROFILE_NAME, "My Seaweed"]
    assert dialog.secret_edit.text() == ""  # the typed secret does not linger
    assert "stored in the keyring “test profiles dialog RecordingKeyring”" in dialog.result_text()

    # The saved profile tests with the stored secret (no retyping).
    with qtbot.waitSignal(dialog.testFinished, timeout=15000) as blocker:
        dialog.test_connection()
    assert blocker.args[0].ok

    dialog._confirm = lambda question: True  # type: ignore[method-assign]
    with qtbot.waitSignal(dialog.deleteFinished, timeout=10000) as deleted:
        qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert deleted.args == [True]
    assert ProfileStore().list() == []
    assert MemoryKeyring._store == {}
    assert dialog.profile_names() == [LOCAL_PROFILE_NAME]


@pytest.mark.parametrize(
    ("change", "wording"),
    [
        ("secret", "✖ The secret access key is wrong (the signature does not match): re-enter it."),
        ("key", "✖ The server does not know this access key ID: check it in the profile."),
        ("endpoint", "✖ Cannot reach 127.0.0.1:{port}: check the endpoint address"),
    ],
)
def test_connection_errors_are_sentences(
    qtbot, pool, keyring_backend, seaweed, change: str, wording: str
) -> None:
    dialog = open_dialog(qtbot, pool, keyring_backend)
    fill_seaweed(qtbot, dialog, seaweed, "Broken", seaweed.secret_access_key)
    port = free_port()
    if change == "secret":
        fill(qtbot, dialog.secret_edit, "definitely-wrong-secret")
    elif change == "key":
        fill(qtbot, dialog.access_key_edit, "AKIAUNKNOWN")
    else:
        fill(qtbot, dialog.endpoint_edit, f"http://127.0.0.1:{port}")
    with qtbot.waitSignal(dialog.testFinished, timeout=15000) as blocker:
        dialog.test_connection()
    assert not blocker.args[0].ok
    assert dialog.result_text().startswith(wording.format(port=port))
    assert "definitely-wrong-secret" not in dialog.result_text()
    assert seaweed.secret_access_key not in dialog.result_text()


def test_presets_fill_endpoint_and_addressing(qtbot, pool, keyring_backend) -> None:
    dialog = open_dialog(qtbot, pool, keyring_backend)
    dialog.new_profile()
    for item in PRESETS:
        index = dialog.preset_combo.findData(item.key)
        dialog.preset_combo.setCurrentIndex(index)
        dialog.preset_combo.activated.emit(index)
        assert dialog.endpoint_edit.text() == item.endpoint(dialog.region_edit.text())
        assert dialog.addressing_combo.currentData() == item.addressing_style
        assert dialog.kind_combo.currentData() == item.kind
        assert dialog.region_edit.text() == item.default_region
        assert dialog.preset_hint.text() == item.hint
    # B2 with a region already typed keeps it in the endpoint.
    fill(qtbot, dialog.region_edit, "eu-central-003")
    index = dialog.preset_combo.findData("b2")
    dialog.preset_combo.activated.emit(index)
    assert dialog.endpoint_edit.text() == "https://s3.eu-central-003.backblazeb2.com"
    # R2: the account-id placeholder is selected for typing over; saving refuses it.
    index = dialog.preset_combo.findData("r2")
    dialog.preset_combo.setCurrentIndex(index)
    dialog.preset_combo.activated.emit(index)
    assert dialog.endpoint_edit.selectedText() == "<account-id>"
    fill(qtbot, dialog.name_edit, "R2")
    fill(qtbot, dialog.access_key_edit, "abc")
    fill(qtbot, dialog.secret_edit, "def")
    with qtbot.waitSignal(dialog.saveFinished, timeout=5000) as saved:
        dialog.save()
    assert saved.args == [False]
    assert "Replace the <placeholder> in the endpoint URL" in dialog.result_text()
    assert ProfileStore().list() == []


@pytest.mark.parametrize("backend", [no_backend(), LockedKeyring()], ids=["none", "locked"])
def test_unusable_keyring_offers_session_only(qtbot, pool, seaweed, backend) -> None:
    dialog = open_dialog(qtbot, pool, backend)
    if isinstance(backend, LockedKeyring):
        assert "Secrets are stored in" in dialog.storage_label.text()
    else:
        assert dialog.storage_label.text().startswith("No secure keyring is available")
    fill_seaweed(qtbot, dialog, seaweed, "Temp", seaweed.secret_access_key)
    with qtbot.waitSignal(dialog.saveFinished, timeout=10000) as first:
        dialog.save()
    assert first.args == [False]
    assert dialog.keyring_panel.isVisibleTo(dialog)
    text = dialog.keyring_message.text()
    expected = "keyring is locked" if isinstance(backend, LockedKeyring) else "No secure keyring"
    assert expected in text
    assert "Nothing is ever written to a plain file." in text
    assert ProfileStore().list() == []
    with qtbot.waitSignal(dialog.saveFinished, timeout=10000) as second:
        qtbot.mouseClick(dialog.session_only_button, Qt.MouseButton.LeftButton)
    assert second.args == [True]
    assert not dialog.keyring_panel.isVisibleTo(dialog)
    assert "for this session only" in dialog.result_text()
    assert ProfileStore().get("Temp").access_key_id == seaweed.access_key_id
    assert dialog.credentials.is_session_only("Temp")
    if isinstance(backend, LockedKeyring):
        assert backend.calls  # the keyring was asked, never from the GUI thread
        assert threading.main_thread() not in {thread for _, thread in backend.calls}
    # The session-only secret works for a test without retyping.
    with qtbot.waitSignal(dialog.testFinished, timeout=15000) as tested:
        dialog.test_connection()
    assert tested.args[0].ok, tested.args[0].message


def test_editing_keeps_the_stored_secret(qtbot, pool, keyring_backend, seaweed) -> None:
    ProfileStore().save(
        Profile(
            name="Existing",
            kind=ProfileKind.S3_COMPATIBLE,
            access_key_id=seaweed.access_key_id,
            endpoint_url=seaweed.endpoint_url,
            addressing_style="path",
        )
    )
    # (MemoryKeyring(): same store, but this test's own calls are not recorded.)
    CredentialStore(backend=MemoryKeyring()).set("Existing", seaweed.secret_access_key)
    dialog = ProfilesDialog(
        ProfileStore(), CredentialStore(backend=keyring_backend), pool, select="Existing"
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.secretStateKnown, timeout=10000) as state:
        dialog.show()
    assert state.args[0].stored
    assert dialog.secret_edit.placeholderText() == "Stored in the keyring — type to replace"
    assert dialog.secret_edit.text() == ""  # never shown back
    fill(qtbot, dialog.name_edit, "Renamed")
    fill(qtbot, dialog.region_edit, "eu-west-1")
    with qtbot.waitSignal(dialog.saveFinished, timeout=10000) as saved:
        dialog.save()
    assert saved.args == [True]
    assert [p.name for p in ProfileStore().list()] == ["Renamed"]
    assert ProfileStore().get("Renamed").region == "eu-west-1"
    creds = CredentialStore(backend=MemoryKeyring())
    assert creds.get("Renamed") == seaweed.secret_access_key
    assert creds.get("Existing") is None
    assert dialog.renamed == {"Existing": "Renamed"}


def test_local_storage_is_shown_read_only(qtbot, pool, keyring_backend) -> None:
    dialog = open_dialog(qtbot, pool, keyring_backend)
    dialog.select_profile(LOCAL_PROFILE_NAME)
    assert dialog.local_note.isVisibleTo(dialog)
    assert not dialog.connection_box.isEnabled()
    assert not dialog.save_button.isEnabled()
    assert not dialog.delete_button.isEnabled()
    assert dialog.kind_combo.currentData() == str(ProfileKind.LOCAL)


def test_aws_profiles_from_shared_config(
    qtbot, pool, keyring_backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 111122223333\nsso_role_name = Dev\nregion = eu-west-1\n"
        "[profile admin]\nrole_arn = arn:aws:iam::111122223333:role/Admin\n"
        "source_profile = corp\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("HOME", str(tmp_path))
    dialog = ProfilesDialog(ProfileStore(), CredentialStore(backend=keyring_backend), pool)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.awsProfilesLoaded, timeout=10000):
        dialog.show()
    labels = [dialog.aws_profile_combo.itemText(i) for i in range(dialog.aws_profile_combo.count())]
    assert labels == ["admin (assume role)", "corp (SSO, eu-west-1)"]
    dialog.new_profile()
    fill(qtbot, dialog.name_edit, "Corp SSO")
    dialog.aws_radio.setChecked(True)
    assert not dialog.secret_edit.isEnabled()
    dialog.aws_profile_combo.setCurrentIndex(dialog.aws_profile_combo.findData("corp"))
    with qtbot.waitSignal(dialog.testFinished, timeout=15000) as blocker:
        dialog.test_connection()
    assert not blocker.args[0].ok
    assert dialog.result_text() == (
        "✖ The AWS SSO session of profile “corp” is missing or has expired: run "
        "“aws sso login --profile corp” and try again."
    )
    with qtbot.waitSignal(dialog.saveFinished, timeout=10000) as saved:
        dialog.save()
    assert saved.args == [True]
    assert ProfileStore().get("Corp SSO").aws_profile == "corp"
    assert MemoryKeyring._store == {}


def test_manage_profiles_from_the_main_window(
    qtbot, keyring_backend, seaweed: LocalServerInfo, seaweed_bucket: str
) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    win.session.credentials = CredentialStore(backend=keyring_backend)
    win.show()
    try:
        # One click from the toolbar, right after the profile box.
        bar = win.findChild(QToolBar, "mainToolBar")
        actions = bar.actions()
        combo_at = next(
            i for i, a in enumerate(actions) if bar.widgetForAction(a) is win.profile_combo
        )
        assert actions[combo_at + 1] is win.act_profiles
        assert win.act_profiles.text() == "Manage profiles…"
        win.act_profiles.trigger()
        dialog = win.profiles_dialog
        assert dialog is not None and dialog.isVisible()
        qtbot.waitSignal(dialog.keyringDescribed, timeout=10000)
        fill_seaweed(qtbot, dialog, seaweed, "Seaweed here", seaweed.secret_access_key)
        fill(qtbot, dialog.bucket_edit, seaweed_bucket)
        fill(qtbot, dialog.prefix_edit, "from-profile/")
        with qtbot.waitSignal(dialog.saveFinished, timeout=10000):
            dialog.save()
        dialog.reject()
        names = [win.profile_combo.itemText(i) for i in range(win.profile_combo.count())]
        assert names == [LOCAL_PROFILE_NAME, "Seaweed here"]

        # Switching profiles in the box connects, updates browser and destination.
        index = win.profile_combo.findText("Seaweed here")
        win.profile_combo.setCurrentIndex(index)
        with qtbot.waitSignal(win.browser_pane.model.bucketsLoaded, timeout=15000):
            win.profile_combo.activated.emit(index)
        assert win.session.connection is not None
        assert win.session.connection.profile.name == "Seaweed here"
        # The browser opens the profile's default folder, which is also the destination.
        qtbot.waitUntil(
            lambda: win.upload_pane.destination() == (seaweed_bucket, "from-profile/"),
            timeout=10000,
        )
        assert win.browser_pane.location == (seaweed_bucket, "from-profile/")
        assert ProfileStore().last_used == "Seaweed here"
        assert win.session.initial_profile().name == "Seaweed here"
    finally:
        win.shutdown()
        qtbot.waitUntil(lambda: win.pool.active == 0, timeout=10000)


def test_session_follows_an_edited_or_renamed_profile(
    qtbot, window, keyring_backend, seaweed
) -> None:
    """After the dialog closes, a changed current profile is reopened with its new fields."""
    current = window.session.connection.profile
    session = window.session
    ProfileStore().save(current)
    with qtbot.assertNotEmitted(session.connecting):
        session.profiles_edited({})  # unchanged: nothing to do
    ProfileStore().remove(current.name)
    moved = Profile(
        **{
            **current.__dict__,
            "name": "Moved",
            "access_key_id": seaweed.access_key_id,
            "addressing_style": "path",
        }
    )
    ProfileStore().save(moved)
    CredentialStore(backend=MemoryKeyring()).set("Moved", seaweed.secret_access_key)
    with (
        qtbot.waitSignal(session.connecting, timeout=5000) as blocker,
        qtbot.waitSignal(session.connected, timeout=15000) as done,
    ):
        session.profiles_edited({current.name: "Moved"})
    assert blocker.args == ["Moved"]
    assert done.args[0].profile == moved
