"""Connection settings, botocore configuration and the shared client."""

from __future__ import annotations

import threading

import boto3
import pytest

from s3uploader_gui.core.s3.client import S3Context, make_client, make_config, make_session
from s3uploader_gui.core.s3.settings import DEFAULT_CONCURRENCY, ConnectionSettings

SECRET = "s3cr3t-wJalrXUtnFEMI-K7MDENG"
TOKEN = "FwoGZXIvYXdzEXAMPLE-session-token"


def test_repr_and_str_hide_secrets() -> None:
    s = ConnectionSettings(
        endpoint_url="http://127.0.0.1:9000",
        access_key_id="AKIAEXAMPLE",
        secret_access_key=SECRET,
        session_token=TOKEN,
        label="work",
    )
    for text in (repr(s), str(s), f"{s}", repr([s]), repr({"s": s})):
        assert SECRET not in text
        assert TOKEN not in text
    assert "AKIAEXAMPLE" in repr(s)
    assert "127.0.0.1:9000" in repr(s)


def test_is_custom_endpoint() -> None:
    assert ConnectionSettings(endpoint_url="http://x").is_custom_endpoint
    assert not ConnectionSettings().is_custom_endpoint


def test_config_is_sigv4_and_path_style_for_custom_endpoints() -> None:
    cfg = make_config(ConnectionSettings(endpoint_url="http://127.0.0.1:8333"))
    assert cfg.signature_version == "s3v4"
    # Plain HTTP on loopback: no SHA-256 of every payload (a CRC32 header instead).
    assert cfg.s3 == {"addressing_style": "path", "payload_signing_enabled": False}
    assert cfg.retries == {"mode": "standard", "max_attempts": 5}
    assert cfg.max_pool_connections == DEFAULT_CONCURRENCY


def test_config_keeps_auto_for_aws_and_explicit_styles() -> None:
    assert make_config(ConnectionSettings()).s3 == {"addressing_style": "auto"}
    virtual = ConnectionSettings(endpoint_url="https://minio.example", addressing_style="virtual")
    assert make_config(virtual).s3 == {"addressing_style": "virtual"}
    cfg = make_config(ConnectionSettings(), max_pool_connections=32, read_timeout=5)
    assert cfg.max_pool_connections == 32
    assert cfg.read_timeout == 5


def test_session_from_explicit_keys() -> None:
    s = ConnectionSettings(
        region="eu-central-1", access_key_id="AK", secret_access_key=SECRET, session_token=TOKEN
    )
    creds = make_session(s).get_credentials()
    assert creds is not None
    frozen = creds.get_frozen_credentials()
    assert (frozen.access_key, frozen.secret_key, frozen.token) == ("AK", SECRET, TOKEN)
    assert make_session(s).region_name == "eu-central-1"


def test_session_falls_back_to_the_environment() -> None:
    creds = make_session(ConnectionSettings()).get_credentials()
    assert creds is not None
    assert creds.get_frozen_credentials().access_key == "testing"  # from tests/conftest.py


def test_client_for_custom_endpoint() -> None:
    client = make_client(
        ConnectionSettings(
            endpoint_url="http://127.0.0.1:1",
            access_key_id="a",
            secret_access_key="b",
        ),
        session=boto3.session.Session(region_name=None),
    )
    assert client.meta.endpoint_url == "http://127.0.0.1:1"
    assert client.meta.region_name  # some region is always set so requests can be signed
    assert client.meta.config.signature_version == "s3v4"
    assert client.meta.config.s3 == {"addressing_style": "path", "payload_signing_enabled": False}


def test_context_shares_one_client(moto_context: S3Context) -> None:
    clients: list[object] = []
    barrier = threading.Barrier(4)

    def get() -> None:
        barrier.wait()
        clients.append(moto_context.client)

    threads = [threading.Thread(target=get) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(clients) == 4
    assert all(c is clients[0] for c in clients)
    assert clients[0].meta.config.max_pool_connections == moto_context.concurrency + 4  # type: ignore[attr-defined]
    assert moto_context.endpoint == moto_context.settings.endpoint_url


def test_context_temporary_credentials() -> None:
    plain = S3Context(ConnectionSettings(access_key_id="a", secret_access_key="b"))
    assert not plain.uses_temporary_credentials
    temp = S3Context(
        ConnectionSettings(access_key_id="a", secret_access_key="b", session_token=TOKEN)
    )
    assert temp.uses_temporary_credentials


@pytest.mark.parametrize("style", ["path", "virtual"])
def test_presign_with_style_puts_bucket_in_the_right_place(style: str) -> None:
    client = make_client(
        ConnectionSettings(
            endpoint_url="http://s3.example.test:9000",
            region="us-east-1",
            access_key_id="a",
            secret_access_key="b",
            addressing_style=style,  # type: ignore[arg-type]
        )
    )
    url = client.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": "k"})
    if style == "path":
        assert url.startswith("http://s3.example.test:9000/bkt/k?")
    else:
        assert url.startswith("http://bkt.s3.example.test:9000/k?")
