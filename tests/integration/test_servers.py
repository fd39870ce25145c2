"""The CLI against three independent S3 implementations: SeaweedFS, moto's server and
``rclone serve s3``, each on 127.0.0.1.

Through the ``s3uploader`` command (AWS standard chain from the environment): upload of
small files and of a multipart file (on the default request path and with
``S3UPLOADER_FAST_PATH=0``, botocore's), ``ls`` of a prefix holding more than 1,000 keys
(more than one page), ``presign`` (the link fetched) and ``download`` of a prefix. Every
answer is checked with boto3, not with the app's own code.

Seeding the 1,050 keys costs little: moto through its in-process backend (the threaded
server shares it), rclone by writing files into the folder it serves, SeaweedFS with a
thread pool.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.local.info import LocalServerInfo
from tests.cli.conftest import Cli, base_env
from tests.conftest import remove_bucket, unique_bucket
from tests.integration.test_rclone import Rclone

MiB = 1024 * 1024
MANY = 1050  # more than one ListObjectsV2 page of 1,000
SERVERS = ["seaweedfs", "moto", "rclone"]


@dataclass
class Server:
    name: str
    endpoint_url: str
    key: str
    secret: str
    bucket: str
    rclone_root: Path | None = None
    client: Any = field(init=False)

    def __post_init__(self) -> None:
        import boto3
        from botocore.config import Config

        self.client = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.key,
            aws_secret_access_key=self.secret,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        )

    def cli(self, **env: str) -> Cli:
        values = {
            "AWS_ACCESS_KEY_ID": self.key,
            "AWS_SECRET_ACCESS_KEY": self.secret,
            "AWS_ENDPOINT_URL_S3": self.endpoint_url,
            "AWS_DEFAULT_REGION": "us-east-1",
            **env,
        }
        return Cli(base_env(**values), secrets=[self.secret])

    def body(self, key: str) -> bytes:
        data: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return data

    def keys(self, prefix: str) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        return {o["Key"] for page in pages for o in page.get("Contents", [])}

    def seed_many(self) -> set[str]:
        keys = {f"many/obj-{i:05}.txt" for i in range(MANY)}
        if self.name == "rclone":
            pass  # written into its folder before it started (it caches what it listed)
        elif self.name == "moto":
            from moto.core import DEFAULT_ACCOUNT_ID
            from moto.s3.models import s3_backends

            backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
            for key in keys:
                backend.put_object(self.bucket, key, b"x")
        else:
            with ThreadPoolExecutor(16) as pool:
                list(
                    pool.map(
                        lambda k: self.client.put_object(Bucket=self.bucket, Key=k, Body=b"x"),
                        keys,
                    )
                )
        return keys


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One server per parameter, for the whole module, with one bucket."""
    if request.param == "seaweedfs":
        info: LocalServerInfo = request.getfixturevalue("seaweed")
        found = Server(
            "seaweedfs", info.endpoint_url, info.access_key_id, info.secret_access_key,
            unique_bucket("servers"),
        )  # fmt: skip
        found.client.create_bucket(Bucket=found.bucket)
        try:
            yield found
        finally:
            remove_bucket(found.client, found.bucket)
    elif request.param == "moto":
        endpoint: str = request.getfixturevalue("moto_server")
        # moto takes any keys; a secret unlike the key id, so a link naming the key id
        # is not mistaken for a leaked secret.
        found = Server("moto", endpoint, "moto-key", "moto-secret-0451", unique_bucket("servers"))
        found.client.create_bucket(Bucket=found.bucket)
        try:
            yield found
        finally:
            remove_bucket(found.client, found.bucket)
    else:
        root = tmp_path_factory.mktemp("rclone")
        (root / "servers" / "many").mkdir(parents=True)
        for i in range(MANY):
            (root / "servers" / "many" / f"obj-{i:05}.txt").write_bytes(b"x")
        rclone = Rclone(root)
        try:
            yield Server("rclone", rclone.endpoint_url, rclone.key, rclone.secret, "servers", root)
        finally:
            rclone.stop()


PATHS = {"default": {}, "botocore": {"S3UPLOADER_FAST_PATH": "0"}}


@pytest.mark.parametrize("path", list(PATHS))
def test_upload_small_files(server: Server, path: str, tmp_path: Path) -> None:
    folder = tmp_path / "small"
    files = {"a.txt": b"alpha", "sub/b.bin": os.urandom(70_000), "sub/deep/c.json": b"{}"}
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    prefix = f"small-{path}/"
    run = server.cli(**PATHS[path])(
        "--json", "upload", str(folder), "--to", f"s3://{server.bucket}/{prefix}"
    )
    assert run.code == 0, run.stdout + run.stderr
    records = [json.loads(line) for line in run.out_lines]
    assert {r["status"] for r in records} == {"uploaded"}, records
    assert server.keys(prefix) == {f"{prefix}small/{name}" for name in files}
    for name, data in files.items():
        assert server.body(f"{prefix}small/{name}") == data


