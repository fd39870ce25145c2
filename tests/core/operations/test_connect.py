"""``open_connection``: the standard chain, a saved profile, the local storage, SSO, overrides.

Against the session SeaweedFS (credentials enforced) and a real ``weed`` for the local
storage; SSO through a temporary ``AWS_CONFIG_FILE`` with no token cache.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core import objects
from s3uploader_gui.core.aws_config import sso_login_message
from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.credentials import CredentialStore
from s3uploader_gui.core.errors import (
    Cancelled,
    ConfigError,
    CredentialsExpired,
    EndpointUnreachable,
    MissingCredentials,
    ServerError,
)
from s3uploader_gui.core.local.info import DEFAULT_BUCKET, LocalServerInfo
from s3uploader_gui.core.local.server import LocalServer
from s3uploader_gui.core.objects import bucket_exists
from s3uploader_gui.core.operations.connect import (
    STANDARD_CHAIN_LABEL,
    Connection,
    open_connection,
    resolve_settings,
)
from s3uploader_gui.core.profiles import LOCAL_PROFILE, Profile, ProfileKind
from s3uploader_gui.core.transfers.journal import default_journal_path
from tests.helpers.fakekeyrings import LockedKeyring
from tests.helpers.sso import write_sso_config


def dead_endpoint() -> str:
    """An http:// URL on a local port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def bucket_names(connection: Connection) -> set[str]:
    return {b["Name"] for b in connection.context.client.list_buckets()["Buckets"]}


@pytest.fixture
def chain_env(seaweed: LocalServerInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3's standard chain pointed at SeaweedFS through environment variables only."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweed.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweed.secret_access_key)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", seaweed.endpoint_url)


@pytest.fixture
def sso_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An SSO profile ``corp`` whose token cache is missing; no keys in the environment."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(write_sso_config(tmp_path)))
    monkeypatch.setenv("HOME", str(tmp_path))  # ~/.aws/sso/cache: empty
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)


def saved_profile(info: LocalServerInfo, name: str = "Seaweed", **changes: Any) -> Profile:
    """A saved S3-compatible profile for SeaweedFS whose secret is in the (memory) keyring."""
    CredentialStore().set(name, info.secret_access_key)
    profile = Profile(
        name=name,
        kind=ProfileKind.S3_COMPATIBLE,
        access_key_id=info.access_key_id,
        endpoint_url=info.endpoint_url,
        region="us-east-1",
        addressing_style="path",
    )
    return dataclasses.replace(profile, **changes)


# -- the standard chain ------------------------------------------------------------------
@pytest.mark.usefixtures("chain_env")
def test_standard_chain_from_the_environment(seaweed_bucket: str) -> None:
    connection = open_connection(None)
    try:
        assert connection.profile is None
        assert connection.label == STANDARD_CHAIN_LABEL
        assert connection.context.settings.endpoint_url is None  # boto3 reads the variable
        assert seaweed_bucket in bucket_names(connection)
        assert connection.engine.context is connection.context
    finally:
        connection.close()


