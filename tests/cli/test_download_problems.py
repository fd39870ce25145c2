"""``s3uploader download``: keys that cannot be saved are one line each and the rest
download; a local file is replaced only by a checked download."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.s3.client import S3Context
from tests.cli.conftest import Cli, RunMain, base_env
from tests.conftest import unique_bucket
from tests.helpers.files import put_objects, tree_bytes

LONG = "d/" + "n" * 300 + ".jpg"


def test_long_key_and_two_keys_for_one_file_fail_alone(
    moto_server: str, moto_context: S3Context, tmp_path: Path
) -> None:
    """On moto: SeaweedFS refuses names over 255 bytes and folds ``//`` in keys."""
    bucket = unique_bucket("probs")
    moto_context.client.create_bucket(Bucket=bucket)
    keys = {
        LONG: b"long",
        "d/x//y.txt": b"double",
        "d/x/y.txt": b"single",
        "d/ok.txt": b"fine",
        "d/sub/ok2.txt": b"fine too",
    }
    put_objects(moto_context, bucket, keys)
    dest = tmp_path / "dest"
    cli = Cli(base_env(AWS_ENDPOINT_URL_S3=moto_server))
    run = cli("--json", "download", f"s3://{bucket}/d/", str(dest))
    assert run.code == 1
    failing = {LONG, "d/x//y.txt", "d/x/y.txt"}
    assert len(run.err_lines) == len(failing)  # one line each
    for key in failing:
        assert sum(f"s3://{bucket}/{key}" in line for line in run.err_lines) == 1, key
    assert any("255" in line and "n" * 20 in line for line in run.err_lines)
    assert sum("same file" in line for line in run.err_lines) == 2
    records = {r["key"]: r for r in map(json.loads, run.out_lines)}
    assert records.keys() == keys.keys()
    assert {k for k, r in records.items() if r["status"] == "failed"} == failing
    assert tree_bytes(dest) == {"ok.txt": b"fine", "sub/ok2.txt": b"fine too"}


def test_case_pair_fails_where_the_file_system_folds_case(
    run_main: RunMain,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """This machine's file systems tell ``A.txt`` from ``a.txt``: simulate one that does not
    (as macOS and Windows do by default)."""
    from s3uploader_gui.core.operations import downloads as ops

    monkeypatch.setattr(ops, "detect_folding", lambda folder: ops.FOLDS_EVERYTHING)
    put_objects(
        seaweed_context, seaweed_bucket, {"d/A.txt": b"A", "d/a.txt": b"a", "d/b.txt": b"b"}
    )
    dest = tmp_path / "dest"
    run = run_main("download", f"s3://{seaweed_bucket}/d/", str(dest))
    assert run.code == 1
    assert len(run.err_lines) == 2
    assert all("upper and lower case" in line for line in run.err_lines)
    assert run.out_lines == [
        f"download: s3://{seaweed_bucket}/d/b.txt -> {dest.resolve() / 'b.txt'} (1 B)"
    ]
    assert tree_bytes(dest) == {"b.txt": b"b"}


def test_object_changed_after_listing_keeps_the_local_file(
    run_main: RunMain,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from s3uploader_gui.core.operations import downloads as ops

    put_objects(seaweed_context, seaweed_bucket, {"d/a.txt": b"version 1"})
    real_plan = ops.plan_downloads

    def plan_then_change(*args: Any, **kwargs: Any) -> ops.DownloadPlan:
        plan = real_plan(*args, **kwargs)
        put_objects(seaweed_context, seaweed_bucket, {"d/a.txt": b"version 2"})  # same size
        return plan

    monkeypatch.setattr(ops, "plan_downloads", plan_then_change)
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "a.txt").write_bytes(b"my own file")
    run = run_main("download", f"s3://{seaweed_bucket}/d/", str(dest), "--overwrite")
    assert run.code == 1
    assert len(run.err_lines) == 1
    assert "changed after it was listed" in run.err_lines[0]
    assert os.listdir(dest) == ["a.txt"]
    assert (dest / "a.txt").read_bytes() == b"my own file"
