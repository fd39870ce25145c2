"""Paged, delimiter-based listings on moto."""

from __future__ import annotations

from typing import Any

import pytest

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import BucketNotFound, Cancelled
from s3uploader_gui.core.s3.listing import iter_objects, list_buckets, list_page
from s3uploader_gui.core.s3.listing_types import ObjectInfo
from tests.core.conftest import Seeder


def test_list_buckets_sorted(moto_client: Any) -> None:
    for name in ("zeta-bucket", "alpha-bucket", "mid-bucket"):
        moto_client.create_bucket(Bucket=name)
    buckets = list_buckets(moto_client)
    assert [b.name for b in buckets] == ["alpha-bucket", "mid-bucket", "zeta-bucket"]
    assert all(b.created is not None for b in buckets)


def test_pagination_over_2500_keys(moto_client: Any, moto_bucket: str, seed: Seeder) -> None:
    keys = [f"many/{i:05d}.txt" for i in range(2500)]
    seed(moto_bucket, keys)
    seen: list[str] = []
    pages = 0
    token: str | None = None
    while True:
        page = list_page(moto_client, moto_bucket, "many/", token, page_size=1000)
        pages += 1
        assert page.prefixes == []
        seen.extend(o.key for o in page.objects)
        if page.is_last:
            break
        assert len(page.objects) == 1000
        token = page.next_token
    assert pages == 3
    assert seen == keys


def test_small_page_size(moto_client: Any, moto_bucket: str, seed: Seeder) -> None:
    seed(moto_bucket, [f"k{i:03d}" for i in range(25)])
    pages = list(iter_objects(moto_client, moto_bucket, page_size=10))
    assert [len(p.objects) for p in pages] == [10, 10, 5]
    assert pages[-1].next_token is None
    assert all(p.next_token for p in pages[:-1])


def test_prefixes_versus_objects(moto_client: Any, moto_bucket: str, seed: Seeder) -> None:
    seed(
        moto_bucket,
        [
            "top.txt",
            "photos/",  # folder marker
            "photos/a.jpg",
            "photos/b.jpg",
            "photos/2024/c.jpg",
            "photos/2024/d.jpg",
            "photos/2025/",
            "docs/readme.md",
        ],
    )
    root = list_page(moto_client, moto_bucket)
    assert root.prefixes == ["docs/", "photos/"]
    assert [o.key for o in root.objects] == ["top.txt"]
    assert root.is_last

    photos = list_page(moto_client, moto_bucket, "photos/")
    assert photos.prefixes == ["photos/2024/", "photos/2025/"]
    # The marker "photos/" is the folder itself, not one of its children.
    assert [o.key for o in photos.objects] == ["photos/a.jpg", "photos/b.jpg"]
    assert [o.name for o in photos.objects] == ["a.jpg", "b.jpg"]

    empty_folder = list_page(moto_client, moto_bucket, "photos/2025/")
    assert empty_folder.prefixes == []
    assert empty_folder.objects == []


def test_key_equal_to_a_non_folder_prefix_is_listed(
    moto_client: Any, moto_bucket: str, seed: Seeder
) -> None:
    """Only folder markers ("x/") are dropped; "ls s3://b/a.jpg" must show a.jpg."""
    seed(moto_bucket, ["a.jpg", "a.jpg.bak", "a.jpgx/inner", "b.jpg"])
    page = list_page(moto_client, moto_bucket, "a.jpg")
    assert [o.key for o in page.objects] == ["a.jpg", "a.jpg.bak"]
    assert page.prefixes == ["a.jpgx/"]
    flat = [o.key for p in iter_objects(moto_client, moto_bucket, "a.jpg") for o in p.objects]
    assert flat == ["a.jpg", "a.jpg.bak", "a.jpgx/inner"]


def test_object_info_fields(moto_client: Any, moto_bucket: str) -> None:
    moto_client.put_object(Bucket=moto_bucket, Key="dir/file.bin", Body=b"12345")
    (obj,) = list_page(moto_client, moto_bucket, "dir/").objects
    assert isinstance(obj, ObjectInfo)
    assert obj.size == 5
    assert obj.etag == "827ccb0eea8a706c4c34a16891f84e7b"  # md5("12345"), quotes stripped
    assert obj.last_modified is not None
    assert obj.name == "file.bin"
    assert ObjectInfo("a/b/", 0, None).name == "b"


def test_iter_objects_recursive(moto_client: Any, moto_bucket: str, seed: Seeder) -> None:
    keys = ["r/a", "r/b/c", "r/b/d/e", "r/f/", "other/x"]
    seed(moto_bucket, keys)
    recursive = [o.key for p in iter_objects(moto_client, moto_bucket, "r/") for o in p.objects]
    assert recursive == ["r/a", "r/b/c", "r/b/d/e", "r/f/"]
    pages = list(iter_objects(moto_client, moto_bucket, "r/", recursive=False))
    assert [o.key for p in pages for o in p.objects] == ["r/a"]
    assert [pref for p in pages for pref in p.prefixes] == ["r/b/", "r/f/"]


def test_iter_objects_honours_cancel(moto_client: Any, moto_bucket: str, seed: Seeder) -> None:
    seed(moto_bucket, [f"k{i:03d}" for i in range(30)])
    token = CancelToken()
    it = iter_objects(moto_client, moto_bucket, page_size=10, cancel=token)
    first = next(it)
    assert len(first.objects) == 10
    token.cancel()
    with pytest.raises(Cancelled):
        next(it)


def test_missing_bucket_is_translated(moto_client: Any) -> None:
    with pytest.raises(BucketNotFound) as info:
        list_page(moto_client, "no-such-bucket-here")
    assert "no-such-bucket-here" in info.value.message
