"""``s3uploader rm`` is ``core.operations.objects.delete_objects``: the same inputs delete
the same keys from both faces."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from s3uploader_gui.core.objects import create_bucket
from s3uploader_gui.core.operations.objects import delete_objects
from s3uploader_gui.core.s3.client import S3Context
from tests.cli.conftest import Cli
from tests.conftest import remove_bucket, unique_bucket

TREE = {
    "a.jpg": b"a",
    "b.txt": b"b",
    "photos/": b"",
    "photos/p1.jpg": b"1",
    "photos/2026/p2.jpg": b"2",
    "photos-old/p3.jpg": b"3",
    "docs/readme.md": b"r",
}


@pytest.fixture
def twin(seaweed_context: S3Context) -> Iterator[str]:
    name = unique_bucket("twin")
    create_bucket(seaweed_context.client, name)
    yield name
    remove_bucket(seaweed_context.client, name)


def _seed(ctx: S3Context, bucket: str) -> None:
    for key, data in TREE.items():
        ctx.client.put_object(Bucket=bucket, Key=key, Body=data)


def _left(ctx: S3Context, bucket: str) -> set[str]:
    answer = ctx.client.list_objects_v2(Bucket=bucket)
    return {o["Key"] for o in answer.get("Contents", [])}


def test_rm_and_the_operation_delete_the_same_keys(
    cli: Cli, seaweed_context: S3Context, seaweed_bucket: str, twin: str
) -> None:
    ctx = seaweed_context
    _seed(ctx, seaweed_bucket)
    _seed(ctx, twin)
    run = cli(
        "--json",
        "rm",
        "--recursive",
        f"s3://{seaweed_bucket}/a.jpg",
        f"s3://{seaweed_bucket}/photos/",
        f"s3://{seaweed_bucket}/never-there.txt",
    )
    assert run.code == 0, run.stderr
    records = [json.loads(line) for line in run.out_lines]
    assert {r["status"] for r in records} == {"deleted"}
    from_cli = {r["key"] for r in records}

    outcome = delete_objects(ctx, twin, ["a.jpg", "never-there.txt"], ["photos/"])
    assert set(outcome.deleted) == from_cli
    assert {"a.jpg", "photos/p1.jpg", "photos/2026/p2.jpg"} <= from_cli
    assert not outcome.failed and outcome.folders_removed == 1
    assert (
        _left(ctx, seaweed_bucket)
        == _left(ctx, twin)
        == {
            "b.txt",
            "photos-old/p3.jpg",
            "docs/readme.md",
        }
    )
