"""Create a profile, use it from the CLI and the GUI, then search every file for the secret.

The secret may live in the keyring and nowhere else: not in settings (profiles.json,
QSettings), logs, the transfer journal, caches, nor any output or log record.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3uploader_gui.cli import main
from s3uploader_gui.core.credentials import SERVICE
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.logsetup import log_file, setup_logging
from s3uploader_gui.core.profiles import ProfileStore
from s3uploader_gui.ui.main_window import MainWindow
from tests.helpers.memkeyring import MemoryKeyring

NAME = "Leak check"


@pytest.fixture
def app_logging() -> Iterator[Path]:
    """The app's own log file (verbose), as the GUI sets it up; removed afterwards."""
    root = logging.getLogger()
    level = root.level
    path = setup_logging(verbose=True, stderr=False)
    try:
        yield path
    finally:
        for handler in list(root.handlers):
            if getattr(handler, "_s3uploader", False):
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)


def forms(secret: str) -> list[bytes]:
    """The secret as it could appear in a file: raw, UTF-16, base64, hex."""
    raw = secret.encode()
    return [
        raw,
        secret.encode("utf-16-le"),
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw),
        raw.hex().encode(),
    ]


def test_secret_only_in_the_keyring(
    qtbot,
    seaweed: LocalServerInfo,
    seaweed_bucket: str,
    user_dirs: Path,
    qt_settings_dir: Path,
    tmp_path: Path,
    app_logging: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = seaweed.secret_access_key
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []

    def cli(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = capsys.readouterr()
        outputs.extend([out, err])
        return code

    # 1. Create the profile from the CLI (secret on standard input) and use it.
    assert (
        cli(
            "profiles",
            "add",
            NAME,
            "--endpoint-url",
            seaweed.endpoint_url,
            "--access-key-id",
            seaweed.access_key_id,
            "--addressing-style",
            "path",
            "--default-bucket",
            seaweed_bucket,
            stdin=secret + "\n",
        )
        == 0
    )
    cli_file = tmp_path / "from-cli.txt"
    cli_file.write_text("cli", encoding="utf-8")
    assert cli("profiles", "test", NAME, "--json") == 0
    assert cli("profiles", "list", "--json") == 0
    assert (
        cli("--profile", NAME, "--json", "upload", str(cli_file), "--to", f"s3://{seaweed_bucket}/")
        == 0
    )
    assert cli("--profile", NAME, "ls", f"s3://{seaweed_bucket}/", "--json") == 0
    assert cli("--profile", NAME, "presign", f"s3://{seaweed_bucket}/from-cli.txt") == 0
    # A failing run prints an error: still no secret.
    assert cli("--profile", NAME, "ls", "s3://no-such-bucket-here/") != 0

    # 2. Use it from the GUI: connect through the profile box, upload, test in the dialog.
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    try:
        index = win.profile_combo.findText(NAME)
        assert index > 0
        win.profile_combo.setCurrentIndex(index)
        # Connected, and the browser has opened the default bucket (which sets the
        # destination): only then choose the folder.
        with qtbot.waitSignal(win.browser_pane.bucketsLoaded, timeout=15000):
            win.profile_combo.activated.emit(index)
        assert win.session.connection is not None
        assert win.session.connection.profile.name == NAME
        gui_file = tmp_path / "from-gui.txt"
        gui_file.write_text("gui", encoding="utf-8")
        win.upload_pane.set_destination(seaweed_bucket, "gui/")
        with qtbot.waitSignal(win.upload_pane.uploadsFinished, timeout=20000) as done:
            win.upload_pane.add_paths([gui_file])
            qtbot.waitUntil(lambda: win.upload_pane.queue.rowCount() == 1, timeout=10000)
            if not win.upload_pane.uploading:
                win.upload_pane.start_uploads()
        assert done.args[0] == 1
        win.manage_profiles()
        dialog = win.profiles_dialog
        assert dialog is not None
        with qtbot.waitSignal(dialog.testFinished, timeout=15000) as tested:
            dialog.select_profile(NAME)
            dialog.test_connection()
        assert tested.args[0].ok
        dialog.reject()
    finally:
        win.close()
        qtbot.waitUntil(lambda: win.pool.active == 0, timeout=10000)
    win.settings.sync()
    logging.getLogger("s3uploader_gui").info("end of the leak check")
    for handler in logging.getLogger().handlers:
        handler.flush()

    # 3. Positive control: the keyring has it, the files the app writes exist.
    assert MemoryKeyring._store[(SERVICE, f"{NAME}:secret_access_key")] == secret
    assert ProfileStore().path.is_file()
    assert log_file().is_file() and log_file().stat().st_size > 0
    assert any(qt_settings_dir.rglob("*.conf")) or any(qt_settings_dir.rglob("*.ini"))
    head = seaweed_client_body(seaweed, seaweed_bucket, "gui/from-gui.txt")
    assert head == b"gui"

    # 4. Search every file under the user dirs (config, data, cache, state, logs) and QSettings.
    scanned = 0
    for root in (user_dirs, qt_settings_dir):
        for file in root.rglob("*"):
            if file.is_file() and not file.is_symlink():
                data = file.read_bytes()
                scanned += 1
                for form in forms(secret):
                    assert form not in data, f"the secret is in {file}"
    assert scanned >= 3
    for text in [*outputs, caplog.text]:
        assert secret not in text
    assert json.loads(outputs[2].splitlines()[0])["status"] == "ok"  # `profiles test --json`


def seaweed_client_body(info: LocalServerInfo, bucket: str, key: str) -> bytes:
    from s3uploader_gui.core.s3.client import S3Context
    from tests.conftest import seaweed_settings

    body: bytes = (
        S3Context(seaweed_settings(info)).client.get_object(Bucket=bucket, Key=key)["Body"].read()
    )
    return body
