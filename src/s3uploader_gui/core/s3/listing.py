"""Buckets and paged, delimiter-based object listings."""

from __future__ import annotations

import logging
import os
import threading
import urllib.parse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Loaded on first use (a worker thread), not at start-up: http.client and ssl bring
    # in some twenty modules that a cold start would read from disk.
    import http.client
    import ssl

    import urllib3

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import ListingLoop, ServerError, translate
from s3uploader_gui.core.s3.client import S3Client
from s3uploader_gui.core.s3.listing_parse import parse_listing, parse_or_none, peek_next_token
from s3uploader_gui.core.s3.listing_types import BucketInfo, ObjectInfo, Page

log = logging.getLogger(__name__)


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


_http_lock = threading.Lock()
_http: dict[str, urllib3.PoolManager] = {}
_ssl: dict[str, ssl.SSLContext] = {}


def _ca_certs() -> str:
    """The CA bundle botocore verifies with (AWS_CA_BUNDLE, else its own)."""
    import botocore.httpsession

    return str(os.environ.get("AWS_CA_BUNDLE") or botocore.httpsession.get_cert_path(True))


def _pool() -> urllib3.PoolManager:
    """A shared connection pool verifying TLS like botocore (AWS_CA_BUNDLE, else its CAs)."""
    import urllib3

    ca_certs = _ca_certs()
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


def _ssl_context() -> ssl.SSLContext:
    import ssl

    ca_certs = _ca_certs()
    with _http_lock:
        context = _ssl.get(ca_certs)
        if context is None:
            context = _ssl[ca_certs] = ssl.create_default_context(cafile=ca_certs)
        return context


def _fast_listing_allowed(client: S3Client) -> bool:
    """The fast path is a plain GET: not through proxies or with client certificates."""
    import urllib.request

    config = client.meta.config
    if getattr(config, "proxies", None) or urllib.request.getproxies():
        return False
    return not getattr(config, "client_cert", None)


def _list_url(client: S3Client, kwargs: dict[str, Any]) -> str:
    params = dict(kwargs, EncodingType="url")
    return str(client.generate_presigned_url("list_objects_v2", Params=params, ExpiresIn=900))


def _fast_list(client: S3Client, kwargs: dict[str, Any]) -> Page | None:
    """ListObjectsV2 as a presigned GET with its XML read by ``parse_listing`` (about 4×
    faster than botocore's response parser for 1,000 keys). None on any problem: the
    caller then asks botocore, which reports errors the usual way."""
    try:
        answer = _pool().request("GET", _list_url(client, kwargs), preload_content=True)
        if answer.status != 200:
            return None
        return parse_listing(answer.data, str(kwargs.get("Prefix", "")))
    except Exception:
        return None


