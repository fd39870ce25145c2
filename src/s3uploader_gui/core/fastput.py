"""PutObject and UploadPart over one plain HTTP connection per thread, signed here.

botocore spends about 2 ms of CPU on each request (its event hooks, parameter
validation, serialisers, urllib3). For a thousand 100 KiB files that is more than the
server needs to store them, and on a two-core computer the client's CPU is taken from
the local server. This module sends the requests that carry data (PutObject,
UploadPart), HeadObject and a multipart upload's create, complete and abort, with a
small SigV4 signer and ``http.client``-style framing: about a tenth of the CPU, and a
command-line upload of one big file never builds a botocore client (a third of a second).

Only where nothing botocore would do differently is needed: a custom endpoint in path
style (SeaweedFS, MinIO, Ceph... and the local storage), no proxy, no client
certificate, and headers that are plain ASCII. Everything else (AWS itself with its
region redirects, other operations) stays on botocore. Errors come back as botocore's
own exception types, so ``errors.translate`` and the engine's retries treat both paths
alike.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import hmac
import http.client
import io
import os
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

if TYPE_CHECKING:
    from s3uploader_gui.core.s3client import ConnectionSettings

#: Request bodies up to this size go out with their headers in one write.
_SMALL = 1024 * 1024
_CHUNK = 1024 * 1024
_UNSIGNED = "UNSIGNED-PAYLOAD"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
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
    "x-amz-version-id": "VersionId",
}

#: Failures of a kept-alive connection the server had already closed: send again once.
_STALE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
          http.client.RemoteDisconnected)  # fmt: skip


class Body(Protocol):
    """A rewindable request body that reports progress as it is read (``_Body``)."""

    def read(self, size: int = -1) -> bytes: ...

    def seek(self, pos: int, whence: int = 0) -> int: ...


@dataclass
class Request:
    """What a ``before-send`` handler sees: headers and, when held in memory, the body."""

    operation: str
    headers: dict[str, str]
    body: bytes | None


Handler = Callable[..., Any]


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None


class FastPut:
    """Signs and sends PutObject/UploadPart requests; thread-safe (a connection per thread)."""

    def __init__(
        self,
        endpoint_url: str,
        region: str,
        credentials: Callable[[], Credentials],
        *,
        sign_payload: bool,
        ca_file: str | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
    ) -> None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an HTTP endpoint: {endpoint_url}")
        self.endpoint_url = endpoint_url
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        default_port = (self.https and self.port == 443) or (not self.https and self.port == 80)
        self.host_header = parts.netloc.rsplit("@", 1)[-1] if not default_port else self.host
        self.base_path = parts.path.rstrip("/")
        self.region = region
        self.credentials = credentials
        self.sign_payload = sign_payload
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._ssl = ssl.create_default_context(cafile=ca_file) if self.https else None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._keys: dict[tuple[str, str], bytes] = {}
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
    ) -> dict[str, Any]:
        """PutObject with ``headers`` (from ``headers_for``); the answer carries ``ETag``
        and ``ChecksumCRC32`` like botocore's."""
        headers = dict(headers, **{"x-amz-checksum-crc32": crc32})
        return self._stored("PutObject", bucket, key, "", headers, body, length)

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
                answer["LastModified"] = email.utils.parsedate_to_datetime(h["last-modified"])
        for header, name in _HEAD_FIELDS.items():
            if header in h:
                answer[name] = h[header]
        if self._handlers:
            self._emit("after-call", "HeadObject", parsed=answer)
        return answer

    def create_multipart_upload(
        self, bucket: str, key: str, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """CreateMultipartUpload with ChecksumAlgorithm=CRC32 and ``headers`` (from
        ``headers_for``); the answer carries ``UploadId`` like botocore's."""
        headers = dict(headers, **{"x-amz-checksum-algorithm": "CRC32"})
        operation = "CreateMultipartUpload"
        h, data = self._send("POST", operation, bucket, key, "uploads=", headers, _EMPTY, 0)
        fields = _xml_fields(operation, h, data)
        if not fields.get("UploadId"):
            raise _client_error(operation, 500, h, data)  # a 200 without an upload id
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
        fields = _xml_fields(operation, h, data)
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
        return not self.sign_payload or length <= _SMALL

    def close(self) -> None:
        """Close every connection (call once the threads using them are done)."""
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()

    # -- HTTP ----------------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        operation: str,
        bucket: str,
        key: str,
        query: str,
        headers: dict[str, str],
        body: Body | None,
        length: int,
    ) -> tuple[dict[str, str], bytes]:
        """One request; the answer's headers (lower-case names) and body, or the error."""
        path = f"{self.base_path}/{quote(bucket, safe='')}/{quote(key, safe='/~')}"
        target = f"{path}?{query}" if query else path
        for attempt in (0, 1):
            sock, reused = self._connection()
            if body is None:
                payload: bytes | None = b""
            else:
                payload = body.read(length) if length <= _SMALL else None
            if payload is not None and len(payload) != length:
                raise ValueError("the request body is shorter than its length")
            digest = _UNSIGNED
            if self.sign_payload:
                if payload is None:
                    raise ValueError("a signed payload needs the body in memory")
                digest = hashlib.sha256(payload).hexdigest()
            head = self._head(
                method, path, query, target, headers, length, digest, with_length=body is not None
            )
            if self._handlers:
                request = Request(operation, _parse_head(head), payload)
                self._emit("before-send", operation, request=request)
                payload = request.body if payload is not None else None
            try:
                if payload is not None:
                    sock.sendall(head + payload)
                else:
                    assert body is not None  # only bodies too big to hold come this way
                    sock.sendall(head)
                    sent = 0
                    read = getattr(body, "read_view", body.read)  # no copy when it can
                    while sent < length:
                        chunk = read(min(_CHUNK, length - sent))
                        if not chunk:
                            raise ValueError("the request body is shorter than its length")
                        sock.sendall(chunk)
                        sent += len(chunk)
            except OSError as exc:
                # A server refusing the request (no such bucket, access denied) may answer
                # and close before it has read the body: its answer is the real error.
                early = _early_answer(sock)
                self._drop(sock)
                if early is not None and early[0] >= 300:
                    raise _client_error(operation, *early) from exc
                if isinstance(exc, _STALE) and reused and attempt == 0:
                    if body is not None:
                        body.seek(0)  # the server had closed an idle connection: again
                    continue
                if isinstance(exc, TimeoutError):
                    raise _timed_out(self.endpoint_url, exc) from exc
                raise _closed(self.endpoint_url, exc) from exc
            except BaseException:
                self._drop(sock)  # cancelled mid-body: the connection is unusable
                raise
            try:
                response = http.client.HTTPResponse(sock, method=method)
                response.begin()
                data = response.read()
            except _STALE as exc:
                self._drop(sock)
                if reused and attempt == 0:
                    if body is not None:
                        body.seek(0)
                    continue
                raise _closed(self.endpoint_url, exc) from exc
            except TimeoutError as exc:
                self._drop(sock)
                raise _timed_out(self.endpoint_url, exc) from exc
            except (OSError, http.client.HTTPException) as exc:
                self._drop(sock)
                raise _closed(self.endpoint_url, exc) from exc
            except BaseException:
                self._drop(sock)
                raise
            if response.will_close:
                self._drop(sock)
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
            if response.status >= 300:
                raise _client_error(operation, response.status, answer_headers, data)
            return answer_headers, data
        raise AssertionError("unreachable")

    def _connection(self) -> tuple[socket.socket, bool]:
        sock: socket.socket | None = getattr(self._local, "sock", None)
        if sock is not None:
            return sock, True
        try:
            raw = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            import botocore.exceptions as bce

            raise bce.EndpointConnectionError(endpoint_url=self.endpoint_url, error=exc) from exc
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        raw.settimeout(self.read_timeout)
        sock = raw
        if self._ssl is not None:
            try:
                sock = self._ssl.wrap_socket(raw, server_hostname=self.host)
            except ssl.SSLError as exc:
                raw.close()
                import botocore.exceptions as bce

                raise bce.SSLError(endpoint_url=self.endpoint_url, error=exc) from exc
        self._local.sock = sock
        with self._lock:
            self._sockets.add(sock)
        return sock, False

    def _drop(self, sock: socket.socket) -> None:
        if getattr(self._local, "sock", None) is sock:
            self._local.sock = None
        with self._lock:
            self._sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.close()

    # -- SigV4 ---------------------------------------------------------------------------------
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
        creds = self.credentials()
        now = time.gmtime(at)
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", now)
        day = amz_date[:8]
        signed = {k.lower(): v for k, v in headers.items()}
        signed["host"] = self.host_header
        signed["x-amz-date"] = amz_date
        signed["x-amz-content-sha256"] = digest
        if with_length:
            signed["content-length"] = str(length)  # signed, as botocore does
        if creds.token:
            signed["x-amz-security-token"] = creds.token
        names = sorted(signed)
        canonical_headers = "".join(f"{n}:{' '.join(signed[n].split())}\n" for n in names)
        signed_names = ";".join(names)
        canonical = f"{method}\n{path}\n{query}\n{canonical_headers}\n{signed_names}\n{digest}"
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = (
            f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n"
            + hashlib.sha256(canonical.encode()).hexdigest()
        )
        signature = hmac.new(
            self._signing_key(creds.secret_key, day), to_sign.encode(), hashlib.sha256
        ).hexdigest()
        lines = [f"{method} {target} HTTP/1.1"]
        lines += [f"{n}: {signed[n]}" for n in names]
        lines.append(
            f"authorization: AWS4-HMAC-SHA256 Credential={creds.access_key}/{scope}, "
            f"SignedHeaders={signed_names}, Signature={signature}"
        )
        lines.append("user-agent: s3uploader-gui")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _signing_key(self, secret: str, day: str) -> bytes:
        cached = self._keys.get((secret, day))
        if cached is not None:
            return cached
        key = hmac.new(f"AWS4{secret}".encode(), day.encode(), hashlib.sha256).digest()
        for part in (self.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        with self._lock:
            self._keys = {(secret, day): key}  # one day, one secret: older keys are stale
        return key


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


def explicit_keys(settings: ConnectionSettings) -> bool:
    """Whether the connection names its keys (not a profile or boto3's chain)."""
    return bool(settings.access_key_id and settings.secret_access_key)


def for_settings(settings: ConnectionSettings) -> FastPut | None:
    """A FastPut from the connection settings alone (explicit keys, custom path-style
    endpoint, a region), which spares building a botocore client; else None."""
    endpoint = settings.endpoint_url or ""
    addressing = settings.addressing_style
    if addressing == "auto" and endpoint:
        addressing = "path"  # as make_config does for custom endpoints
    if (
        os.environ.get("S3UPLOADER_FAST_PATH", "1") == "0"
        or not explicit_keys(settings)
        or not endpoint
        or not settings.region
        or addressing != "path"
        or "amazonaws.com" in endpoint
        or urllib.request.getproxies()
    ):
        return None
    creds = Credentials(
        str(settings.access_key_id), str(settings.secret_access_key), settings.session_token
    )
    return _make(endpoint, settings.region, lambda: creds)


def for_client(client: Any, session: Any) -> FastPut | None:
    """A FastPut for ``client`` when it would send exactly the same requests; else None."""
    if os.environ.get("S3UPLOADER_FAST_PATH", "1") == "0":
        return None
    meta = client.meta
    endpoint = str(meta.endpoint_url or "")
    config = meta.config
    s3 = getattr(config, "s3", None) or {}
    if s3.get("addressing_style") != "path" or "amazonaws.com" in endpoint:
        return None
    if getattr(config, "proxies", None) or urllib.request.getproxies():
        return None
    if getattr(config, "client_cert", None) or getattr(config, "signature_version", "") != "s3v4":
        return None
    source = session.get_credentials()
    if source is None:
        return None

    def credentials() -> Credentials:
        frozen = source.get_frozen_credentials()  # refreshes temporary credentials
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token)

    return _make(
        endpoint,
        str(meta.region_name or "us-east-1"),
        credentials,
        ca_bundle=_ca_bundle(session) if endpoint.startswith("https://") else None,
        connect_timeout=float(getattr(config, "connect_timeout", 10) or 10),
        read_timeout=float(getattr(config, "read_timeout", 60) or 60),
    )