@pytest.mark.usefixtures("chain_env")
def test_standard_chain_with_overrides(
    seaweed: LocalServerInfo, seaweed_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", dead_endpoint())
    connection = open_connection(None, endpoint_url=seaweed.endpoint_url, region="us-east-1")
    try:
        assert connection.context.settings.endpoint_url == seaweed.endpoint_url
        assert connection.context.settings.region == "us-east-1"
        assert connection.label == seaweed.endpoint_url.removeprefix("http://")
        assert seaweed_bucket in bucket_names(connection)
    finally:
        connection.close()


def test_standard_chain_without_credentials_says_so_before_any_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    with pytest.raises(MissingCredentials) as info:
        open_connection(None, endpoint_url=dead_endpoint())
    assert info.value.message.startswith("No credentials were found")


# -- a saved profile -----------------------------------------------------------------------
def test_saved_profile_takes_its_secret_from_the_keyring(
    seaweed: LocalServerInfo, seaweed_bucket: str
) -> None:
    # The environment's keys ("testing") are refused by SeaweedFS: only the profile's work.
    profile = saved_profile(seaweed)
    connection = open_connection(profile, credentials=CredentialStore())
    try:
        assert connection.profile == profile
        assert connection.label == connection.context.settings.label == "Seaweed"
        assert seaweed_bucket in bucket_names(connection)
    finally:
        connection.close()


def test_saved_profile_with_overrides(seaweed: LocalServerInfo, seaweed_bucket: str) -> None:
    profile = saved_profile(seaweed, endpoint_url=dead_endpoint(), region="eu-west-3")
    connection = open_connection(profile, endpoint_url=seaweed.endpoint_url, region="us-east-1")
    try:
        settings = connection.context.settings
        assert (settings.endpoint_url, settings.region) == (seaweed.endpoint_url, "us-east-1")
        assert seaweed_bucket in bucket_names(connection)
    finally:
        connection.close()


def test_a_keyring_that_cannot_be_read_is_a_config_error(seaweed: LocalServerInfo) -> None:
    profile = saved_profile(seaweed)
    with pytest.raises(ConfigError) as info:
        open_connection(profile, credentials=CredentialStore(backend=LockedKeyring()))
    assert "keyring" in info.value.message.lower() or "locked" in info.value.message.lower()


def test_a_missing_secret_is_a_config_error() -> None:
    profile = Profile(name="No secret", access_key_id="AKIA", region="us-east-1")
    with pytest.raises(ConfigError, match="No secret is stored"):
        open_connection(profile, credentials=CredentialStore())


# -- endpoint URLs --------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["localhost:9000", "ftp://example.com", "http://", "s3.example"])
@pytest.mark.parametrize("saved", [False, True], ids=["chain", "profile"])
def test_a_bad_endpoint_url_is_a_config_error(url: str, saved: bool) -> None:
    # The URL is checked first: a locked keyring is never asked.
    keyring = LockedKeyring()
    profile = Profile(name="P", access_key_id="AKIA") if saved else None
    with pytest.raises(ConfigError) as info:
        open_connection(profile, endpoint_url=url, credentials=CredentialStore(backend=keyring))
    assert info.value.message == f"“{url}” is not an endpoint URL: write http(s)://HOST[:PORT]."
    assert keyring.calls == []
    with pytest.raises(ConfigError):
        resolve_settings(profile, endpoint_url=url)


# -- SSO -------------------------------------------------------------------------------------
@pytest.mark.usefixtures("sso_config")
def test_an_expired_sso_profile_says_how_to_log_in() -> None:
    profile = Profile(name="Corp SSO", aws_profile="corp", endpoint_url=dead_endpoint())
    with pytest.raises(CredentialsExpired) as info:
        open_connection(profile, credentials=CredentialStore())
    assert info.value.message == sso_login_message("corp")


@pytest.mark.usefixtures("sso_config")
def test_an_expired_sso_profile_through_the_standard_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "corp")
    with pytest.raises(CredentialsExpired) as info:
        open_connection(None, endpoint_url=dead_endpoint())
    assert info.value.message == sso_login_message("corp")


# -- the local storage -----------------------------------------------------------------------
def test_local_storage_starts_the_server_and_creates_its_bucket(tmp_path: Path) -> None:
    server = LocalServer(tmp_path / "local")
    try:
        connection = open_connection(LOCAL_PROFILE, local_server=server, journal=True)
        try:
            assert server.running
            assert connection.profile is LOCAL_PROFILE
            assert connection.label == LOCAL_PROFILE.name
            assert bucket_exists(connection.context.client, DEFAULT_BUCKET)
            assert connection.engine.journal.path == default_journal_path()
        finally:
            connection.close()
        # A running server is reused, not started again.
        again = open_connection(LOCAL_PROFILE, local_server=server)
        try:
            assert again.context.settings.endpoint_url == connection.context.settings.endpoint_url
            assert str(again.engine.journal.path) == ":memory:"
        finally:
            again.close()
    finally:
        server.stop()


class StubServer:
    """Stands for a LocalServer: ``start`` answers with the session SeaweedFS."""

    def __init__(self, info: LocalServerInfo, *, running: bool = True) -> None:
        self.info = info
        self.running = running
        self.starts = 0

    def start(self) -> LocalServerInfo:
        self.starts += 1
        return self.info


