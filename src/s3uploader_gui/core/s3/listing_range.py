"""One page of the objects directly under a folder-like prefix from a given key on
(ListObjectsV2 with ``Delimiter=/`` and ``StartAfter``), on the lean path or botocore's.

The upload engine reads it to learn which of its planned keys exist. Only one level is
listed, with the delimiter: a recursive listing is not in key order on every server
(SeaweedFS walks its folders depth first, so ``a/x`` comes before ``a.txt`` there and a
``StartAfter`` of ``a.tx`` skips ``a/x``), while the objects of one folder are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from s3uploader_gui.core.errors import ServerError
from s3uploader_gui.core.s3.listing_parse import parse_listing
from s3uploader_gui.core.s3.listing_types import ObjectInfo, Page

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.client import S3Client
    from s3uploader_gui.core.s3.fastput import FastPut


def _query(prefix: str, start_after: str, token: str | None, page_size: int) -> str:
    """The canonical query (encoded, names sorted) of a ListObjectsV2 request."""
    params = {
        "delimiter": "/",
        "encoding-type": "url",
        "list-type": "2",
        "max-keys": str(page_size),
        "prefix": prefix,
    }
    if token:
        params["continuation-token"] = token
    if start_after:
        params["start-after"] = start_after
    return "&".join(f"{n}={quote(v, safe='-_.~')}" for n, v in sorted(params.items()))


def folder_page(
    bucket: str,
    prefix: str,
    start_after: str,
    token: str | None,
    page_size: int,
    *,
    fast: FastPut | None = None,
    client: S3Client | None = None,
) -> Page:
    """One page of the objects directly under ``prefix`` whose keys sort after
    ``start_after`` ("" for all), through ``fast`` when given, else ``client``.
    Raises the transport's error (botocore's ClientError on both paths), or ServerError
    for an answer that is not a listing."""
    if fast is not None:
        query = _query(prefix, start_after, token, page_size)
        # FastPut signs and sends any S3 request; ListObjectsV2 is a GET of the bucket.
        _, data = fast._send("GET", "ListObjectsV2", bucket, None, query, {}, None, 0)
        page = parse_listing(data, prefix)
        if page is None:
            raise ServerError(
                f"The server's listing of s3://{bucket}/{prefix} could not be read.",
                code="ListingUnreadable",
            )
        return page
    assert client is not None
    kwargs: dict[str, Any] = {
        "Bucket": bucket,
        "Prefix": prefix,
        "Delimiter": "/",
        "MaxKeys": page_size,
    }
    if start_after:
        kwargs["StartAfter"] = start_after
    if token:
        kwargs["ContinuationToken"] = token
    answer = client.list_objects_v2(**kwargs)
    objects = [
        ObjectInfo(
            key=str(o["Key"]),
            size=int(o.get("Size", 0)),
            last_modified=o.get("LastModified"),
            etag=str(o.get("ETag", "")).strip('"'),
        )
        for o in answer.get("Contents", [])
        if "Key" in o
    ]
    prefixes = [str(p["Prefix"]) for p in answer.get("CommonPrefixes", [])]
    truncated = bool(answer.get("IsTruncated"))
    next_token = answer.get("NextContinuationToken") if truncated else None
    if truncated and not next_token:
        raise ServerError(
            f"The server's listing of s3://{bucket}/{prefix} says more follows but gives "
            "no continuation token.",
            code="ListingLoop",
        )
    return Page(prefixes=prefixes, objects=objects, next_token=next_token)