def _list_args(bucket: str, prefix: str, delimiter: str | None, page_size: int) -> dict[str, Any]:
    """ListObjectsV2 arguments for one listing (without its continuation token)."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": page_size}
    if delimiter:
        kwargs["Delimiter"] = delimiter
    return kwargs


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
    kwargs = _list_args(bucket, prefix, delimiter, page_size)
    if token:
        kwargs["ContinuationToken"] = token
    # The first page always goes through botocore, so that every error (credentials,
    # clock skew, missing bucket...) is reported exactly; later pages of the same
    # listing take the fast path.
    page = None
    if token is not None and _fast_listing_allowed(client):
        page = _fast_list(client, kwargs)
    if page is None:
        page = _botocore_page(client, kwargs)
    if token is not None and page.next_token == token:
        raise ListingLoop(bucket, prefix, _SAME_TOKEN)
    return page


# Why a listing is refused (the words inside ListingLoop's sentence).
_SAME_TOKEN = "it sent the same continuation token again"
_SAME_PAGE = "it sent the same page again"
_NO_TOKEN = "it says more follows but gives no continuation token"


def _botocore_page(client: S3Client, kwargs: dict[str, Any]) -> Page:
    bucket, prefix = str(kwargs["Bucket"]), str(kwargs.get("Prefix", ""))
    try:
        answer = client.list_objects_v2(**kwargs)
    except Exception as exc:
        raise translate(exc, bucket=bucket) from exc
    truncated = bool(answer.get("IsTruncated"))
    if truncated and not answer.get("NextContinuationToken"):
        # Ending here would pass a partial listing off as the whole folder (a download
        # or delete that silently leaves the rest); asking again would loop.
        raise ListingLoop(bucket, prefix, _NO_TOKEN)
    prefixes = [p["Prefix"] for p in answer.get("CommonPrefixes", [])]
    # A "folder marker" object (key == prefix, ending in "/") is the folder itself, not a
    # child. A prefix without the slash is a plain key prefix: an object named exactly
    # like it ("ls s3://b/a.jpg") is a real match and must be listed.
    marker = prefix if prefix.endswith("/") else None
    contents = answer.get("Contents", [])
    if any("Key" not in o for o in contents):
        # Not an object anyone can name: dropping it would hide it from a delete or copy.
        raise ServerError(
            f"The server's listing of s3://{bucket}/{prefix} holds an object without a key.",
            code="ListingWithoutKey",
        )
    objects = [_object(o) for o in contents if o["Key"] != marker]
    next_token = answer.get("NextContinuationToken") if truncated else None
    return Page(prefixes=prefixes, objects=objects, next_token=next_token)


def _outline(page: Page) -> tuple[object, ...] | None:
    """What tells a page from the one before it (None for an empty page): no two pages
    of one listing hold the same keys."""
    objects, prefixes = page.objects, page.prefixes
    if not objects and not prefixes:
        return None
    return (
        len(objects),
        len(prefixes),
        objects[0].key if objects else None,
        objects[-1].key if objects else None,
        prefixes[0] if prefixes else None,
        prefixes[-1] if prefixes else None,
    )


#: The "token" of a listing's first page in ``PageStream``'s requests: none is sent.
_FIRST = ""


class PageStream:
    """The pages of one listing in order, each next request sent before the current page
    is parsed and left in flight between calls.

    The server prepares page N+1 while this process reads page N and the browser shows
    it, so a long listing costs about the server's own time instead of the sum of the
    server's and the client's. The connection stays open for the whole listing (one
    TCP/TLS handshake), and at most one response waits in it, so memory stays bounded.

    Every page, the first included, is a plain GET read by ``parse_listing``: botocore's
    reading of a page of 1,000 keys is tens of milliseconds of Python that holds the GIL
    while a window waits to paint. A page whose GET fails (an error, a redirect, an
    answer the reader declines) is asked of botocore instead, which reports the error
    exactly (or follows the redirect), and so is the rest of the stream. ``next_page`` is
    for one thread at a time; ``close`` may come from any thread (a connection in use is
    closed when its call returns).
    """

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        prefix: str = "",
        token: str | None = None,
        *,
        delimiter: str | None = "/",
        page_size: int = 1000,
    ) -> None:
        self._client = client
        self._kwargs = _list_args(bucket, prefix, delimiter, page_size)
        #: The continuation token of the page ``next_page`` returns (None: the first).
        self.token = token
        self.done = False
        # Every token asked for so far and the last page's outline: a server that hands
        # one back, or the same page again, would otherwise be asked forever.
        self._seen: set[str] = {token} if token else set()
        self._outline: tuple[object, ...] | None = None
        self._fast: bool | None = None  # decided on the first call (a worker thread)
        self._conn: http.client.HTTPConnection | None = None
        self._origin: tuple[str, str] = ("", "")
        self._pending: str | None = None  # the token whose request is in flight
        self._lock = threading.Lock()
        self._busy = False
        self._closed = False

    def next_page(self) -> Page:
        """The page for ``token``; raises ``AppError`` like ``list_page``."""
        with self._lock:
            if self._closed or self.done:
                raise ValueError("the listing stream is closed or finished")
            self._busy = True
        try:
            return self._next()
        finally:
            with self._lock:
                self._busy = False
                if self._closed:
                    self._disconnect()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if not self._busy:
                self._disconnect()

    def _next(self) -> Page:
        if self._fast is None:
            self._fast = _fast_listing_allowed(self._client)
        token = self.token
        page: Page | None = None
        if self._fast:
            body = self._receive(token or _FIRST)
            if body is not None:
                following = peek_next_token(body)
                if following is not None:
                    self._send(following)  # the server works on it while we parse
                page = parse_or_none(body, str(self._kwargs["Prefix"]))
        if page is None:
            self._fast = False  # it failed once: no second try for every page
            page = _botocore_page(self._client, self._with_token(token))
        self._check_advances(page)
        if self._pending is not None and self._pending != page.next_token:
            self._disconnect()
        self.token = page.next_token
        if page.next_token is None:
            self.done = True
            self._disconnect()
        elif self._pending is None and self._fast and not self._closed:
            self._send(page.next_token)
        return page

    def _check_advances(self, page: Page) -> None:
        """Raise ``ListingLoop`` (the stream left as it was, so a retry asks once more
        and fails the same way) unless ``page`` moves the listing on."""
        outline = _outline(page)
        if page.next_token is not None and page.next_token in self._seen:
            why = _SAME_TOKEN
        elif outline is not None and outline == self._outline:
            why = _SAME_PAGE
        else:
            if page.next_token is not None:
                self._seen.add(page.next_token)
            self._outline = outline
            return
        self._disconnect()  # a request for the repeated token may be in flight
        raise ListingLoop(str(self._kwargs["Bucket"]), str(self._kwargs["Prefix"]), why)

    def _with_token(self, token: str | None) -> dict[str, Any]:
        return dict(self._kwargs, ContinuationToken=token) if token else dict(self._kwargs)

    def _send(self, token: str) -> None:
        """Send the request for ``token`` without waiting for the answer."""
        import http.client

        try:
            parts = urllib.parse.urlsplit(_list_url(self._client, self._with_token(token)))
            origin = (parts.scheme, parts.netloc)
            if self._conn is None or origin != self._origin:
                self._disconnect()
                if parts.scheme == "https":
                    self._conn = http.client.HTTPSConnection(
                        parts.netloc, timeout=60, context=_ssl_context()
                    )
                else:
                    self._conn = http.client.HTTPConnection(parts.netloc, timeout=60)
                self._origin = origin
            self._conn.request("GET", f"{parts.path}?{parts.query}")
            self._pending = token
        except Exception as exc:
            log.debug("listing request not sent: %s", exc)
            self._disconnect()

    def _receive(self, token: str) -> bytes | None:
        """The answer for ``token`` (the one in flight, else a fresh request); None on
        any problem. A request left in flight may find its connection closed by the
        server meanwhile: it is sent once more on a new connection."""
        for _attempt in range(2):
            if self._pending != token:
                self._send(token)
            if self._conn is None or self._pending != token:
                return None
            try:
                answer = self._conn.getresponse()
                body = answer.read()
            except Exception as exc:
                log.debug("listing answer not read: %s", exc)
                self._disconnect()
                continue
            self._pending = None
            if answer.will_close:
                self._disconnect()
            return body if answer.status == 200 else None
        return None

    def _disconnect(self) -> None:
        conn, self._conn, self._pending = self._conn, None, None
        if conn is not None:
            conn.close()


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
    stream = PageStream(
        client, bucket, prefix, delimiter=None if recursive else "/", page_size=page_size
    )
    try:
        while not stream.done:
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield stream.next_page()
    finally:
        stream.close()
