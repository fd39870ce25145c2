"""``s3uploader upload``: every file given ends in exactly one line, two files never go to one
key, and after a fatal error every file still has its line (against a real SeaweedFS)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.s3.client import S3Context
from tests.cli.conftest import Cli
from tests.helpers.files import make_random
from tests.helpers.s3proxy import Request, proxy_to

FIRST = "DCIM/100CANON/IMG_0001.JPG"
SECOND = "DCIM/101CANON/IMG_0001.JPG"


@pytest.fixture
def cards(tmp_path: Path) -> Path:
    """Two camera folders holding a file of the same name, different bytes."""
    make_random(tmp_path / FIRST, 1000)
    make_random(tmp_path / SECOND, 2000)
    return tmp_path


def _body(context: S3Context, bucket: str, key: str) -> bytes:
    data: bytes = context.client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return data


def _keys(context: S3Context, bucket: str) -> set[str]:
    listed = context.client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"] for o in listed}


def test_same_name_from_two_folders_default_policy(
    cli: Cli, seaweed_context: S3Context, seaweed_bucket: str, cards: Path
) -> None:
    to = f"s3://{seaweed_bucket}/trip/"
    run = cli("upload", FIRST, SECOND, "--to", to, cwd=cards)
    assert run.code == 1
    assert run.out_lines == [f"upload: {FIRST} -> {to}IMG_0001.JPG (1000 B)"]
    assert run.err_lines == [
        f"upload failed: {SECOND} -> {to}IMG_0001.JPG: Another file in this upload, "
        f"{FIRST}, goes to the same key trip/IMG_0001.JPG."
    ]
    assert _keys(seaweed_context, seaweed_bucket) == {"trip/IMG_0001.JPG"}
    assert _body(seaweed_context, seaweed_bucket, "trip/IMG_0001.JPG") == (
        (cards / FIRST).read_bytes()
    )

    run = cli("--json", "upload", FIRST, SECOND, "--to", to, cwd=cards)
    assert run.code == 1
    rows = [json.loads(line) for line in run.out_lines]
    assert [(r["path"], r["key"], r["status"]) for r in rows] == [
        (SECOND, "trip/IMG_0001.JPG", "failed"),  # found when planning, before any upload
        (FIRST, "trip/IMG_0001.JPG", "uploaded"),
    ]
    assert "goes to the same key trip/IMG_0001.JPG" in rows[0]["error"]


@pytest.mark.parametrize("policy", ["skip", "skip-identical"])
def test_same_name_from_two_folders_skip_policies(
    cli: Cli, seaweed_context: S3Context, seaweed_bucket: str, cards: Path, policy: str
) -> None:
    to = f"s3://{seaweed_bucket}/trip/"
    run = cli("--json", "upload", FIRST, SECOND, "--to", to, "--on-conflict", policy, cwd=cards)
    assert run.code == 1
    rows = {r["path"]: r for r in map(json.loads, run.out_lines)}
    assert len(run.out_lines) == 2
    assert rows[FIRST]["status"] == "uploaded"
    assert rows[SECOND]["status"] == "failed"
    assert _keys(seaweed_context, seaweed_bucket) == {"trip/IMG_0001.JPG"}


def test_same_name_from_two_folders_rename(
    cli: Cli, seaweed_context: S3Context, seaweed_bucket: str, cards: Path
) -> None:
    to = f"s3://{seaweed_bucket}/trip/"
    run = cli("--json", "upload", FIRST, SECOND, "--to", to, "--on-conflict", "rename", cwd=cards)
    assert run.code == 0, run.stderr
    rows = sorted(map(json.loads, run.out_lines), key=lambda r: str(r["path"]))
    assert [(r["path"], r["key"], r["status"]) for r in rows] == [
        (FIRST, "trip/IMG_0001.JPG", "uploaded"),
        (SECOND, "trip/IMG_0001 (1).JPG", "uploaded"),
    ]
    for row in rows:
        assert (
            _body(seaweed_context, seaweed_bucket, row["key"]) == (cards / row["path"]).read_bytes()
        )


def _break_signatures_of_puts(request: Request) -> None:
    """The server sees a wrong signature on every PutObject (as with a wrong secret)."""
    if request.is_put_object:
        name = next(n for n in request.headers if n.lower() == "authorization")
        auth = request.headers[name]
        request.headers[name] = auth[:-1] + ("0" if auth[-1] != "0" else "1")


def test_after_a_fatal_error_every_file_has_its_line(
    cli: Cli, seaweed: LocalServerInfo, seaweed_bucket: str, tmp_path: Path
) -> None:
    """The bucket check passes, then the server refuses the uploads' signature: one line
    per file (the fatal one, those stopped after it), then the error; exit 2."""
    files = [str(make_random(tmp_path / f"f{i:02}.bin", 300)) for i in range(12)]
    with proxy_to(seaweed.endpoint_url) as proxy:
        proxy.before = _break_signatures_of_puts
        to = f"s3://{seaweed_bucket}/"
        run = cli("--json", "upload", *files, "--to", to, AWS_ENDPOINT_URL_S3=proxy.endpoint_url)
    assert run.code == 2
    rows = [json.loads(line) for line in run.out_lines]
    assert sorted(r["path"] for r in rows) == files
    statuses = [r["status"] for r in rows]
    assert set(statuses) <= {"failed", "cancelled"}
    assert "cancelled" in statuses  # the batch stopped at the first fatal error
    assert any("secret access key is wrong" in r["error"] for r in rows)
    assert len(run.err_lines) == len(files) + 1
    assert run.err_lines[-1].startswith("s3uploader: ")
    assert "secret access key is wrong" in run.err_lines[-1]
