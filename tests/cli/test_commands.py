"""``ls``, ``presign``, ``rm``, ``mb`` and the top level (usage, version, Ctrl+C)."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from s3uploader_gui import __version__
from s3uploader_gui.cli import main
from s3uploader_gui.core.objects import bucket_exists
from s3uploader_gui.core.s3.client import S3Context
from tests.cli.conftest import Cli, RunMain, base_env
from tests.conftest import unique_bucket
from tests.helpers.files import put_objects

OBJECT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +(\d+) (.+)$")


def _keys(context: S3Context, bucket: str) -> set[str]:
    answer = context.client.list_objects_v2(Bucket=bucket)
    return {o["Key"] for o in answer.get("Contents", [])}


TREE = {
    "a.jpg": b"a" * 12345,
    "b.txt": b"bb",
    "photos/p1.jpg": b"1" * 10,
    "photos/2026/p2.jpg": b"2" * 20,
    "docs/readme.md": b"# hi",
}


# -- ls ----------------------------------------------------------------------------------
def test_ls_prefixes_and_objects(cli: Cli, seaweed_context: S3Context, seaweed_bucket: str) -> None:
    put_objects(seaweed_context, seaweed_bucket, TREE)
    run = cli("ls", f"s3://{seaweed_bucket}/")
    assert run.code == 0, run.stderr
    pre = [line for line in run.out_lines if "PRE" in line]
    assert pre == [" " * 27 + "PRE docs/", " " * 27 + "PRE photos/"]
    objects = {m[2]: int(m[1]) for m in map(OBJECT_LINE.match, run.out_lines) if m}
    assert objects == {"a.jpg": 12345, "b.txt": 2}
    assert len(run.out_lines) == 4

    # Inside a "folder": base names, one level only.
    run = cli("ls", f"s3://{seaweed_bucket}/photos/")
    assert run.code == 0
    assert run.out_lines[0] == " " * 27 + "PRE 2026/"
    assert [m[2] for m in map(OBJECT_LINE.match, run.out_lines) if m] == ["p1.jpg"]


def test_ls_recursive_and_json(
    run_main: RunMain, seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    put_objects(seaweed_context, seaweed_bucket, TREE)
    run = run_main("ls", f"s3://{seaweed_bucket}", "--recursive")
    assert run.code == 0, run.stderr
    listed = {m[2]: int(m[1]) for m in map(OBJECT_LINE.match, run.out_lines) if m}
    assert listed == {k: len(v) for k, v in TREE.items()}
    assert "PRE" not in run.stdout

    run = run_main("--json", "ls", f"s3://{seaweed_bucket}/photos/")
    records = [json.loads(line) for line in run.out_lines]
    assert {(r["type"], r["key"], r["bytes"]) for r in records} == {
        ("prefix", "photos/2026/", None),
        ("object", "photos/p1.jpg", 10),
    }
    assert all(r["status"] == "listed" and r["error"] is None for r in records)


def test_ls_an_exact_key(
    run_main: RunMain, seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    """Like ``aws s3 ls``: a prefix without a slash matches the object named like it."""
    put_objects(seaweed_context, seaweed_bucket, {"a.jpg": b"x" * 7, "a.jpg.bak": b"y"})
    run = run_main("ls", f"s3://{seaweed_bucket}/a.jpg")
    assert run.code == 0
    listed = {m[2]: int(m[1]) for m in map(OBJECT_LINE.match, run.out_lines) if m}
    assert listed == {"a.jpg": 7, "a.jpg.bak": 1}


def test_ls_buckets(cli: Cli, seaweed_bucket: str) -> None:
    run = cli("ls")
    assert run.code == 0, run.stderr
    names = [line.split()[-1] for line in run.out_lines]
    assert seaweed_bucket in names
    line = next(line for line in run.out_lines if line.endswith(seaweed_bucket))
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", line)
    run = cli("ls", "--json")
    assert seaweed_bucket in {json.loads(line)["bucket"] for line in run.out_lines}


def test_ls_unknown_bucket_and_bad_url(cli: Cli) -> None:
    bucket = unique_bucket("nope")
    run = cli("ls", f"s3://{bucket}/")
    assert run.code == 2
    assert run.err_lines == [f"s3uploader: The bucket “{bucket}” does not exist."]
    run = cli("ls", "http://example.com/x")
    assert run.code == 2
    assert len(run.err_lines) == 1
    assert "is not an S3 address" in run.stderr


# -- presign -----------------------------------------------------------------------------
def test_presign_link_downloads_the_object(
    cli: Cli, seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    body = b"shared bytes \x00\x01" * 100
    put_objects(seaweed_context, seaweed_bucket, {"share/report.pdf": body})
    run = cli("presign", f"s3://{seaweed_bucket}/share/report.pdf")
    assert run.code == 0, run.stderr
    url = run.stdout.strip()
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["3600"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == body

    run = cli("--json", "presign", f"s3://{seaweed_bucket}/share/report.pdf", "--expires", "60")
    rec = json.loads(run.stdout)
    assert rec["status"] == "presigned"
    assert parse_qs(urlsplit(rec["url"]).query)["X-Amz-Expires"] == ["60"]


def test_presign_limits(cli: Cli, seaweed_bucket: str) -> None:
    run = cli("presign", f"s3://{seaweed_bucket}/k", "--expires", "604801")
    assert run.code == 2
    assert len(run.err_lines) == 1
    assert "7 days" in run.stderr
    assert run.stdout == ""
    assert cli("presign", f"s3://{seaweed_bucket}/k", "--expires", "604800").code == 0
    run = cli("presign", f"s3://{seaweed_bucket}")
    assert run.code == 2
    assert "needs an object" in run.stderr
    assert cli("presign", f"s3://{seaweed_bucket}/k", "--expires", "soon").code == 2


# -- rm ----------------------------------------------------------------------------------
def test_rm_keys_and_prefix(cli: Cli, seaweed_context: S3Context, seaweed_bucket: str) -> None:
    put_objects(seaweed_context, seaweed_bucket, TREE)
    run = cli("rm", f"s3://{seaweed_bucket}/a.jpg", f"s3://{seaweed_bucket}/docs/readme.md")
    assert run.code == 0, run.stderr
    assert sorted(run.out_lines) == [
        f"delete: s3://{seaweed_bucket}/a.jpg",
        f"delete: s3://{seaweed_bucket}/docs/readme.md",
    ]
    assert _keys(seaweed_context, seaweed_bucket) == {
        "b.txt",
        "photos/p1.jpg",
        "photos/2026/p2.jpg",
    }
    run = cli("--json", "rm", "--recursive", f"s3://{seaweed_bucket}/photos/")
    assert run.code == 0, run.stderr
    deleted = {r["key"] for r in map(json.loads, run.out_lines) if r["status"] == "deleted"}
    assert {"photos/p1.jpg", "photos/2026/p2.jpg"} <= deleted
    assert _keys(seaweed_context, seaweed_bucket) == {"b.txt"}


def test_rm_errors(cli: Cli, seaweed_bucket: str) -> None:
    bucket = unique_bucket("nope")
    run = cli("rm", f"s3://{bucket}/x")
    assert run.code == 2
    assert run.err_lines == [f"s3uploader: The bucket “{bucket}” does not exist."]
    run = cli("rm", f"s3://{seaweed_bucket}")
    assert run.code == 2
    assert "rm needs a key" in run.stderr


# -- mb ----------------------------------------------------------------------------------
def test_mb(cli: Cli, seaweed_context: S3Context) -> None:
    bucket = unique_bucket("mb")
    run = cli("mb", f"s3://{bucket}")
    assert run.code == 0, run.stderr
    assert run.out_lines == [f"make_bucket: {bucket}"]
    assert bucket_exists(seaweed_context.client, bucket)
    # Creating it again fails as an item (exit 1, one line naming it).
    run = cli("--json", "mb", f"s3://{bucket}")
    assert run.code == 1
    assert len(run.err_lines) == 1
    assert bucket in run.err_lines[0]
    assert json.loads(run.stdout)["status"] == "failed"
    run = cli("mb", f"s3://{bucket}/key")
    assert run.code == 2
    assert "takes a bucket only" in run.stderr


# -- top level ---------------------------------------------------------------------------
def test_version_and_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"s3uploader {__version__}"
    assert main([]) == 2  # no command
    assert "usage:" in capsys.readouterr().err
    assert main(["upload", "x"]) == 2  # --to missing
    assert "--to" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2


def test_version_does_not_import_boto3() -> None:
    code = (
        "import sys; from s3uploader_gui.cli import main; main(['--version']); "
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, 'heavy import'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_ctrl_c_is_cancelled_exit_130(tmp_path: Path) -> None:
    """A server that accepts but never answers; SIGINT once the CLI is waiting on it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        endpoint = f"http://127.0.0.1:{server.getsockname()[1]}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "s3uploader_gui.cli", "--endpoint-url", endpoint, "ls"],
            env=base_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        server.settimeout(60)
        conn, _ = server.accept()  # the CLI is now blocked waiting for an answer
        with conn:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip() == "Cancelled."
    assert out == ""
