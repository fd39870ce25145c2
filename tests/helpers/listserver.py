"""A crafted S3 server on 127.0.0.1 whose ListObjectsV2 answers never end properly.

It answers just enough of S3 for a listing's callers (HEAD of the bucket and of keys,
GetBucketLocation, a batch delete) and checks no signature. Its listing misbehaves in
one of three ways (``mode``):

- ``"repeat-token"``: the second page hands back the token it was asked for, forever;
- ``"no-token"``: the first page says ``IsTruncated`` but gives no continuation token;
- ``"same-page"``: every page after the first is the same one under a fresh token;
- ``"no-key"``: the second page holds an entry without a ``<Key>``.

So that code which does not notice still ends (and a test can fail on it instead of
hanging), the listing ends after ``give_up_after`` list requests: such code then shows
the same keys again and again.
"""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, unquote, urlsplit

_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _entry(key: str) -> str:
    name = f"<Key>{key}</Key>" if key else ""
    return (
        f"<Contents>{name}<LastModified>2026-01-02T03:04:05.000Z</LastModified>"
        f'<ETag>"{len(key):032x}"</ETag><Size>{len(key)}</Size>'
        "<StorageClass>STANDARD</StorageClass></Contents>"
    )


class ListingServer:
    """A ThreadingHTTPServer answering ListObjectsV2 badly (see the module text)."""

    def __init__(self, mode: str = "repeat-token", *, give_up_after: int = 40) -> None:
        assert mode in {"repeat-token", "no-token", "same-page", "no-key"}
        self.mode = mode
        self.give_up_after = give_up_after
        self.list_requests = 0
        self.deleted: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, body: bytes = b"", head: bool = False) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("x-amz-bucket-region", "us-east-1")
                self.end_headers()
                try:
                    if body and not head:
                        self.wfile.write(body)
                except OSError:  # a client that stopped listing drops its request in flight
                    self.close_connection = True

            def do_HEAD(self) -> None:
                path = urlsplit(self.path).path.strip("/")
                # The bucket exists; no object does (a move finds its targets free).
                self._answer(200 if "/" not in path else 404, head=True)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query, keep_blank_values=True)
                if "location" in query:
                    body = f'<LocationConstraint xmlns="{_NS}"></LocationConstraint>'
                    self._answer(200, body.encode())
                    return
                if query.get("list-type") != ["2"]:
                    self._answer(404, b"<Error><Code>NoSuchKey</Code></Error>")
                    return
                bucket = unquote(parts.path.strip("/").split("/")[0])
                prefix = query.get("prefix", [""])[0]
                token = query.get("continuation-token", [None])[0]
                self._answer(200, server.page(bucket, prefix, token).encode())

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0) or 0)
                body = self.rfile.read(length).decode()
                keys = re.findall(r"<Key>([^<]*)</Key>", body)
                with server._lock:
                    server.deleted += keys
                deleted = "".join(f"<Deleted><Key>{k}</Key></Deleted>" for k in keys)
                self._answer(200, f'<DeleteResult xmlns="{_NS}">{deleted}</DeleteResult>'.encode())

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.endpoint_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def page(self, bucket: str, prefix: str, token: str | None) -> str:
        """The ListObjectsV2 answer for ``token`` (None: the first page)."""
        with self._lock:
            self.list_requests += 1
            count = self.list_requests
        if token is None:
            keys = [f"{prefix}k0", f"{prefix}k1"]
            following: str | None = "" if self.mode == "no-token" else "T1"
        else:
            keys = [f"{prefix}k2", f"{prefix}k3"]
            if self.mode == "repeat-token":
                following = token
            elif self.mode == "no-key":
                keys, following = [f"{prefix}k2", ""], None
            else:  # same-page: the same keys under a new token each time
                following = f"T{int(token[1:]) + 1}"
        if count >= self.give_up_after:
            following = None
        tail = "<IsTruncated>false</IsTruncated>"
        if following is not None:
            tail = "<IsTruncated>true</IsTruncated>"
            if following:
                tail += f"<NextContinuationToken>{following}</NextContinuationToken>"
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="{_NS}">'
            f"<Name>{bucket}</Name><Prefix>{prefix}</Prefix><KeyCount>{len(keys)}</KeyCount>"
            f"<MaxKeys>1000</MaxKeys>{''.join(map(_entry, keys))}{tail}</ListBucketResult>"
        )

    def start(self) -> ListingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def listing_server(
    mode: str = "repeat-token", *, give_up_after: int = 40
) -> Iterator[ListingServer]:
    """A running ``ListingServer`` for the duration of the block."""
    server = ListingServer(mode, give_up_after=give_up_after).start()
    try:
        yield server
    finally:
        server.stop()
