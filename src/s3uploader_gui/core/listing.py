"""Buckets and paged, delimiter-based object listings."""

from __future__ import annotations

import datetime as dt
import os
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus
from xml.etree import ElementTree

if TYPE_CHECKING:  # loaded on first use (a worker thread), not at start-up
    import urllib3

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


def bucket_region(client: S3Client, bucket: str) -> str:
    """The region of ``bucket`` (GetBucketLocation; an empty answer means us-east-1)."""
    try:
        answer = client.get_bucket_location(Bucket=bucket)
    except Exception as exc:
        raise translate(exc, bucket=bucket) from exc
    location = answer.get("LocationConstraint") or "us-east-1"
    # Very old buckets answer "EU" for eu-west-1.
    return "eu-west-1" if location == "EU" else str(location)


def _object(entry: Any) -> ObjectInfo:
    return ObjectInfo(
        key=entry["Key"],
        size=int(entry.get("Size", 0)),
        last_modified=entry.get("LastModified"),
        etag=str(entry.get("ETag", "")).strip('"'),
        storage_class=str(entry.get("StorageClass", "")),
    )


_S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
_http_lock = threading.Lock()
_http: dict[str, urllib3.PoolManager] = {}


def _pool() -> urllib3.PoolManager:
    """A shared connection pool verifying TLS like botocore (AWS_CA_BUNDLE, else its CAs)."""
    import botocore.httpsession
    import urllib3

    ca_certs = str(os.environ.get("AWS_CA_BUNDLE") or botocore.httpsession.get_cert_path(True))
    with _http_lock:
        pool = _http.get(ca_certs)
        if pool is None:
            pool = _http[ca_certs] = urllib3.PoolManager(
                maxsize=8,
                cert_reqs="CERT_REQUIRED",
                ca_certs=ca_certs,
                timeout=urllib3.Timeout(connect=10, read=60),
                retries=False,
            )
        return pool


def _fast_listing_allowed(client: S3Client) -> bool:
    """The fast path is a plain GET: not through proxies or with client certificates."""
    config = client.meta.config
    if getattr(config, "proxies", None) or urllib.request.getproxies():
        return False
    return not getattr(config, "client_cert", None)


def _fast_list(client: S3Client, kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """ListObjectsV2 as a presigned GET parsed with ElementTree (about 4× faster than
    botocore's response parser for 1,000 keys). None on any problem: the caller then
    asks botocore, which reports errors the usual way."""
    try:
        params = dict(kwargs, EncodingType="url")
        url = client.generate_presigned_url("list_objects_v2", Params=params, ExpiresIn=900)
        answer = _pool().request("GET", url, preload_content=True)
        if answer.status != 200:
            return None
        root = ElementTree.fromstring(answer.data)
    except Exception:
        return None
    ns = _S3_NS
    # Keys come URL-encoded only when the server says so (as botocore decodes them).
    decode = unquote_plus if root.findtext(ns + "EncodingType") == "url" else str

    def text(node: ElementTree.Element, name: str) -> str:
        return node.findtext(ns + name) or ""

    contents = []
    for e in root.iter(ns + "Contents"):
        modified = text(e, "LastModified")
        contents.append(
            {
                "Key": decode(text(e, "Key")),
                "Size": int(text(e, "Size") or 0),
                "LastModified": _parse_time(modified) if modified else None,
                "ETag": text(e, "ETag"),
                "StorageClass": text(e, "StorageClass"),
            }
        )
    prefixes = [{"Prefix": decode(text(e, "Prefix"))} for e in root.iter(ns + "CommonPrefixes")]
    return {
        "Contents": contents,
        "CommonPrefixes": prefixes,
        "IsTruncated": text(root, "IsTruncated") == "true",
        "NextContinuationToken": text(root, "NextContinuationToken") or None,
    }


def _parse_time(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


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
    # The first page always goes through botocore, so that every error (credentials,
    # clock skew, missing bucket...) is reported exactly; later pages of the same
    # listing take the fast path.
    fast = token is not None and _fast_listing_allowed(client)
    answer: Any = _fast_list(client, kwargs) if fast else None
    if answer is None:
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
