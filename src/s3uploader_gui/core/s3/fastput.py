"""PutObject and UploadPart over one plain connection per thread and host, signed here.

botocore spends about 2 ms of CPU on each request (its event hooks, parameter
validation, serialisers, urllib3). For a thousand 100 KiB files that is more than the
server needs to store them, and on a two-core computer the client's CPU is taken from
the local server. This module sends the requests that carry data (PutObject,
UploadPart), HeadObject, HeadBucket and a multipart upload's create, complete and abort,
with a small SigV4 signer (``signing``) and ``http.client``-style framing (``http``): about
a tenth of the CPU, and a command-line upload never builds a botocore client.

Every way of connecting takes it (``fastput_setup`` decides, and declines cleanly to
botocore where it cannot send exactly what botocore would): any credentials botocore
resolves (read afresh for every request, so refreshed ones are used), a custom endpoint
or AWS itself, path-style or virtual-hosted addressing (``routing``), HTTP or HTTPS.
Like botocore, a request that the server turns away because the bucket lives in another
region (301, PermanentRedirect, AuthorizationHeaderMalformed naming the region) is sent
once more to that region, which is then remembered for the bucket. Headers that are not
plain ASCII stay on botocore. Errors come back as botocore's own exception types, so
``errors.translate`` and the engine's retries treat both paths alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from s3uploader_gui.core.s3.fastput_routes import RegionBook, Route, Routes
from s3uploader_gui.core.s3.http import (
    SMALL,
    Body,
    Prepare,
    client_error,
    parse_head,
    xml_fields,
)
from s3uploader_gui.core.s3.routing import Addressing, Style
from s3uploader_gui.core.s3.signing import UNSIGNED_PAYLOAD
from s3uploader_gui.core.s3.signing import Credentials as Credentials
from s3uploader_gui.core.s3.steps import Wire

if TYPE_CHECKING:
    import datetime as dt

_EMPTY = io.BytesIO(b"")  # a zero-length body: read(0) only, shared safely
_S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"

#: botocore parameter → HTTP header, for what PutObject/CreateMultipartUpload carry here.
_HEADERS = {
    "ContentType": "content-type",
    "CacheControl": "cache-control",
    "ContentDisposition": "content-disposition",
    "ContentEncoding": "content-encoding",
    "ContentLanguage": "content-language",
    "StorageClass": "x-amz-storage-class",
    "ServerSideEncryption": "x-amz-server-side-encryption",
    "SSEKMSKeyId": "x-amz-server-side-encryption-aws-kms-key-id",
    "ACL": "x-amz-acl",
}

#: Response header → botocore's HeadObject field, for the strings passed through as they are.
_HEAD_FIELDS = {
    "cache-control": "CacheControl",
    "content-disposition": "ContentDisposition",
    "x-amz-storage-class": "StorageClass",
    "x-amz-server-side-encryption": "ServerSideEncryption",
    "x-amz-checksum-crc32": "ChecksumCRC32",
    "x-amz-checksum-crc32c": "ChecksumCRC32C",
    "x-amz-checksum-crc64nvme": "ChecksumCRC64NVME",
    "x-amz-checksum-sha256": "ChecksumSHA256",
    "x-amz-checksum-sha1": "ChecksumSHA1",
    "x-amz-checksum-type": "ChecksumType",  # FULL_OBJECT or COMPOSITE (multipart)
    "x-amz-version-id": "VersionId",
}


@dataclass
class Request:
    """What a ``before-send`` handler sees: headers and, when held in memory, the body."""

    operation: str
    headers: dict[str, str]
    body: bytes | None
    #: The request line's target: the encoded path and query.
    target: str = ""


Handler = Callable[..., Any]


class FastPut(Routes):
    """Signs and sends S3 requests; thread-safe (a connection per thread and host).

    ``endpoint_url`` None is AWS itself; ``style`` is the addressing (``routing``);
    ``sign_payload`` None hashes bodies only over plain HTTP to another computer (over
    TLS, or on this computer, the CRC32 checksum header guards the bytes); ``regions``
    shares what is known of each bucket's region with the connection (``S3Context``).
    """

    def __init__(
        self,
        endpoint_url: str | None,
        region: str,
        credentials: Callable[[], Credentials],
        *,
        sign_payload: bool | None = None,
        style: Style = "path",
        us_east_1_regional: bool = False,
        ca_file: str | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        regions: RegionBook | None = None,
    ) -> None:
        super().__init__(
            Addressing(endpoint_url, style, us_east_1_regional),
            region,
            credentials,
            ca_file=ca_file,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            regions=regions,
        )
        self.endpoint_url = endpoint_url
        if sign_payload is None:
            from s3uploader_gui.core.s3.client import is_loopback_http

            sign_payload = not (self.https or is_loopback_http(endpoint_url))
        self.sign_payload = sign_payload
        self._lock = threading.Lock()
        self._handlers: list[tuple[str, Handler]] = []

    def register(self, event: str, handler: Handler) -> None:
        """Call ``handler`` like botocore's event of the same name: ``before-send.s3[.Op]``
        with ``request=``, ``after-call.s3[.Op]`` with ``parsed=`` (for diagnostics and
        for tests that observe or disturb requests on either path)."""
        with self._lock:
            self._handlers = [*self._handlers, (event, handler)]

    def unregister(self, event: str, handler: Handler) -> None:
        with self._lock:
            self._handlers = [h for h in self._handlers if h != (event, handler)]

    def _emit(self, kind: str, operation: str, **kwargs: Any) -> None:
        name = f"{kind}.s3.{operation}"
        for event, handler in self._handlers:
            if name == event or name.startswith(event + "."):
                handler(event_name=name, **kwargs)

    # -- the operations ------------------------------------------------------------------------
    def put_object(
        self,
        bucket: str,
        key: str,
        body: Body,
        length: int,
        crc32: str,
        headers: Mapping[str, str],
        *,
        if_none_match: bool = False,
    ) -> dict[str, Any]:
        """PutObject with ``headers`` (from ``headers_for``); the answer carries ``ETag``
        and ``ChecksumCRC32`` like botocore's. ``if_none_match``: only if the key holds
        nothing (``If-None-Match: *``; a server that honours it answers 412 otherwise)."""
        headers = _put_headers(headers, crc32, if_none_match)
        return self._stored("PutObject", bucket, key, "", headers, body, length)

    def put_step(
        self,
        bucket: str,
        key: str,
        body: Body,
        length: int,
        crc32: str,
        headers: Mapping[str, str],
        *,
        if_none_match: bool = False,
    ) -> Wire:
        """``put_object`` as a step of a pipelined task (``pipeline``): the same request,
        which the pipeline may send itself; ``length`` must be at most ``SMALL``."""
        sent = _put_headers(headers, crc32, if_none_match)
        route = self.route(bucket)
        prepare = self._prepare_for("PUT", "PutObject", key, "", sent, body, length)(route)

        def finish(answer: dict[str, str], _: bytes) -> dict[str, Any]:
            return self._stored_answer("PutObject", answer)

        def refused(status: int, answer: dict[str, str], data: bytes) -> BaseException | None:
            error = client_error("PutObject", status, answer, data)
            region = self._redirect_region(bucket, route, "PutObject", error)
            if region is None:
                return error
            self._move(bucket, region)
            return None  # ``blocking`` sends it to the bucket's region

        def blocking() -> dict[str, Any]:
            body.seek(0)
            return self.put_object(
                bucket, key, body, length, crc32, headers, if_none_match=if_none_match
            )

        return Wire(route.connections, "PUT", prepare, body, finish, refused, blocking)

    def upload_part(
        self, bucket: str, key: str, upload_id: str, number: int, body: Body, length: int,
        crc32: str,
    ) -> dict[str, Any]:  # fmt: skip
        """UploadPart of a multipart upload created with ChecksumAlgorithm=CRC32."""
        query = f"partNumber={number}&uploadId={quote(upload_id, safe='-_.~')}"
        headers = {"x-amz-checksum-crc32": crc32}
        return self._stored("UploadPart", bucket, key, query, headers, body, length)

    def head_object(self, bucket: str, key: str) -> dict[str, Any]:
        """HeadObject with ChecksumMode=ENABLED, answered like botocore's (the fields the
        conflict checks read: size, ETag, date, type, checksums, metadata)."""
        headers = {"x-amz-checksum-mode": "ENABLED"}
        h, _ = self._send("HEAD", "HeadObject", bucket, key, "", headers, None, 0)
        answer: dict[str, Any] = {
            "ContentLength": int(h.get("content-length", 0)),
            "ETag": h.get("etag", ""),
            "ContentType": h.get("content-type", ""),
            "Metadata": {k[11:]: v for k, v in h.items() if k.startswith("x-amz-meta-")},
        }
        if "last-modified" in h:
            with contextlib.suppress(TypeError, ValueError):
                answer["LastModified"] = http_date(h["last-modified"])
        for header, name in _HEAD_FIELDS.items():
            if header in h:
                answer[name] = h[header]
        if self._handlers:
            self._emit("after-call", "HeadObject", parsed=answer)
        return answer

    def head_bucket(self, *, Bucket: str) -> dict[str, Any]:  # botocore's keyword
        """HeadBucket, answered like botocore's (``core.objects.bucket_exists`` and the
        region lookup read ``ResponseMetadata``); a refusal raises botocore's ClientError."""
        h, _ = self._send("HEAD", "HeadBucket", Bucket, None, "", {}, None, 0)
        answer: dict[str, Any] = {
            "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": h},
        }
        if "x-amz-bucket-region" in h:
            answer["BucketRegion"] = h["x-amz-bucket-region"]
        return answer

    def create_multipart_upload(
        self, bucket: str, key: str, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """CreateMultipartUpload with ChecksumAlgorithm=CRC32 and ``headers`` (from
        ``headers_for``); the answer carries ``UploadId`` like botocore's."""
        headers = dict(headers, **{"x-amz-checksum-algorithm": "CRC32"})
        operation = "CreateMultipartUpload"
        h, data = self._send("POST", operation, bucket, key, "uploads=", headers, _EMPTY, 0)
        fields = xml_fields(operation, h, data)
        if not fields.get("UploadId"):
            raise client_error(operation, 500, h, data)  # a 200 without an upload id
        answer: dict[str, Any] = {"UploadId": fields["UploadId"]}
        if self._handlers:
            self._emit("after-call", operation, parsed=answer)
        return answer

    def complete_multipart_upload(
        self, bucket: str, key: str, upload_id: str, parts: list[tuple[int, str, str]]
    ) -> dict[str, Any]:
        """CompleteMultipartUpload of ``parts`` (number, ETag, CRC32); the answer carries
        ``ETag`` and ``ChecksumCRC32`` (the composite) like botocore's."""
        xml = "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{_xml_text(etag)}</ETag>"
            f"<ChecksumCRC32>{_xml_text(crc)}</ChecksumCRC32></Part>"
            for n, etag, crc in parts
        )
        body = (
            f'<CompleteMultipartUpload xmlns="{_S3_XMLNS}">{xml}</CompleteMultipartUpload>'
        ).encode()
        operation = "CompleteMultipartUpload"
        query = f"uploadId={quote(upload_id, safe='-_.~')}"
        headers = {"content-type": "application/xml"}
        h, data = self._send(
            "POST", operation, bucket, key, query, headers, io.BytesIO(body), len(body)
        )
        # S3 may answer 200 and report the failure in the body (after a long assembly).
        fields = xml_fields(operation, h, data)
        answer: dict[str, Any] = {"ETag": fields.get("ETag", "")}
        if fields.get("ChecksumCRC32"):
            answer["ChecksumCRC32"] = fields["ChecksumCRC32"]
        if self._handlers:
            self._emit("after-call", operation, parsed=answer)
        return answer

    def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        """AbortMultipartUpload (a missing upload raises NoSuchUpload, as botocore does)."""
        query = f"uploadId={quote(upload_id, safe='-_.~')}"
        self._send("DELETE", "AbortMultipartUpload", bucket, key, query, {}, None, 0)
        if self._handlers:
            self._emit("after-call", "AbortMultipartUpload", parsed={})

    def _stored(
        self,
        operation: str,
        bucket: str,
        key: str,
        query: str,
        headers: dict[str, str],
        body: Body,
        length: int,
    ) -> dict[str, Any]:
        h, _ = self._send("PUT", operation, bucket, key, query, headers, body, length)
        return self._stored_answer(operation, h)

    def _stored_answer(self, operation: str, h: Mapping[str, str]) -> dict[str, Any]:
        answer: dict[str, Any] = {"ETag": h.get("etag", "")}
        if "x-amz-checksum-crc32" in h:
            answer["ChecksumCRC32"] = h["x-amz-checksum-crc32"]
        if self._handlers:
            self._emit("after-call", operation, parsed=answer)
        return answer

    @staticmethod
    def headers_for(args: Mapping[str, Any]) -> dict[str, str] | None:
        """``headers_for`` (here for callers that import this module lazily)."""
        return headers_for(args)

    def can_send(self, length: int) -> bool:
        """Whether a body of ``length`` bytes can go this way (a signed payload must be
        hashed before the headers are sent, so it must be small enough to hold)."""
        return not self.sign_payload or length <= SMALL

    def _send(
        self,
        method: str,
        operation: str,
        bucket: str,
        key: str | None,
        query: str,
        headers: dict[str, str],
        body: Body | None,
        length: int,
    ) -> tuple[dict[str, str], bytes]:
        """One request (``key`` None: the bucket itself); the answer's headers (lower-case
        names) and body, or the error."""
        prepare_for = self._prepare_for(method, operation, key, query, headers, body, length)
        return self.exchange(method, operation, bucket, prepare_for, body, length)

    def _prepare_for(
        self,
        method: str,
        operation: str,
        key: str | None,
        query: str,
        headers: dict[str, str],
        body: Body | None,
        length: int,
    ) -> Callable[[Route], Prepare]:
        """What signs the request for a route: its head and, when small, its body."""

        def prepare_for(route: Route) -> Prepare:
            prefix = route.place.prefix
            path = f"{prefix}/{quote(key, safe='/~')}" if key is not None else prefix or "/"
            # As botocore writes it: a parameter without a value has no "=" (``?uploads``),
            # although the canonical query gives it one.
            bare = "&".join(p[:-1] if p.endswith("=") else p for p in query.split("&"))
            target = f"{path}?{bare}" if query else path
            signer = route.signer

            def prepare() -> tuple[bytes, bytes | memoryview | None]:
                payload: bytes | memoryview | None = b""
                if body is not None:
                    read = getattr(body, "read_view", body.read)  # no copy when it can
                    payload = read(length) if length <= SMALL else None
                if payload is not None and len(payload) != length:
                    raise ValueError("the request body is shorter than its length")
                digest = UNSIGNED_PAYLOAD
                if self.sign_payload:
                    if payload is None:
                        raise ValueError("a signed payload needs the body in memory")
                    digest = hashlib.sha256(payload).hexdigest()
                head = signer.head(
                    method, path, query, target, headers, length, digest,
                    with_length=body is not None,
                )  # fmt: skip
                if self._handlers:
                    held = bytes(payload) if payload is not None else None
                    request = Request(operation, parse_head(head), held, target)
                    self._emit("before-send", operation, request=request)
                    payload = request.body if payload is not None else None
                return head, payload

            return prepare

        return prepare_for

    def _head(
        self,
        method: str,
        path: str,
        query: str,
        target: str,
        headers: Mapping[str, str],
        length: int,
        digest: str,
        at: float | None = None,
        with_length: bool = True,
    ) -> bytes:
        """A request head signed for the endpoint's own host (``at``: the signing time;
        for tests)."""
        return self.signer_for_home().head(
            method, path, query, target, headers, length, digest, at, with_length
        )


