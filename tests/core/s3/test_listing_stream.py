"""The pipelined listing stream (moto over HTTP, SeaweedFS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from s3uploader_gui.core.errors import BucketNotFound
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.listing import PageStream, iter_objects, list_page
from s3uploader_gui.core.s3.listing_types import Page


def _put(context: S3Context, bucket: str, keys: list[str]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client = context.client
    with ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda k: client.put_object(Bucket=bucket, Key=k, Body=b"x"), keys))


def _all_pages(client: Any, bucket: str, prefix: str, page_size: int) -> list[Page]:
    pages, token = [], None
    while True:
        page = list_page(client, bucket, prefix, token, page_size=page_size)
        pages.append(page)
        token = page.next_token
        if token is None:
            return pages


@pytest.mark.parametrize("server", ["moto", "seaweed"])
def test_stream_gives_the_pages_of_list_page_with_the_next_request_in_flight(
    request: pytest.FixtureRequest, server: str
) -> None:
    context: S3Context = request.getfixturevalue(f"{server}_context")
    client = context.client
    bucket = f"stream-{server}-{dt.datetime.now().strftime('%H%M%S%f')}"
    client.create_bucket(Bucket=bucket)
    keys = [f"s/k{i:03}&+%.txt" for i in range(45)] + ["s/sub/x.txt", "s/"]
    _put(context, bucket, keys)
    expected = _all_pages(client, bucket, "s/", 10)
    stream = PageStream(client, bucket, "s/", page_size=10)
    got = []
    try:
        while not stream.done:
            got.append(stream.next_page())
            if not stream.done:
                # The server already has the request for the next page.
                assert stream._pending == stream.token == got[-1].next_token
    finally:
        stream.close()
        # SeaweedFS (weed mini) takes about 47 buckets with objects, then fails every
        # new one: the session server is shared, so this one is given back.
        for key in keys:
            client.delete_object(Bucket=bucket, Key=key)
        client.delete_bucket(Bucket=bucket)
    assert got == expected
    assert [o.key for p in got for o in p.objects] == sorted(k for k in keys[:-2])
    assert [f for p in got for f in p.prefixes] == ["s/sub/"]
    assert stream._conn is None  # finished: the connection is closed


def test_stream_survives_a_connection_closed_under_its_request(
    moto_context: S3Context, http_bucket: str
) -> None:
    client = moto_context.client
    _put(moto_context, http_bucket, [f"c/{i:02}" for i in range(30)])
    stream = PageStream(client, http_bucket, "c/", page_size=10)
    first = stream.next_page()
    assert stream._conn is not None and stream._pending == first.next_token
    stream._conn.sock.close()  # as if the server or a proxy dropped the idle connection
    second = stream.next_page()
    third = stream.next_page()
    assert [o.key for o in first.objects + second.objects + third.objects] == [
        f"c/{i:02}" for i in range(30)
    ]
    assert stream.done


def test_stream_reports_errors_like_list_page(moto_context: S3Context, http_bucket: str) -> None:
    client = moto_context.client
    _put(moto_context, http_bucket, [f"e/{i:02}" for i in range(30)])
    stream = PageStream(client, http_bucket, "e/", page_size=10)
    stream.next_page()
    for obj in client.list_objects_v2(Bucket=http_bucket)["Contents"]:
        client.delete_object(Bucket=http_bucket, Key=obj["Key"])
    client.delete_bucket(Bucket=http_bucket)
    # The request in flight may have been answered before the bucket went, the one
    # after it cannot: its GET fails and botocore then says exactly why.
    with pytest.raises(BucketNotFound):
        for _ in range(2):
            stream.next_page()
    stream.close()
    with pytest.raises(ValueError):
        stream.next_page()


def test_iter_objects_streams_and_closes(moto_context: S3Context, http_bucket: str) -> None:
    client = moto_context.client
    _put(moto_context, http_bucket, [f"i/{i:02}" for i in range(25)])
    pages = iter_objects(client, http_bucket, "i/", page_size=10)
    first = next(pages)
    assert len(first.objects) == 10
    pages.close()  # an abandoned listing releases its connection
    flat = [o.key for p in iter_objects(client, http_bucket, "i/", page_size=10) for o in p.objects]
    assert flat == [f"i/{i:02}" for i in range(25)]


def test_no_page_is_read_by_botocore_when_the_plain_get_works(
    moto_context: S3Context, http_bucket: str
) -> None:
    """Not even the first: botocore's reading of a page is Python that holds the GIL
    for tens of milliseconds while the window waits to paint."""
    client = moto_context.client
    _put(moto_context, http_bucket, [f"f/{i:02}" for i in range(25)])
    calls: list[str] = []

    def count(**kwargs: Any) -> None:
        calls.append("ListObjectsV2")

    client.meta.events.register("before-call.s3.ListObjectsV2", count)
    try:
        pages = list(iter_objects(client, http_bucket, "f/", page_size=10))
    finally:
        client.meta.events.unregister("before-call.s3.ListObjectsV2", count)
    assert [o.key for p in pages for o in p.objects] == [f"f/{i:02}" for i in range(25)]
    assert len(pages) == 3 and calls == []


def test_a_first_page_refused_is_asked_of_botocore_which_says_why(
    moto_context: S3Context,
) -> None:
    client = moto_context.client
    calls: list[str] = []

    def count(**kwargs: Any) -> None:
        calls.append("ListObjectsV2")

    client.meta.events.register("before-call.s3.ListObjectsV2", count)
    stream = PageStream(client, "no-such-bucket-for-the-stream", "")
    try:
        with pytest.raises(BucketNotFound):
            stream.next_page()
    finally:
        client.meta.events.unregister("before-call.s3.ListObjectsV2", count)
        stream.close()
    assert calls == ["ListObjectsV2"]