def flaky_ensure_bucket(monkeypatch: pytest.MonkeyPatch, failures: list[Exception]) -> list[str]:
    """Asking whether the bucket exists (each attempt's first request, whether the lean
    sender or botocore's client asks) fails with ``failures`` in turn, then works;
    returns the attempts."""
    real = objects.bucket_exists
    calls: list[str] = []

    def exists(client: Any, bucket: str) -> bool:
        calls.append(bucket)
        if failures:
            raise failures.pop(0)
        return real(client, bucket)

    monkeypatch.setattr(objects, "bucket_exists", exists)
    return calls


def local_profile(bucket: str) -> Profile:
    return dataclasses.replace(LOCAL_PROFILE, default_bucket=bucket)


def test_local_storage_waits_for_its_volume(
    seaweed: LocalServerInfo, seaweed_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_ready = [ServerError("volume not writable yet", code="InternalError") for _ in range(3)]
    calls = flaky_ensure_bucket(monkeypatch, not_ready)
    server = StubServer(seaweed)
    connection = open_connection(local_profile(seaweed_bucket), local_server=server)  # type: ignore[arg-type]
    connection.close()
    assert calls == [seaweed_bucket] * 4
    assert server.starts == 1


def test_a_local_server_that_died_fails_at_once(
    seaweed: LocalServerInfo, seaweed_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = EndpointUnreachable("Cannot reach 127.0.0.1:1.", host="127.0.0.1:1")
    flaky_ensure_bucket(monkeypatch, [gone] * 1000)
    started = time.monotonic()
    with pytest.raises(EndpointUnreachable):
        open_connection(
            local_profile(seaweed_bucket),
            local_server=StubServer(seaweed, running=False),  # type: ignore[arg-type]
        )
    assert time.monotonic() - started < 5


def test_cancel_stops_the_wait_for_the_volume(
    seaweed: LocalServerInfo, seaweed_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky_ensure_bucket(monkeypatch, [ServerError("not yet") for _ in range(1000)])
    cancel = CancelToken()
    threading.Timer(0.5, cancel.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        open_connection(
            local_profile(seaweed_bucket),
            local_server=StubServer(seaweed),  # type: ignore[arg-type]
            cancel=cancel,
        )
    assert time.monotonic() - started < 5


def test_cancelled_before_anything_starts_nothing(seaweed: LocalServerInfo) -> None:
    cancel = CancelToken()
    cancel.cancel()
    server = StubServer(seaweed)
    with pytest.raises(Cancelled):
        open_connection(LOCAL_PROFILE, local_server=server, cancel=cancel)  # type: ignore[arg-type]
    assert server.starts == 0


@pytest.mark.parametrize(
    "overrides", [{"endpoint_url": "http://127.0.0.1:1"}, {"region": "eu-west-1"}]
)
def test_the_local_storage_takes_no_overrides(
    seaweed: LocalServerInfo, overrides: dict[str, str]
) -> None:
    server = StubServer(seaweed)
    with pytest.raises(ConfigError, match="cannot be used with the local storage"):
        open_connection(LOCAL_PROFILE, local_server=server, **overrides)  # type: ignore[arg-type]
    assert server.starts == 0


# -- the journal -----------------------------------------------------------------------------
def test_a_journaled_connection_forgets_uploads_finished_long_ago(
    seaweed: LocalServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finished rows older than a week go when a journaled connection opens; recent ones
    and anything unfinished (still offered for resume) stay."""
    import sqlite3

    from s3uploader_gui.core.transfers.journal import Journal

    journal = Journal()
    old = journal.begin("c", "b", "old", Path("/src/old"), 1, 1)
    recent = journal.begin("c", "b", "recent", Path("/src/recent"), 1, 1)
    pending = journal.begin("c", "b", "pending", Path("/src/pending"), 1, 1)
    journal.finish(old.id, "done")
    journal.finish(recent.id, "done")
    journal.close()
    db = sqlite3.connect(default_journal_path())
    with db:
        db.execute("UPDATE items SET updated = updated - 8 * 86400 WHERE id IN (?, ?)",
                   (old.id, pending.id))  # fmt: skip
    db.close()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweed.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweed.secret_access_key)
    connection = open_connection(None, endpoint_url=seaweed.endpoint_url, journal=True)
    try:
        kept = {i.key for i in connection.engine.journal.unfinished()}
        assert kept == {"pending"}
        assert connection.engine.journal.get(old.id) is None
        got = connection.engine.journal.get(recent.id)
        assert got is not None and got.state == "done"
    finally:
        connection.close()
