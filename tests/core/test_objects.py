"""Bucket and object operations on moto."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import Cancelled, ConfigError
from s3uploader_gui.core.objects import (
    DELETE_BATCH,
    bucket_exists,
    create_bucket,
    create_folder,
    delete_keys,
    delete_prefix,
    ensure_bucket,
)
from tests.conftest import unique_bucket
from tests.core.conftest import Seeder


def all_keys(client: Any, bucket: str) -> list[str]:
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return keys


def test_create_bucket_and_exists(moto_client: Any) -> None:
    name = unique_bucket()
    assert not bucket_exists(moto_client, name)
    create_bucket(moto_client, name)
    assert bucket_exists(moto_client, name)
    assert name in [b["Name"] for b in moto_client.list_buckets()["Buckets"]]


def test_create_bucket_outside_us_east_1(moto_client: Any) -> None:
    client = boto3.client("s3", region_name="eu-west-1")
    name = unique_bucket()
    create_bucket(client, name)
    assert client.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"


def test_create_bucket_invalid_name(moto_client: Any) -> None:
    with pytest.raises(ConfigError) as info:
        create_bucket(moto_client, "ab")
    assert "“ab”" in info.value.message


def test_ensure_bucket(moto_client: Any) -> None:
    name = unique_bucket()
    assert ensure_bucket(moto_client, name) is True
    assert ensure_bucket(moto_client, name) is False
    assert bucket_exists(moto_client, name)


def test_delete_keys_in_batches(moto_client: Any, moto_bucket: str, seed: Seeder) -> None:
    keys = [f"d/{i:05d}" for i in range(2 * DELETE_BATCH + 150)]
    seed(moto_bucket, [*keys, "keep/me"])
    calls: list[dict[str, Any]] = []
    batches: list[int] = []

    def spy(params: dict[str, Any], **kwargs: Any) -> None:
        calls.append(params)

    moto_client.meta.events.register("provide-client-params.s3.DeleteObjects", spy)
    try:
        result = delete_keys(moto_client, moto_bucket, iter(keys), progress=batches.append)
    finally:
        moto_client.meta.events.unregister("provide-client-params.s3.DeleteObjects", spy)
    assert [len(c["Delete"]["Objects"]) for c in calls] == [1000, 1000, 150]
    assert batches == [1000, 1000, 150]
    assert sorted(result.deleted) == keys
    assert result.failed == []
    assert all_keys(moto_client, moto_bucket) == ["keep/me"]


def test_delete_missing_keys_is_not_a_failure(moto_client: Any, moto_bucket: str) -> None:
    result = delete_keys(moto_client, moto_bucket, ["never/existed"])
    assert result.failed == []


def test_delete_keys_in_a_missing_bucket_fails_every_key(moto_client: Any) -> None:
    result = delete_keys(moto_client, "no-such-bucket-zz", ["a", "b"])
    assert result.deleted == []
    assert [k for k, _ in result.failed] == ["a", "b"]
    assert all(e.code == "NoSuchBucket" for _, e in result.failed)


def test_delete_keys_cancel(moto_client: Any, moto_bucket: str, seed: Seeder) -> None:
    seed(moto_bucket, ["a", "b"])
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        delete_keys(moto_client, moto_bucket, ["a", "b"], cancel=token)
    assert all_keys(moto_client, moto_bucket) == ["a", "b"]


def test_delete_prefix(moto_client: Any, moto_bucket: str, seed: Seeder) -> None:
    inside = ["f/", "f/a", "f/sub/b", "f/sub/c/"] + [f"f/many/{i:04d}" for i in range(1100)]
    outside = ["f", "fa/x", "g/f/a", "top"]
    seed(moto_bucket, inside + outside)
    result = delete_prefix(moto_client, moto_bucket, "f/")
    assert result.failed == []
    assert set(inside) <= set(result.deleted)
    assert sorted(all_keys(moto_client, moto_bucket)) == sorted(outside)


def test_delete_prefix_without_trailing_slash_stays_in_the_folder(
    moto_client: Any, moto_bucket: str, seed: Seeder
) -> None:
    seed(moto_bucket, ["photos/", "photos/a.jpg", "photos-old/b.jpg", "photos"])
    delete_prefix(moto_client, moto_bucket, "photos")
    assert sorted(all_keys(moto_client, moto_bucket)) == ["photos", "photos-old/b.jpg"]


def test_create_folder(moto_client: Any, moto_bucket: str) -> None:
    assert create_folder(moto_client, moto_bucket, "new/sub") == "new/sub/"
    assert create_folder(moto_client, moto_bucket, "other/") == "other/"
    head = moto_client.head_object(Bucket=moto_bucket, Key="new/sub/")
    assert head["ContentLength"] == 0
    assert sorted(all_keys(moto_client, moto_bucket)) == ["new/sub/", "other/"]
