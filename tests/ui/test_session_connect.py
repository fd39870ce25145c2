"""The window's session connects through ``core.operations.connect.open_connection``.

Both faces call that one function (a spy sees the session and the CLI call it); the
session adopts only the latest request and shows the SSO-login message like the CLI.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import s3uploader_gui.core.operations.connect as connect_op
from s3uploader_gui.cli import main
from s3uploader_gui.core.aws_config import sso_login_message
from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.credentials import CredentialStore
from s3uploader_gui.core.errors import AppError, Cancelled
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.profiles import Profile, ProfileKind, ProfileStore
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.session import Connection, Session
from s3uploader_gui.ui.workers import WorkerPool
from tests.cli.conftest import seaweed_env
from tests.conftest import seaweed_settings
from tests.helpers.sso import write_sso_config


@pytest.fixture
def session(qtbot: Any) -> Iterator[Session]:
    pool = WorkerPool()
    session = Session(pool)
    yield session
    session.shutdown()
    qtbot.waitUntil(lambda: pool.active == 0, timeout=30000)  # workers end with the pool
    pool.shutdown()


def seaweed_profile(info: LocalServerInfo, name: str = "Seaweed spy") -> Profile:
    """A saved profile for the session SeaweedFS, its secret in the (memory) keyring."""
    profile = Profile(
        name=name,
        kind=ProfileKind.S3_COMPATIBLE,
        access_key_id=info.access_key_id,
        endpoint_url=info.endpoint_url,
        region="us-east-1",
    )
    ProfileStore().save(profile)
    CredentialStore().set(name, info.secret_access_key)
    return profile


def test_both_faces_call_the_same_open_connection(
    qtbot: Any,
    session: Session,
    seaweed: LocalServerInfo,
    seaweed_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real = connect_op.open_connection
    calls: list[tuple[Profile | None, dict[str, Any]]] = []

    def spy(profile: Profile | None, **kwargs: Any) -> Connection:
        calls.append((profile, kwargs))
        return real(profile, **kwargs)

    monkeypatch.setattr(connect_op, "open_connection", spy)
    profile = seaweed_profile(seaweed)

    with qtbot.waitSignal(session.connected, timeout=30000) as opened:
        session.connect_profile(profile)
    assert opened.args[0].profile == profile
    assert session.connection is opened.args[0]

    for name, value in seaweed_env(seaweed).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    assert main(["ls"]) == 0  # boto3's standard chain
    assert main(["--profile", profile.name, "ls"]) == 0
    assert seaweed_bucket in capsys.readouterr().out

    assert [p for p, _ in calls] == [profile, None, profile]
    window_kwargs = calls[0][1]
    assert window_kwargs["journal"] is True  # the window journals uploads; the CLI does not
    assert isinstance(window_kwargs["cancel"], CancelToken)
    assert not calls[1][1].get("journal", False)


def test_an_expired_sso_profile_in_the_window(
    qtbot: Any, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(write_sso_config(tmp_path)))
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    # Keep the message, not the error: its traceback holds the worker past the pool.
    messages: list[str] = []
    session.connectionFailed.connect(lambda err: messages.append(err.message))
    session.connect_profile(Profile(name="Corp SSO", aws_profile="corp"))
    qtbot.waitUntil(lambda: bool(messages), timeout=30000)
    assert messages == [sso_login_message("corp")]
    assert session.connection is None


@pytest.mark.parametrize("first_ends", ["returns", "fails"])
def test_only_the_latest_request_is_adopted(
    qtbot: Any,
    session: Session,
    seaweed: LocalServerInfo,
    monkeypatch: pytest.MonkeyPatch,
    first_ends: str,
) -> None:
    """A slow first attempt is cancelled by a second; what it returns is closed, what it
    raises is not shown."""
    release = threading.Event()
    tokens: list[CancelToken] = []
    closed: list[str] = []

    def fake_open(profile: Profile | None, *, cancel: CancelToken, **_: Any) -> Connection:
        assert profile is not None
        tokens.append(cancel)
        if len(tokens) == 1:
            release.wait(20)
            if first_ends == "fails":
                raise Cancelled()
        context = S3Context(seaweed_settings(seaweed))
        engine = TransferEngine(context)
        real_close = engine.close

        def close() -> None:
            closed.append(profile.name)
            real_close()

        engine.close = close  # type: ignore[method-assign]
        return Connection(profile, context, engine)

    monkeypatch.setattr(connect_op, "open_connection", fake_open)
    adopted: list[Connection] = []
    failures: list[AppError] = []
    session.connected.connect(adopted.append)
    session.connectionFailed.connect(failures.append)

    try:
        session.connect_profile(Profile(name="first"))
        qtbot.waitUntil(lambda: len(tokens) == 1)
        with qtbot.waitSignal(session.connected, timeout=10000):
            session.connect_profile(Profile(name="second"))
        assert tokens[0].cancelled and not tokens[1].cancelled
    finally:
        release.set()  # never leave the first worker waiting
    if first_ends == "returns":
        qtbot.waitUntil(lambda: closed == ["first"], timeout=10000)
    else:
        qtbot.waitUntil(lambda: session._pool.active == 0, timeout=10000)
        qtbot.wait(50)  # let a (wrongly) relayed failure arrive
    assert [c.label for c in adopted] == ["second"]
    assert failures == []
    assert session.connection is adopted[0]


def test_the_window_shows_a_standard_chain_connection(
    qtbot: Any, seaweed: LocalServerInfo, seaweed_bucket: str
) -> None:
    """A connection without a profile (the CLI's standard chain) still fits the window."""
    win = MainWindow()
    qtbot.addWidget(win)
    context = S3Context(seaweed_settings(seaweed, label=""))
    connection = Connection(None, context, TransferEngine(context))
    host = seaweed.endpoint_url.removeprefix("http://")
    assert connection.label == host
    try:
        with qtbot.waitSignal(win.browser_pane.model.bucketsLoaded, timeout=10000):
            win.session.use_connection(connection)
        assert host in win.windowTitle()
        assert host in win.connection_label.text()
    finally:
        win.shutdown()
        qtbot.waitUntil(lambda: win.pool.active == 0, timeout=10000)
