"""Buckets and paged, delimiter-based object listings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import translate
from s3uploader_gui.core.s3client import S3Client


@dataclass(frozen=True)
class BucketInfo:
    name: str
    created: dt.datetime | None


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    last_modified: dt.datetime | None
    etag: str = ""
    storage_class: str = ""

    @property
    def name(self) -> str:
        """The last path component of the key."""
        return self.key.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Page:
    """One page of a listing: folders (common prefixes), objects and the next token."""

    prefixes: list[str]
    objects: list[ObjectInfo]
    next_token: str | None

    @property
    def is_last(self) -> bool:
        return self.next_token is None


def list_buckets(client: S3Client) -> list[BucketInfo]:
    """All buckets the credentials can see, sorted by name."""
    try:
        answer = client.list_buckets()
    except Exception as exc:
        raise translate(exc) from exc
    buckets = [BucketInfo(b["Name"], b.get("CreationDate")) for b in answer.get("Buckets", [])]
    return sorted(buckets, key=lambda b: b.name)


def _object(entry: Any) -> ObjectInfo:
    return ObjectInfo(
        key=entry["Key"],
        size=int(entry.get("Size", 0)),
        last_modified=entry.get("LastModified"),
        etag=str(entry.get("ETag", "")).strip('"'),
        storage_class=str(entry.get("StorageClass", "")),
    )


def list_page(
    client: S3Client,
    bucket: str,
    prefix: str = "",
    token: str | None = None,
    *,
    delimiter: str | None = "/",
    page_size: int = 1000,
) -> Page:
    """One ``ListObjectsV2`` page under ``prefix``; folders come back as prefixes."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": page_size}
    if delimiter:
        kwargs["Delimiter"] = delimiter
    if token:
        kwargs["ContinuationToken"] = token
    try:
        answer = client.list_objects_v2(**kwargs)
    except Exception as exc:
        raise translate(exc, bucket=bucket) from exc
    prefixes = [p["Prefix"] for p in answer.get("CommonPrefixes", [])]
    # A "folder marker" object (key == prefix, ending in "/") is the folder itself, not a
    # child. A prefix without the slash is a plain key prefix: an object named exactly
    # like it ("ls s3://b/a.jpg") is a real match and must be listed.
    marker = prefix if prefix.endswith("/") else None
    objects = [_object(o) for o in answer.get("Contents", []) if o["Key"] != marker]
    next_token = answer.get("NextContinuationToken") if answer.get("IsTruncated") else None
    return Page(prefixes=prefixes, objects=objects, next_token=next_token)


def iter_objects(
    client: S3Client,
    bucket: str,
    prefix: str = "",
    *,
    recursive: bool = True,
    cancel: CancelToken | None = None,
    page_size: int = 1000,
) -> Iterator[Page]:
    """Every page under ``prefix`` (all depths when ``recursive``)."""
    token: str | None = None
    while True:
        if cancel is not None:
            cancel.raise_if_cancelled()
        page = list_page(
            client,
            bucket,
            prefix,
            token,
            delimiter=None if recursive else "/",
            page_size=page_size,
        )
        yield page
        if page.next_token is None:
            return
        token = page.next_token
