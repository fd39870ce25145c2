"""Presigned (SigV4) and public links."""

from __future__ import annotations

import os
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from s3uploader_gui.core.errors import ConfigError
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.sharing import (
    DEFAULT_EXPIRY_SECONDS,
    MAX_EXPIRY_SECONDS,
    presigned_get_url,
    public_url,
)


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_presigned_url_is_sigv4(moto_context: S3Context, http_bucket: str) -> None:
    url = presigned_get_url(moto_context.client, http_bucket, "a/b.jpg", expires=600)
    q = query(url)
    assert q["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert q["X-Amz-Expires"] == ["600"]
    assert "X-Amz-Signature" in q
    assert "X-Amz-Credential" in q
    # Not SigV2 (the boto3 default for custom endpoints).
    assert "AWSAccessKeyId" not in q and "Signature" not in q
    assert url.startswith(moto_context.settings.endpoint_url or "?")
    assert f"/{http_bucket}/a/b.jpg?" in url  # path style on a custom endpoint
    assert "testing" not in q["X-Amz-Signature"][0]


def test_default_and_maximum_expiry(moto_context: S3Context) -> None:
    client = moto_context.client
    assert query(presigned_get_url(client, "bkt", "k"))["X-Amz-Expires"] == [
        str(DEFAULT_EXPIRY_SECONDS)
    ]
    assert MAX_EXPIRY_SECONDS == 604800
    assert query(presigned_get_url(client, "bkt", "k", MAX_EXPIRY_SECONDS))["X-Amz-Expires"] == [
        "604800"
    ]


@pytest.mark.parametrize("expires", [0, -5, MAX_EXPIRY_SECONDS + 1, 30 * 24 * 3600])
def test_expiry_out_of_range(moto_context: S3Context, expires: int) -> None:
    with pytest.raises(ConfigError) as info:
        presigned_get_url(moto_context.client, "bkt", "k", expires)
    assert "7 days" in info.value.message


@pytest.mark.parametrize("key", ["photo.jpg", "dir/sub/été 2024 #1+%.bin"])
def test_presigned_url_downloads_the_bytes(
    moto_context: S3Context, http_bucket: str, key: str
) -> None:
    body = os.urandom(70_000)
    moto_context.client.put_object(Bucket=http_bucket, Key=key, Body=body)
    url = presigned_get_url(moto_context.client, http_bucket, key, expires=120)
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.status == 200
        assert answer.read() == body


# -- public urls -----------------------------------------------------------------------
def test_public_url_path_style() -> None:
    assert (
        public_url("http://127.0.0.1:8333", "pics", "a/b c.jpg", path_style=True)
        == "http://127.0.0.1:8333/pics/a/b%20c.jpg"
    )
    # An endpoint with a path and a trailing slash.
    assert (
        public_url("https://example.org/s3/", "pics", "x.png", path_style=True)
        == "https://example.org/s3/pics/x.png"
    )


def test_public_url_virtual_style() -> None:
    assert (
        public_url("https://s3.eu-west-1.amazonaws.com", "pics", "a/b.jpg", path_style=False)
        == "https://pics.s3.eu-west-1.amazonaws.com/a/b.jpg"
    )


@pytest.mark.parametrize(
    ("key", "encoded"),
    [
        ("a b.jpg", "a%20b.jpg"),
        ("a+b.jpg", "a%2Bb.jpg"),
        ("a#b.jpg", "a%23b.jpg"),
        ("a?b.jpg", "a%3Fb.jpg"),
        ("100%.jpg", "100%25.jpg"),
        ("été/日本.jpg", "%C3%A9t%C3%A9/%E6%97%A5%E6%9C%AC.jpg"),
        ("~user/x", "~user/x"),
        ("a&b=c.jpg", "a%26b%3Dc.jpg"),
    ],
)
def test_public_url_quotes_odd_keys(key: str, encoded: str) -> None:
    assert public_url("http://h:1", "b", key, path_style=True) == f"http://h:1/b/{encoded}"
    assert public_url("http://h:1", "b", key, path_style=False) == f"http://b.h:1/{encoded}"
    assert public_url("x", "b", key, path_style=True, base_url="https://cdn.example.com/") == (
        f"https://cdn.example.com/{encoded}"
    )


def test_public_url_base_url_wins() -> None:
    url = public_url(
        "https://s3.amazonaws.com",
        "pics",
        "2024/a.jpg",
        path_style=False,
        base_url="https://cdn.example.com/images",
    )
    assert url == "https://cdn.example.com/images/2024/a.jpg"


def test_public_url_fetches_a_public_object(moto_context: S3Context, http_bucket: str) -> None:
    key = "pub/a b+c.txt"
    moto_context.client.put_object(Bucket=http_bucket, Key=key, Body=b"public", ACL="public-read")
    url = public_url(moto_context.endpoint, http_bucket, key, path_style=True)
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"public"