def _ca_bundle(session: Any) -> str | None:
    """The profile's ``ca_bundle`` (a boto3 Session keeps it on its botocore session)."""
    core = getattr(session, "_session", session)
    value = core.get_config_variable("ca_bundle")
    return str(value) if value else None


def _make(
    endpoint: str,
    region: str,
    credentials: Callable[[], Credentials],
    *,
    ca_bundle: str | None = None,
    connect_timeout: float = 10.0,
    read_timeout: float = 60.0,
) -> FastPut | None:
    """A FastPut verifying TLS like botocore (AWS_CA_BUNDLE, the profile's, its own CAs);
    None for an endpoint it cannot use."""
    from s3uploader_gui.core.s3client import is_loopback_http

    https = endpoint.startswith("https://")
    ca_file: str | None = None
    if https:
        import botocore.httpsession

        ca_file = str(
            os.environ.get("AWS_CA_BUNDLE") or ca_bundle or botocore.httpsession.get_cert_path(True)
        )
    try:
        return FastPut(
            endpoint,
            region,
            credentials,
            # Over TLS, or on this computer, a CRC32 checksum header guards the bytes.
            sign_payload=not (https or is_loopback_http(endpoint)),
            ca_file=ca_file,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
    except ValueError:
        return None


def _parse_head(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    return dict(line.split(": ", 1) for line in lines if line)


def _early_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes] | None:
    """The answer a server sent before closing on a request body, if any."""
    try:
        sock.settimeout(2.0)
        response = http.client.HTTPResponse(sock, method="PUT")
        response.begin()
        data = response.read()
    except Exception:
        return None
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def _client_error(
    operation: str, status: int, headers: Mapping[str, str], data: bytes
) -> Exception:
    """The botocore ClientError an error answer would have given."""
    import botocore.exceptions as bce

    error: dict[str, str] = {"Code": str(status), "Message": http.client.responses.get(status, "")}
    try:
        root = ElementTree.fromstring(data) if data.strip() else None
    except ElementTree.ParseError:
        root = None
    if root is not None:
        for child in root:
            tag = child.tag.rsplit("}", 1)[-1]
            if len(child) == 0 and child.text is not None:
                error[tag] = child.text
    response: dict[str, Any] = {
        "Error": error,
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": dict(headers)},
    }
    return bce.ClientError(response, operation)  # type: ignore[arg-type]


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_fields(operation: str, headers: Mapping[str, str], data: bytes) -> dict[str, str]:
    """The leaf elements of a successful answer's XML; the error it may hold is raised."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise _client_error(operation, 500, headers, b"") from exc
    if root.tag.rsplit("}", 1)[-1] == "Error":
        raise _client_error(operation, 500, headers, data)
    return {
        child.tag.rsplit("}", 1)[-1]: child.text or ""
        for child in root
        if len(child) == 0 and child.text is not None
    }


def _closed(endpoint_url: str, exc: BaseException) -> Exception:
    import botocore.exceptions as bce

    return bce.ConnectionClosedError(endpoint_url=endpoint_url, error=exc)


def _timed_out(endpoint_url: str, exc: BaseException) -> Exception:
    import botocore.exceptions as bce

    return bce.ReadTimeoutError(endpoint_url=endpoint_url, error=exc)
