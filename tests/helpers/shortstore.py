"""A crafted S3 server on 127.0.0.1 that answers like a server with no checksum support:
no ``x-amz-checksum-*`` header in any answer and ETags that are not the MD5 of the body.

With ``keep=0.5`` it stores only the first half of every body it is sent (a PutObject, a
part) and still answers 200, as a broken disk or a buggy gateway would: only a client
that compares what the server holds (a HEAD's size) can tell. It checks no signature.

Enough of S3 for the upload engine: HEAD/GET/PUT of an object, and a multipart upload's
create, parts, complete and abort (path style: ``/bucket/key``).
"""

from __future__ import annotations

import http.server
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _etag() -> str:
    """40 hex digits: no client can take it for an MD5 (32) or a multipart ETag (-N)."""
    return f'"{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"'


@dataclass
class ShortStore:
    """The server's state; ``keep`` is the share of each body it really stores."""

    keep: float = 1.0
    objects: dict[str, bytes] = field(default_factory=dict)
    uploads: dict[str, dict[int, bytes]] = field(default_factory=dict)
    #: (method, path, query) of every request, in order.
    seen: list[tuple[str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    endpoint_url: str = ""

    def stored(self, data: bytes) -> bytes:
        return data[: int(len(data) * self.keep)]

    def count(self, method: str, *, query: str | None = None) -> int:
        with self.lock:
            return sum(1 for m, _, q in self.seen if m == method and (query is None or query in q))


def _handler(store: ShortStore) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _target(self) -> tuple[str, dict[str, list[str]], str]:
            parts = urlsplit(self.path)
            with store.lock:
                store.seen.append((self.command, parts.path, parts.query))
            return unquote(parts.path), parse_qs(parts.query, keep_blank_values=True), parts.query

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length", 0) or 0)
            return self.rfile.read(length) if length else b""

        def _answer(
            self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if self.command != "HEAD" or "Content-Length" not in (headers or {}):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)

        def _missing(self, code: str = "NoSuchKey") -> None:
            xml = f"<Error><Code>{code}</Code><Message>missing</Message></Error>".encode()
            self._answer(404, xml, {"Content-Type": "application/xml"})

        def do_HEAD(self) -> None:
            path, _, _ = self._target()
            if path.count("/") < 2 or path.endswith("/"):
                self._answer(200)  # a bucket
                return
            with store.lock:
                data = store.objects.get(path)
            if data is None:
                self._answer(404)
                return
            self._answer(
                200,
                headers={
                    "Content-Length": str(len(data)),
                    "ETag": _etag(),
                    "Content-Type": "application/octet-stream",
                    "Last-Modified": "Mon, 07 Dec 2026 10:00:00 GMT",
                },
            )

        def do_GET(self) -> None:
            path, _, _ = self._target()
            with store.lock:
                data = store.objects.get(path)
            if data is None:
                self._missing()
                return
            self._answer(200, data, {"ETag": _etag()})

        def do_PUT(self) -> None:
            path, query, _ = self._target()
            data = store.stored(self._body())
            with store.lock:
                if "uploadId" in query:
                    upload = store.uploads.get(query["uploadId"][0])
                    if upload is None:
                        self._missing("NoSuchUpload")
                        return
                    upload[int(query["partNumber"][0])] = data
                else:
                    store.objects[path] = data
            self._answer(200, headers={"ETag": _etag()})

        def do_POST(self) -> None:
            path, query, _ = self._target()
            self._body()
            if "uploads" in query:
                upload_id = uuid.uuid4().hex
                with store.lock:
                    store.uploads[upload_id] = {}
                bucket, _, key = path.lstrip("/").partition("/")
                xml = (
                    f'<InitiateMultipartUploadResult xmlns="{_XMLNS}"><Bucket>{bucket}</Bucket>'
                    f"<Key>{key}</Key><UploadId>{upload_id}</UploadId>"
                    "</InitiateMultipartUploadResult>"
                )
                self._answer(200, xml.encode(), {"Content-Type": "application/xml"})
                return
            with store.lock:
                upload = store.uploads.pop(query["uploadId"][0], None)
                if upload is not None:
                    store.objects[path] = b"".join(upload[n] for n in sorted(upload))
            if upload is None:
                self._missing("NoSuchUpload")
                return
            etag = _etag()
            xml = (
                f'<CompleteMultipartUploadResult xmlns="{_XMLNS}"><ETag>{etag}</ETag>'
                "</CompleteMultipartUploadResult>"
            )
            self._answer(200, xml.encode(), {"Content-Type": "application/xml"})

        def do_DELETE(self) -> None:
            path, query, _ = self._target()
            with store.lock:
                if "uploadId" in query:
                    store.uploads.pop(query["uploadId"][0], None)
                else:
                    store.objects.pop(path, None)
            self._answer(204)

    return Handler


@contextmanager
def short_store(keep: float = 1.0) -> Iterator[ShortStore]:
    """A running crafted server for the duration of the block."""
    store = ShortStore(keep=keep)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(store))
    server.daemon_threads = True
    store.endpoint_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield store
    finally:
        server.shutdown()
        server.server_close()
