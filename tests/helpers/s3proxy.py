"""A small HTTP proxy on 127.0.0.1 in front of a real S3 server, to make it slow to answer
or to disturb requests in ways a real network does.

The client signs its requests for the proxy's address (SigV4 covers the Host header); the
proxy passes that header on unchanged, so the server checks the signature the client made.

``Proxy.after(request)`` runs once the server has answered a request and before the answer
goes back to the client (``request.method``, ``request.path``, ``request.status``): a hook
that blocks there is a server that stored an object but is slow to say so.
``Proxy.before(request)`` runs before the request is forwarded and may change
``request.headers``. ``Proxy.respond(request)`` may answer in the server's place: a
``(status, body)`` it returns goes back to the client and nothing is forwarded (a server
that refuses one kind of request).
"""

from __future__ import annotations

import http.client
import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
}


@dataclass
class Request:
    """One request seen by the proxy (and, once answered, the server's status)."""

    method: str
    path: str
    headers: dict[str, str]
    status: int = 0
    query: str = field(default="")

    @property
    def is_put_object(self) -> bool:
        return self.method == "PUT" and "uploadId=" not in self.query

    @property
    def is_complete(self) -> bool:
        return self.method == "POST" and "uploadId=" in self.query


Hook = Callable[[Request], None]
Responder = Callable[[Request], "tuple[int, bytes] | None"]


class Proxy:
    """Forwards every request to ``upstream`` (an ``http://host:port`` endpoint)."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        assert parts.hostname is not None and parts.port is not None
        self.host, self.port = parts.hostname, parts.port
        self.before: Hook | None = None
        self.after: Hook | None = None
        self.respond: Responder | None = None
        self.seen: list[Request] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length", 0) or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                path, _, query = self.path.partition("?")
                request = Request(self.command, path, headers, query=query)
                with proxy._lock:
                    proxy.seen.append(request)
                if proxy.before is not None:
                    proxy.before(request)
                crafted = proxy.respond(request) if proxy.respond is not None else None
                if crafted is not None:
                    status, data = crafted
                    request.status = status
                    self.send_response(status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                    return
                upstream = http.client.HTTPConnection(proxy.host, proxy.port, timeout=60)
                try:
                    upstream.putrequest(
                        self.command, self.path, skip_host=True, skip_accept_encoding=True
                    )
                    for name, value in request.headers.items():
                        upstream.putheader(name, value)
                    upstream.endheaders(body if body else None)
                    answer = upstream.getresponse()
                    data = answer.read()
                    request.status = answer.status
                    if proxy.after is not None:
                        proxy.after(request)
                    self.send_response(answer.status, answer.reason)
                    for name, value in answer.getheaders():
                        if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                            self.send_header(name, value)
                    length_header = answer.getheader("Content-Length")
                    sent_length = length_header if self.command == "HEAD" else str(len(data))
                    self.send_header("Content-Length", sent_length or "0")
                    self.end_headers()
                    if self.command != "HEAD" and data:
                        self.wfile.write(data)
                finally:
                    upstream.close()

            def _handle(self) -> None:
                try:
                    self._forward()
                except OSError:  # the client or the server went away: so does this request
                    self.close_connection = True

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.endpoint_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> Proxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def proxy_to(upstream: str) -> Iterator[Proxy]:
    """A running proxy in front of ``upstream`` for the duration of the block."""
    proxy = Proxy(upstream).start()
    try:
        yield proxy
    finally:
        proxy.stop()
