"""``--on-conflict`` for upload and download (and the older flags as aliases)."""

from __future__ import annotations

import json
from pathlib import Path

from s3uploader_gui.core.s3.client import S3Context
from tests.cli.conftest import RunMain
from tests.helpers.files import make_random


def _records(out_lines: list[str]) -> dict[str, dict[str, object]]:
    return {str(r["key"]): r for r in map(json.loads, out_lines)}


def test_upload_on_conflict(
    run_main: RunMain, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    client = seaweed_context.client
    a = make_random(tmp_path / "a.bin", 500)
    b = make_random(tmp_path / "b.bin", 500)
    to = f"s3://{seaweed_bucket}/x/"
    assert run_main("upload", str(a), str(b), "--to", to).code == 0
    b.write_bytes(b"z" * 500)  # same size, other bytes

    run = run_main(
        "upload", str(a), str(b), "--to", to, "--on-conflict", "skip-identical", "--json"
    )
    assert run.code == 0, run.stderr
    recs = _records(run.out_lines)
    assert recs["x/a.bin"]["status"] == "skipped"
    assert recs["x/b.bin"]["status"] == "uploaded"
    assert client.get_object(Bucket=seaweed_bucket, Key="x/b.bin")["Body"].read() == b"z" * 500

    run = run_main("upload", str(a), "--to", to, "--on-conflict", "rename", "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["key"] == "x/a (1).bin"

    run = run_main("upload", str(a), "--to", to, "--on-conflict", "skip", "--json")
    assert json.loads(run.stdout)["status"] == "skipped"

    run = run_main("upload", str(a), "--to", to, "--json")  # default: overwrite
    assert json.loads(run.stdout)["status"] == "uploaded"


def test_download_on_conflict(
    run_main: RunMain, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    seaweed_context.client.put_object(Bucket=seaweed_bucket, Key="d/a.txt", Body=b"remote")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "a.txt").write_bytes(b"mine")
    src = f"s3://{seaweed_bucket}/d/"

    run = run_main("download", src, str(dest), "--json")  # default: skip
    assert json.loads(run.stdout)["status"] == "skipped"
    assert (dest / "a.txt").read_bytes() == b"mine"

    run = run_main("download", src, str(dest), "--on-conflict", "rename", "--json")
    assert run.code == 0, run.stderr
    assert (dest / "a (1).txt").read_bytes() == b"remote"
    assert (dest / "a.txt").read_bytes() == b"mine"

    run = run_main("download", src, str(dest), "--overwrite", "--json")
    assert json.loads(run.stdout)["status"] == "downloaded"
    assert (dest / "a.txt").read_bytes() == b"remote"

    run = run_main("download", src, str(dest), "--on-conflict", "skip-identical", "--json")
    assert json.loads(run.stdout)["status"] == "skipped"
