"""A real Secret Service (gnome-keyring in a private D-Bus session): ``make test-keyring``.

Skipped unless REAL_KEYRING=1 (tests/conftest.py). ``secret-tool`` (libsecret) reads the
keyring independently of Python, so it proves where the secret really went.
"""

from __future__ import annotations

import gc
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from s3uploader_gui.core.credentials import SERVICE, CredentialStore
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.profiles import Profile, ProfileKind, ProfileStore
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.ui.profiles.dialog import ProfilesDialog
from s3uploader_gui.ui.workers import WorkerPool
from tests.cli.conftest import Cli, base_env

pytestmark = pytest.mark.realkeyring


@pytest.fixture(autouse=True)
def _collect_after_each_test() -> Iterator[None]:
    """A D-Bus connection left open by a failed call (held by its exception's frames)
    is found here and reported on the test that made it, not whenever the collector
    happens to run (once it was in a reporting hook at the end of the session)."""
    yield
    gc.collect()


SECRET = "real-Keyring/Secret+" + uuid.uuid4().hex


def secret_tool(profile: str, field: str = "secret_access_key") -> str | None:
    """What libsecret's own client finds for this account (None: nothing)."""
    tool = shutil.which("secret-tool")
    if tool is None:
        pytest.fail("secret-tool is missing: install libsecret-tools (scripts/system-deps.sh)")
    proc = subprocess.run(
        [tool, "lookup", "service", SERVICE, "username", f"{profile}:{field}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return proc.stdout if proc.returncode == 0 else None


@pytest.fixture
def name() -> Iterator[str]:
    value = f"real {uuid.uuid4().hex[:8]}"
    yield value
    CredentialStore().delete_all(value)


def test_the_backend_is_the_secret_service() -> None:
    # Exactly the Secret Service: not a chain that could fall through to another backend.
    backend = keyring.get_keyring()
    assert type(backend).__module__ == "keyring.backends.SecretService", backend
    store = CredentialStore()
    assert store.usable()
    assert store.describe_backend() == "the Secret Service keyring (GNOME Keyring, KWallet…)"


def test_round_trip_seen_by_secret_tool(name: str) -> None:
    store = CredentialStore()
    assert store.get(name) is None
    store.set(name, SECRET)
    store.set(name, "token-" + SECRET, field="session_token")
    assert secret_tool(name) == SECRET
    assert CredentialStore().get(name) == SECRET  # a fresh store, straight from D-Bus
    store.delete_all(name)
    assert secret_tool(name) is None
    assert secret_tool(name, "session_token") is None
    assert CredentialStore().get(name) is None


def test_cli_processes_share_the_keyring(
    name: str,
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
    user_dirs: Path,
) -> None:
    secret = seaweed.secret_access_key
    cli = Cli(base_env(), secrets=[secret])
    add = subprocess.run(
        [
            *cli_cmd(),
            "profiles",
            "add",
            name,
            "--endpoint-url",
            seaweed.endpoint_url,
            "--access-key-id",
            seaweed.access_key_id,
            "--addressing-style",
            "path",
        ],
        input=secret + "\n",
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert add.returncode == 0, add.stderr
    assert "Secret Service" in add.stdout and secret not in add.stdout + add.stderr
    assert secret_tool(name) == secret

    file = tmp_path / "real.txt"
    file.write_text("real keyring", encoding="utf-8")
    run = cli("--profile", name, "upload", str(file), "--to", f"s3://{seaweed_bucket}/")
    assert run.code == 0, run.stderr
    got = seaweed_context.client.get_object(Bucket=seaweed_bucket, Key="real.txt")["Body"].read()
    assert got == b"real keyring"
    assert cli("profiles", "test", name).code == 0

    for file_path in user_dirs.rglob("*"):
        if file_path.is_file():
            assert secret.encode() not in file_path.read_bytes(), file_path

    assert cli("profiles", "remove", name).code == 0
    assert secret_tool(name) is None


def cli_cmd() -> list[str]:
    import sys

    return [sys.executable, "-m", "s3uploader_gui.cli"]


def test_dialog_saves_and_deletes_in_the_secret_service(qtbot, name: str) -> None:
    pool = WorkerPool()
    dialog = ProfilesDialog(ProfileStore(), CredentialStore(), pool)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.keyringDescribed, timeout=15000):
        dialog.show()
    assert "Secret Service" in dialog.storage_label.text()
    dialog.new_profile()
    qtbot.keyClicks(dialog.name_edit, name)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(str(ProfileKind.S3_COMPATIBLE)))
    qtbot.keyClicks(dialog.endpoint_edit, "http://127.0.0.1:9000")
    qtbot.keyClicks(dialog.access_key_edit, "AKIAREAL")
    qtbot.keyClicks(dialog.secret_edit, SECRET)
    with qtbot.waitSignal(dialog.saveFinished, timeout=15000) as saved:
        dialog.save()
    assert saved.args == [True]
    assert secret_tool(name) == SECRET
    assert ProfileStore().get(name) == Profile(
        name=name,
        kind=ProfileKind.S3_COMPATIBLE,
        access_key_id="AKIAREAL",
        endpoint_url="http://127.0.0.1:9000",
    )
    assert "Secret Service" in dialog.result_text()
    dialog._confirm = lambda question: True  # type: ignore[method-assign]
    with qtbot.waitSignal(dialog.deleteFinished, timeout=15000) as deleted:
        dialog._on_delete_clicked()
    assert deleted.args == [True]
    assert secret_tool(name) is None
    qtbot.waitUntil(lambda: pool.active == 0, timeout=15000)
    pool.shutdown()
