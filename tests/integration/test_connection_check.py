"""“Test connection” against a real SeaweedFS: every failure is one precise sentence."""

from __future__ import annotations

import datetime as dt

import pytest

from s3uploader_gui.core.connection_check import check_connection
from s3uploader_gui.core.errors import (
    AuthError,
    ClockSkewError,
    EndpointUnreachable,
    SignatureMismatch,
)
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.local.server import free_port
from s3uploader_gui.core.s3.client import S3Context
from tests.conftest import seaweed_settings
from tests.integration.test_clock_skew import skew_signing_clock


def test_ok_counts_the_buckets(seaweed: LocalServerInfo, seaweed_context: S3Context) -> None:
    count = len(seaweed_context.client.list_buckets()["Buckets"])
    result = check_connection(seaweed_settings(seaweed))
    assert result.ok, result.message
    assert result.bucket_count == count
    host = seaweed.endpoint_url.removeprefix("http://")
    assert result.host == host
    assert result.message == f"Connected to {host}: {count} bucket{'s' * (count != 1)} visible."
    assert result.error is None


def test_unknown_access_key(seaweed: LocalServerInfo) -> None:
    result = check_connection(seaweed_settings(seaweed, access_key_id="AKIANOBODY"))
    assert not result.ok
    assert type(result.error) is AuthError
    assert result.message == "The server does not know this access key ID: check it in the profile."


def test_wrong_secret(seaweed: LocalServerInfo) -> None:
    wrong = "not-the-secret-" + "x" * 20
    result = check_connection(seaweed_settings(seaweed, secret_access_key=wrong))
    assert not result.ok
    assert isinstance(result.error, SignatureMismatch)
    assert "secret access key is wrong" in result.message
    assert wrong not in result.message
    assert seaweed.secret_access_key not in result.message


def test_unreachable_endpoint_names_the_host() -> None:
    port = free_port()  # nothing listens there
    settings = seaweed_settings_for(f"http://127.0.0.1:{port}")
    result = check_connection(settings, timeout=3)
    assert not result.ok
    assert isinstance(result.error, EndpointUnreachable)
    assert result.error.host == f"127.0.0.1:{port}"
    assert result.message == (
        f"Cannot reach 127.0.0.1:{port}: check the endpoint address and your network."
    )


def test_tls_failure_names_the_host(seaweed: LocalServerInfo) -> None:
    # https:// to a plain-HTTP server: the TLS handshake fails.
    endpoint = seaweed.endpoint_url.replace("http://", "https://")
    result = check_connection(seaweed_settings(seaweed, endpoint_url=endpoint), timeout=3)
    assert not result.ok
    assert isinstance(result.error, EndpointUnreachable)
    host = endpoint.removeprefix("https://")
    assert result.message.startswith(f"The secure connection to {host} failed"), result.message


@pytest.mark.parametrize(("minutes", "wording"), [(30, "30 minutes ahead of")])
def test_clock_skew_says_by_how_much(
    seaweed: LocalServerInfo, monkeypatch: pytest.MonkeyPatch, minutes: int, wording: str
) -> None:
    skew_signing_clock(monkeypatch, dt.timedelta(minutes=minutes))
    result = check_connection(seaweed_settings(seaweed))
    assert not result.ok
    assert isinstance(result.error, ClockSkewError)
    assert wording in result.message
    assert "set the correct date and time" in result.message


def seaweed_settings_for(endpoint: str):  # type: ignore[no-untyped-def]
    from s3uploader_gui.core.s3.settings import ConnectionSettings

    return ConnectionSettings(
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id="AKIAEXAMPLE",
        secret_access_key="secret-example",
        addressing_style="path",
    )
