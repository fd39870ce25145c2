"""``--profile``: saved profiles (secret in the keyring) and the embedded local storage."""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3uploader_gui.cli import main
from s3uploader_gui.core import paths
from s3uploader_gui.core.credentials import CredentialStore
from s3uploader_gui.core.local.info import DEFAULT_BUCKET, LocalServerInfo
from s3uploader_gui.core.profiles import Profile, ProfileKind, ProfileStore
from s3uploader_gui.core.s3.client import S3Context
from tests.cli.conftest import Cli, Run, base_env, check_clean


@pytest.fixture
def profile_name() -> Iterator[str]:
    """A fresh profile name; its secret is removed from the (shared, in-memory) keyring after."""
    name = f"Seaweed {uuid.uuid4().hex[:8]}"
    yield name
    CredentialStore().delete(name)


def _save_profile(name: str, info: LocalServerInfo, *, secret: str | None) -> None:
    ProfileStore().save(
        Profile(
            name=name,
            kind=ProfileKind.S3_COMPATIBLE,
            access_key_id=info.access_key_id,
            endpoint_url=info.endpoint_url,
            region="us-east-1",
            addressing_style="path",
        )
    )
    if secret is not None:
        CredentialStore().set(name, secret)


def _run(capsys: pytest.CaptureFixture[str], *args: str, secrets: list[str]) -> Run:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return check_clean(Run(code, out, err), secrets)


def test_saved_profile_uses_keyring_secret(
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    profile_name: str,
) -> None:
    # The environment holds other (wrong) keys and no endpoint: only the profile can work.
    _save_profile(profile_name, seaweed, secret=seaweed.secret_access_key)
    file = tmp_path / "hello.txt"
    file.write_text("hi", encoding="utf-8")
    secrets = [seaweed.secret_access_key]
    run = _run(
        capsys,
        "--profile",
        profile_name,
        "upload",
        str(file),
        "--to",
        f"s3://{seaweed_bucket}/p/",
        secrets=secrets,
    )
    assert run.code == 0, run.stderr
    body = seaweed_context.client.get_object(Bucket=seaweed_bucket, Key="p/hello.txt")["Body"]
    assert body.read() == b"hi"
    # The option also works after the command.
    run = _run(
        capsys,
        "ls",
        f"s3://{seaweed_bucket}/p/",
        "--profile",
        profile_name,
        "--json",
        secrets=secrets,
    )
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["key"] == "p/hello.txt"


def test_missing_profile_or_secret_is_exit_2(
    seaweed: LocalServerInfo, capsys: pytest.CaptureFixture[str], profile_name: str
) -> None:
    run = _run(capsys, "--profile", "nobody", "ls", secrets=[])
    assert run.code == 2
    assert run.err_lines == ["s3uploader: There is no profile named “nobody”."]
    _save_profile(profile_name, seaweed, secret=None)
    run = _run(capsys, "--profile", profile_name, "ls", secrets=[])
    assert run.code == 2
    assert len(run.err_lines) == 1
    assert "No secret is stored" in run.stderr


def test_missing_profile_in_subprocess(tmp_path: Path) -> None:
    run = Cli(base_env())("--profile", "nobody", "upload", "x", "--to", "s3://b/")
    assert run.code == 2
    assert run.err_lines == ["s3uploader: There is no profile named “nobody”."]


def test_local_profile_starts_and_stops_the_embedded_server(tmp_path: Path) -> None:
    """One run starts the server, creates the default bucket, uploads, and stops it."""
    file = tmp_path / "note.txt"
    file.write_text("local!", encoding="utf-8")
    run = Cli(base_env())(
        "--profile", "local", "--json", "upload", str(file), "--to", f"s3://{DEFAULT_BUCKET}/n/"
    )
    assert run.code == 0, run.stderr
    rec = json.loads(run.stdout)
    assert (rec["status"], rec["bucket"], rec["key"], rec["bytes"]) == (
        "uploaded",
        DEFAULT_BUCKET,
        "n/note.txt",
        6,
    )
    # The server stopped with the command: the data-directory lock is free again.
    fd = os.open(paths.local_storage_dir() / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


def test_local_profile_in_use_is_exit_2() -> None:
    data = paths.local_storage_dir()
    data.mkdir(parents=True)
    fd = os.open(data / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as the running GUI does
        run = Cli(base_env())("--profile", "local", "ls")
    finally:
        os.close(fd)
    assert run.code == 2
    assert len(run.err_lines) == 1
    assert "already in use" in run.stderr
