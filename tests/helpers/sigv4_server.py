"""A crafted S3 endpoint on 127.0.0.1 that checks every SigV4 signature with botocore and
plays a bucket living in another region.

It knows a secret (and session token) per access key, recomputes each request's
Authorization with ``botocore.auth.S3SigV4Auth`` over the headers the request says it
signed, and answers 403 SignatureDoesNotMatch when they differ. With ``bucket_region``
set, a request signed for any other region is turned away as AWS does (``redirect``: a 301
PermanentRedirect naming the region in ``x-amz-bucket-region``, or a 400
AuthorizationHeaderMalformed naming it in the body). PUTs are stored in memory; HEAD
answers what was stored (404 otherwise). ``seen`` records each request: method, path,
access key, token, signing region, status.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.helpers.sigv4 import botocore_signed


@dataclass
class Seen:
    method: str
    path: str
    host: str
    access_key: str
    token: str | None
    region: str
    status: int = 0


@dataclass
class SigV4Server:
    secrets: dict[str, tuple[str, str | None]]
    bucket_region: str | None = None
    redirect: str = "301"  # or "400": AuthorizationHeaderMalformed with <Region>
    always_redirect: bool = False
    seen: list[Seen] = field(default_factory=list)
    objects: dict[str, bytes] = field(default_factory=dict)
    url: str = ""

    def handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        length = int(headers.get("content-length", 0) or 0)
        body = handler.rfile.read(length) if length else b""
        auth = headers.get("authorization", "")
        try:
            credential = auth.split("Credential=")[1].split(",")[0]
            access_key, _day, region = credential.split("/")[:3]
            signed_names = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
        except IndexError:
            self._answer(handler, Seen(handler.command, handler.path, "", "", None, ""), 403,
                         "AccessDenied")  # fmt: skip
            return
        seen = Seen(
            handler.command,
            handler.path,
            headers.get("host", ""),
            access_key,
            headers.get("x-amz-security-token"),
            region,
        )
        known = self.secrets.get(access_key)
        if known is None:
            self._answer(handler, seen, 403, "InvalidAccessKeyId")
            return
        secret, token = known
        digest = headers.get("x-amz-content-sha256", "")
        signed = {
            n: headers[n]
            for n in signed_names
            if n not in {"x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}
        }
        reference = botocore_signed(
            handler.command,
            f"http://{headers.get('host', '')}{handler.path}",
            signed,
            access_key=access_key,
            secret_key=secret,
            token=token,
            region=region,
            amz_date=headers.get("x-amz-date", ""),
            sign_payload=digest != "UNSIGNED-PAYLOAD",
            body=body,
        )
        if reference.authorization != auth or token != seen.token:
            self._answer(handler, seen, 403, "SignatureDoesNotMatch")
            return
        if self.bucket_region and (region != self.bucket_region or self.always_redirect):
            if self.redirect == "301":
                self._answer(handler, seen, 301, "PermanentRedirect",
                             {"x-amz-bucket-region": self.bucket_region})  # fmt: skip
            else:
                self._answer(handler, seen, 400, "AuthorizationHeaderMalformed",
                             extra=f"<Region>{self.bucket_region}</Region>")  # fmt: skip
            return
        path = handler.path.split("?")[0]
        if handler.command == "PUT":
            self.objects[path] = body
            crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
            etag = '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'
            self._answer(handler, seen, 200, None,
                         {"ETag": etag, "x-amz-checksum-crc32": crc})  # fmt: skip
        elif handler.command == "HEAD" and path.count("/") > 1 and path not in self.objects:
            self._answer(handler, seen, 404, None)
        else:
            size = len(self.objects.get(path, b""))
            self._answer(handler, seen, 200, None, {"x-amz-meta-size": str(size)})

    def _answer(
        self,
        handler: http.server.BaseHTTPRequestHandler,
        seen: Seen,
        status: int,
        code: str | None,
        headers: dict[str, str] | None = None,
        extra: str = "",
    ) -> None:
        seen.status = status
        self.seen.append(seen)
        data = b""
        if code and handler.command != "HEAD":
            data = f"<Error><Code>{code}</Code><Message>m</Message>{extra}</Error>".encode()
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if data:
            handler.wfile.write(data)


@contextmanager
def sigv4_server(**kwargs: Any) -> Iterator[SigV4Server]:
    """A running ``SigV4Server`` on 127.0.0.1 (``.url`` is its endpoint)."""
    state = SigV4Server(**kwargs)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_PUT(self) -> None:
            state.handle(self)

        do_HEAD = do_POST = do_DELETE = do_GET = do_PUT

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
