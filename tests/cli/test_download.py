"""``s3uploader download``: keys, prefixes, existing files and hostile keys."""

from __future__ import annotations

import json
import os
from pathlib import Path

from s3uploader_gui.core.s3.client import S3Context
from tests.cli.conftest import Cli, RunMain, base_env
from tests.conftest import unique_bucket
from tests.helpers.files import put_objects, tree_bytes


def test_download_a_key(
    cli: Cli, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    body = os.urandom(50_000)
    put_objects(seaweed_context, seaweed_bucket, {"photos/2026/beach.jpg": body})
    dest = tmp_path / "out"
    run = cli("--json", "download", f"s3://{seaweed_bucket}/photos/2026/beach.jpg", str(dest))
    assert run.code == 0, run.stderr
    assert tree_bytes(dest) == {"beach.jpg": body}
    rec = json.loads(run.stdout)
    assert rec["status"] == "downloaded"
    assert rec["key"] == "photos/2026/beach.jpg"
    assert rec["bytes"] == len(body)
    assert Path(rec["path"]) == (dest / "beach.jpg").resolve()


def test_download_a_prefix(
    cli: Cli, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    tree = {
        "trip/a.jpg": os.urandom(1000),
        "trip/day1/b.jpg": os.urandom(2000),
        "trip/day1/deep/c.txt": b"c",
        "other/x.txt": b"not this",
        "trip-notes.txt": b"not this either",
    }
    put_objects(seaweed_context, seaweed_bucket, tree)
    expected = {
        "a.jpg": tree["trip/a.jpg"],
        "day1/b.jpg": tree["trip/day1/b.jpg"],
        "day1/deep/c.txt": b"c",
    }
    run = cli("download", f"s3://{seaweed_bucket}/trip/", str(tmp_path / "one"))
    assert run.code == 0, run.stderr
    assert tree_bytes(tmp_path / "one") == expected
    assert len(run.out_lines) == 3
    assert all(line.startswith("download: s3://") for line in run.out_lines)
    # A "folder" named without its trailing slash is downloaded the same way.
    run = cli("download", f"s3://{seaweed_bucket}/trip", str(tmp_path / "two"))
    assert run.code == 0, run.stderr
    assert tree_bytes(tmp_path / "two") == expected


def test_existing_file_is_skipped_unless_overwrite(
    run_main: RunMain, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    put_objects(seaweed_context, seaweed_bucket, {"d/a.txt": b"remote a", "d/b.txt": b"remote b"})
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "a.txt").write_bytes(b"mine")
    run = run_main("--json", "download", f"s3://{seaweed_bucket}/d/", str(dest))
    assert run.code == 0, run.stderr
    records = {r["key"]: r for r in map(json.loads, run.out_lines)}
    assert records["d/a.txt"]["status"] == "skipped"
    assert "--overwrite" in records["d/a.txt"]["note"]
    assert records["d/b.txt"]["status"] == "downloaded"
    assert tree_bytes(dest) == {"a.txt": b"mine", "b.txt": b"remote b"}

    run = run_main("download", f"s3://{seaweed_bucket}/d/a.txt", str(dest))
    assert run.code == 0
    assert run.out_lines[0].startswith("skip: ")
    assert (dest / "a.txt").read_bytes() == b"mine"

    run = run_main("download", f"s3://{seaweed_bucket}/d/a.txt", str(dest), "--overwrite")
    assert run.code == 0, run.stderr
    assert (dest / "a.txt").read_bytes() == b"remote a"


def test_missing_key_is_a_failed_item(cli: Cli, seaweed_bucket: str, tmp_path: Path) -> None:
    run = cli("download", f"s3://{seaweed_bucket}/no/such.jpg", str(tmp_path / "out"))
    assert run.code == 1
    assert len(run.err_lines) == 1
    assert f"s3://{seaweed_bucket}/no/such.jpg" in run.err_lines[0]
    assert "does not exist" in run.err_lines[0]
    assert not (tmp_path / "out").exists()
    bucket = unique_bucket("nope")
    run = cli("download", f"s3://{bucket}/k", str(tmp_path / "out"))
    assert run.code == 2
    assert run.err_lines == [f"s3uploader: The bucket “{bucket}” does not exist."]


HOSTILE = ["../../evil.txt", "a/../../x", "/etc/x", "back\\slash", "sub/../../../up.txt"]


def test_hostile_keys_never_leave_dest(
    moto_server: str, moto_context: S3Context, tmp_path: Path
) -> None:
    """SeaweedFS refuses ``..`` keys; moto (like AWS) stores them, so test on moto."""
    bucket = unique_bucket("evil")
    client = moto_context.client
    client.create_bucket(Bucket=bucket)
    keys = {k: f"payload of {k}".encode() for k in HOSTILE}
    keys["good/ok.txt"] = b"fine"
    put_objects(moto_context, bucket, keys)
    stored = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert stored == set(keys)  # the server really holds the hostile keys

    work = tmp_path / "work"
    dest = work / "deep" / "dest"
    work.mkdir()
    before = tree_bytes(tmp_path)
    cli = Cli(base_env(AWS_ENDPOINT_URL_S3=moto_server))
    run = cli("--json", "download", f"s3://{bucket}/", str(dest), cwd=work)
    assert run.code == 1
    assert tree_bytes(dest) == {"good/ok.txt": b"fine"}
    after = {k: v for k, v in tree_bytes(tmp_path).items() if not k.startswith("work/deep/dest/")}
    assert after == before  # nothing written anywhere else
    assert not Path("/etc/x").exists()
    assert len(run.err_lines) == len(HOSTILE)
    for key in HOSTILE:
        assert sum(key in line for line in run.err_lines) == 1, key
    records = {r["key"]: r for r in map(json.loads, run.out_lines)}
    assert {k for k, r in records.items() if r["status"] == "failed"} == set(HOSTILE)
    assert all(records[k]["error"] for k in HOSTILE)
    assert records["good/ok.txt"]["status"] == "downloaded"

    # A single hostile key is saved under its last component, inside DEST.
    run = cli("download", f"s3://{bucket}/../../evil.txt", str(dest), cwd=work)
    assert run.code == 0, run.stderr
    assert (dest / "evil.txt").read_bytes() == b"payload of ../../evil.txt"
    assert tree_bytes(tmp_path).keys() - before.keys() == {
        "work/deep/dest/good/ok.txt",
        "work/deep/dest/evil.txt",
    }