@pytest.mark.parametrize("path", list(PATHS))
def test_upload_multipart(server: Server, path: str, tmp_path: Path) -> None:
    data = os.urandom(17 * MiB)  # three parts at the app's 8 MiB
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    key = f"multi-{path}/big.bin"
    run = server.cli(**PATHS[path])(
        "upload", str(source), "--to", f"s3://{server.bucket}/multi-{path}/"
    )
    assert run.code == 0, run.stdout + run.stderr
    head = server.client.head_object(Bucket=server.bucket, Key=key)
    assert head["ContentLength"] == len(data)
    if server.name != "rclone":  # rclone's ETag is the whole file's MD5 either way
        assert head["ETag"].strip('"').endswith("-3"), head["ETag"]
    assert hashlib.sha256(server.body(key)).digest() == hashlib.sha256(data).digest()


@pytest.mark.parametrize("path", list(PATHS))
def test_upload_on_conflict_finds_existing_keys(server: Server, path: str, tmp_path: Path) -> None:
    """``--on-conflict``: whether a key exists is learnt from a listing of the folder (a
    conditional PUT follows where the server honours it); each server finds the keys
    that exist, in the top folder and below, and replaces none unasked."""
    folder = tmp_path / "c"
    names = [f"f{i:02}.txt" for i in range(12)] + ["sub/g.txt", "sub/h.txt"]
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(name.encode() * 3)
    prefix = f"conflict-{path}/"
    theirs = {f"{prefix}c/f04.txt": b"theirs", f"{prefix}c/sub/h.txt": b"theirs too"}
    for key, data in theirs.items():
        server.client.put_object(Bucket=server.bucket, Key=key, Body=data)
    cli = server.cli(**PATHS[path])
    dest = f"s3://{server.bucket}/{prefix}"

    def records(policy: str) -> dict[str, dict[str, Any]]:
        run = cli("--json", "upload", str(folder), "--to", dest, "--on-conflict", policy)
        assert run.code == 0, run.stdout + run.stderr
        found = [json.loads(line) for line in run.out_lines]
        return {r["key"][len(prefix) + 2 :]: r for r in found}

    first = records("skip")
    assert {k for k, r in first.items() if r["status"] == "skipped"} == {"f04.txt", "sub/h.txt"}
    assert {k for k, r in first.items() if r["status"] == "uploaded"} == set(names) - {
        "f04.txt",
        "sub/h.txt",
    }
    for key, data in theirs.items():
        assert server.body(key) == data
    again = records("rename")
    assert {k for k, r in again.items() if r["status"] == "uploaded"} == {
        n.replace(".txt", " (1).txt") for n in names
    }
    for key, data in theirs.items():
        assert server.body(key) == data
    assert server.body(f"{prefix}c/f04 (1).txt") == b"f04.txt" * 3


def test_ls_lists_more_than_one_page(server: Server) -> None:
    keys = server.seed_many()
    assert server.keys("many/") == keys  # the server itself holds them all
    run = server.cli()("--json", "ls", f"s3://{server.bucket}/many/")
    assert run.code == 0, run.stderr
    records = [json.loads(line) for line in run.out_lines]
    assert len(records) == MANY
    assert {r["key"] for r in records} == keys
    assert {(r["type"], r["bytes"]) for r in records} == {("object", 1)}


def test_presign_link_fetches_the_object(server: Server) -> None:
    body = os.urandom(5000)
    server.client.put_object(Bucket=server.bucket, Key="share/file.bin", Body=body)
    run = server.cli()("presign", f"s3://{server.bucket}/share/file.bin", "--expires", "300")
    assert run.code == 0, run.stderr
    url = run.stdout.strip()
    assert url.startswith(server.endpoint_url + "/") and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == body


def test_download_a_prefix(server: Server, tmp_path: Path) -> None:
    tree = {
        "dl/a.txt": b"a",
        "dl/sub/b.bin": os.urandom(100_000),
        "dl/sub/deep/c.bin": os.urandom(3 * MiB),
        "dl-other/no.txt": b"not this",
    }
    _check_download(server, tree, tmp_path)


def test_download_a_large_object_in_ranges(
    server: Server, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if server.name == "rclone":
        # rclone answers a ranged GET with the whole object's x-amz-checksum-crc32, and
        # botocore checks the range against it (``aws s3 cp`` fails the same way).
        request.applymarker(
            pytest.mark.xfail(strict=True, reason="rclone: whole-object CRC32 on ranged GETs")
        )
    _check_download(server, {"dlbig/big.bin": os.urandom(9 * MiB)}, tmp_path)


def _check_download(server: Server, tree: dict[str, bytes], tmp_path: Path) -> None:
    """``download s3://B/PREFIX/ DEST`` of ``tree``'s first prefix, compared with boto3."""
    for key, data in tree.items():
        server.client.put_object(Bucket=server.bucket, Key=key, Body=data)
    prefix = next(iter(tree)).split("/")[0] + "/"
    dest = tmp_path / "out"
    run = server.cli()("--json", "download", f"s3://{server.bucket}/{prefix}", str(dest))
    assert run.code == 0, run.stdout + run.stderr
    got = {p.relative_to(dest).as_posix(): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    assert got == {
        key.removeprefix(prefix): server.body(key) for key in tree if key.startswith(prefix)
    }
