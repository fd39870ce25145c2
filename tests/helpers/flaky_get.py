"""A tiny S3 look-alike on 127.0.0.1 that serves objects by GET and breaks off the body
of the first ``breaks`` answers half-way, as a flaky network does.

It answers GET (with ``Content-Length``, ``ETag``, ``Last-Modified``; a ``Range`` is
honoured) and HEAD; it checks no signature. GETs are counted, so a test can say how often
the client came back; a key in ``holds`` is sent only once its event is set.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class FlakyGetServer:
    """Serves ``objects`` (key → bytes) in bucket ``bucket``; the first ``breaks`` GETs
    send half their body and close the connection."""

    def __init__(self, bucket: str, objects: dict[str, bytes], breaks: int) -> None:
        self.bucket = bucket
        self.objects = objects
        self.breaks = breaks
        self.gets = 0
        #: Keys whose GETs wait for their event before sending the body (a slow server).
        self.holds: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _object(self) -> tuple[str, bytes] | None:
                path = self.path.split("?", 1)[0]
                prefix = f"/{server.bucket}/"
                if not path.startswith(prefix):
                    return None
                key = path[len(prefix) :]
                data = server.objects.get(key)
                return None if data is None else (key, data)

            def _headers(self, data: bytes, status: int = 200, length: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(data) if length is None else length))
                self.send_header("ETag", f'"{hashlib.md5(data).hexdigest()}"')
                self.send_header("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()

            def do_HEAD(self) -> None:
                found = self._object()
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._headers(found[1])

            def do_GET(self) -> None:
                found = self._object()
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                key, data = found
                rng = self.headers.get("Range")
                status = 200
                if rng and rng.startswith("bytes="):
                    first, _, last = rng[6:].partition("-")
                    data = data[int(first) : int(last) + 1 if last else None]
                    status = 206
                with server._lock:
                    server.gets += 1
                    broken = server.gets <= server.breaks
                self._headers(data, status)
                hold = server.holds.get(key)
                if hold is not None:
                    hold.wait(60)
                if broken:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.endpoint_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FlakyGetServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        for hold in self.holds.values():
            hold.set()
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def flaky_get_server(
    bucket: str, objects: dict[str, bytes], breaks: int
) -> Iterator[FlakyGetServer]:
    server = FlakyGetServer(bucket, objects, breaks).start()
    try:
        yield server
    finally:
        server.stop()