def _put_headers(headers: Mapping[str, str], crc32: str, if_none_match: bool) -> dict[str, str]:
    sent = dict(headers, **{"x-amz-checksum-crc32": crc32})
    if if_none_match:
        sent["if-none-match"] = "*"
    return sent


def headers_for(args: Mapping[str, Any]) -> dict[str, str] | None:
    """The HTTP headers for PutObject arguments; None when one is not plain ASCII or not
    one this module knows (botocore then sends the request)."""
    headers: dict[str, str] = {}
    for name, value in args.items():
        if name == "Metadata":
            for meta_key, meta_value in dict(value).items():
                headers[f"x-amz-meta-{str(meta_key).lower()}"] = str(meta_value)
            continue
        header = _HEADERS.get(name)
        if header is None:
            return None
        headers[header] = str(value)
    for header, value in headers.items():
        if not (header.isascii() and value.isascii()) or "\n" in value or "\r" in value:
            return None
    return headers


_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
)}  # fmt: skip
_WEEKDAYS = frozenset(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))


def http_date(text: str) -> dt.datetime:
    """An HTTP date, as ``email.utils.parsedate_to_datetime`` reads it (``ValueError``
    when it is not one). The form every server sends (``Sun, 06 Nov 1994 08:49:37 GMT``)
    is read here: ``email`` costs a plain-HTTP upload's start more than it saves."""
    import datetime as dt

    parts = text.split(" ")
    if (
        len(parts) == 6
        and parts[0][:-1] in _WEEKDAYS
        and parts[0].endswith(",")
        and parts[5] == "GMT"
        and len(parts[1]) == 2
        and len(parts[3]) == 4
        and len(parts[4]) == 8
        and parts[2] in _MONTHS
    ):
        clock = parts[4].split(":")
        numbers = [parts[3], parts[1], *clock]
        if len(clock) == 3 and all(n.isascii() and n.isdigit() for n in numbers):
            year, day, hour, minute, second = map(int, numbers)
            month = _MONTHS[parts[2]]
            return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    import email.utils

    return email.utils.parsedate_to_datetime(text)


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
