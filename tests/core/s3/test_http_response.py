"""The lean path's own reader of HTTP answers (``core/s3/http_response.py``): what it
accepts, what it refuses with a typed error, and how ``Connections.exchange`` keeps or
drops the connection after each answer. Servers are crafted on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import botocore.exceptions as bce
import pytest

from s3uploader_gui.core.s3.http import Connections
from s3uploader_gui.core.s3.http_response import (
    MAX_HEAD,
    BadResponse,
    IncompleteRead,
    LineTooLong,
    RemoteDisconnected,
    Response,
    read_response,
)
from tests.helpers.http_requests import read_request

WEED_PUT = (
    b"HTTP/1.1 200 OK\r\nAccept-Ranges: bytes\r\nContent-Length: 0\r\n"
    b'Date: Mon, 07 Dec 2026 06:40:00 GMT\r\nEtag: "d41d8cd98f00b204e9800998ecf8427e"\r\n'
    b"Server: SeaweedFS 3.80\r\nX-Amz-Checksum-Crc32: AAAAAA==\r\n\r\n"
)


class Crafted:
    """A server that answers the n-th request with ``answers[n]`` verbatim (``None``:
    close the connection without answering) and counts connections and requests."""

    def __init__(self, answers: list[bytes | None], *, close_after: bool = False) -> None:
        self.answers = list(answers)
        self.close_after = close_after
        self.connections = 0
        self.requests: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        buf = b""
        while self.answers:
            request = read_request(conn, buf)
            if request is None:
                return
            head, _, buf = request
            self.requests.append(head.split(b"\r\n")[0])
            answer = self.answers.pop(0)
            if answer is None:
                return
            conn.sendall(answer)
            if self.close_after:
                return

    def connect(self) -> Connections:
        return Connections(f"http://127.0.0.1:{self.port}", "127.0.0.1", self.port, https=False,
                           read_timeout=5.0)  # fmt: skip

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def crafted() -> Iterator[type[Crafted]]:
    made: list[Crafted] = []

    class Made(Crafted):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    yield Made
    for server in made:
        server.close()


def _put(conns: Connections, body: bytes = b"x" * 10) -> tuple[dict[str, str], bytes]:
    head = (f"PUT /b/k HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    return conns.exchange("PUT", "PutObject", lambda: (head, body), None, len(body))


def _head(conns: Connections) -> tuple[dict[str, str], bytes]:
    head = b"HEAD /b/k HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    return conns.exchange("HEAD", "HeadObject", lambda: (head, b""), None, 0)


def _answer(raw: bytes, method: str = "PUT", *, close: bool = True) -> object:
    a, b = socket.socketpair()
    with a, b:
        a.sendall(raw)
        if close:
            a.shutdown(socket.SHUT_WR)
        b.settimeout(5)
        return read_response(b, method)


def test_a_weed_answer_keeps_the_connection(crafted: type[Crafted]) -> None:
    server = crafted([WEED_PUT, WEED_PUT, WEED_PUT])
    conns = server.connect()
    for _ in range(3):
        headers, body = _put(conns)
        assert headers["etag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
        assert headers["x-amz-checksum-crc32"] == "AAAAAA=="
        assert body == b""
    assert server.connections == 1 and len(server.requests) == 3
    conns.close()


def test_bodies_framed_by_length_chunks_or_close(crafted: type[Crafted]) -> None:
    xml = b"<?xml version='1.0'?><R><UploadId>u1</UploadId></R>"
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\n<?xml\r\n" + f"{len(xml) - 5:x}".encode() + b"\r\n" + xml[5:] + b"\r\n"
        b"0\r\nX-Trailer: t\r\n\r\n"
    )
    sized = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(xml), xml)
    until_close = b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n" + xml
    server = crafted([chunked, sized, until_close, WEED_PUT], close_after=False)
    conns = server.connect()
    assert _put(conns)[1] == xml
    assert _put(conns)[1] == xml
    assert server.connections == 1
    server.close_after = True  # the third answer ends where the connection does
    assert _put(conns)[1] == xml
    assert _put(conns)[0]["etag"]  # on a new connection
    assert server.connections == 2
    conns.close()


def test_interim_continue_and_head_without_body(crafted: type[Crafted]) -> None:
    head_answer = b'HTTP/1.1 200 OK\r\nContent-Length: 12345\r\nETag: "e"\r\n\r\n'
    server = crafted([b"HTTP/1.1 100 Continue\r\n\r\n" + WEED_PUT, head_answer, WEED_PUT])
    conns = server.connect()
    assert _put(conns)[0]["server"] == "SeaweedFS 3.80"
    headers, body = _head(conns)
    assert headers["content-length"] == "12345" and body == b""
    _put(conns)  # the HEAD's length was not read as a body: the connection is in step
    assert server.connections == 1
    conns.close()


def test_error_answers_are_client_errors(crafted: type[Crafted]) -> None:
    xml = b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>"
    answer = b"HTTP/1.1 403 Forbidden\r\nContent-Length: %d\r\n\r\n%s" % (len(xml), xml)
    server = crafted([answer])
    conns = server.connect()
    with pytest.raises(bce.ClientError) as info:
        _put(conns)
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    conns.close()


MALFORMED = {
    "status line": b"HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n",
    "not http": b"SSH-2.0-OpenSSH_9.0\r\n\r\n",
    "version": b"HTTP/2 200 OK\r\n\r\n",
    "header": b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    "folded header": b"HTTP/1.1 200 OK\r\nA: b\r\n  folded\r\n\r\n",
    "length": b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    "two lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "chunk size": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "chunk size with _": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1_0\r\n",
    "chunk overrun": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n",
    "switching": b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_answers_are_refused(name: str, crafted: type[Crafted]) -> None:
    with pytest.raises(BadResponse):
        _answer(MALFORMED[name])
    server = crafted([MALFORMED[name]], close_after=True)
    conns = server.connect()
    with pytest.raises(bce.ConnectionClosedError):
        _put(conns)
    conns.close()


def test_oversize_headers_are_refused(crafted: type[Crafted]) -> None:
    big = b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * MAX_HEAD + b"\r\n\r\n"
    with pytest.raises(LineTooLong):
        _answer(big, close=False)
    server = crafted([big], close_after=True)
    conns = server.connect()
    with pytest.raises(bce.ConnectionClosedError):
        _put(conns)
    conns.close()


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nContent-Le",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nabc",
    ],
)
def test_an_answer_cut_short_is_refused(raw: bytes, crafted: type[Crafted]) -> None:
    with pytest.raises(IncompleteRead):
        _answer(raw)
    server = crafted([raw], close_after=True)
    conns = server.connect()
    with pytest.raises(bce.ConnectionClosedError):
        _put(conns)
    conns.close()


def test_no_answer_at_all(crafted: type[Crafted]) -> None:
    with pytest.raises(RemoteDisconnected):
        _answer(b"")
    server = crafted([None])
    conns = server.connect()
    with pytest.raises(bce.ConnectionClosedError):
        _put(conns)  # a fresh connection: nothing to retry
    assert server.connections == 1
    conns.close()


def test_a_reused_connection_closed_by_the_server_is_retried_once(
    crafted: type[Crafted],
) -> None:
    server = crafted([WEED_PUT, None, WEED_PUT])
    conns = server.connect()
    _put(conns)
    _put(conns)  # the server closed the kept connection: sent again on a new one
    assert server.connections == 2 and len(server.requests) == 3
    conns.close()


def test_connection_close_and_http_1_0_drop_the_connection(crafted: type[Crafted]) -> None:
    closing = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    old = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"
    server = crafted([closing, old, WEED_PUT], close_after=False)
    conns = server.connect()
    _put(conns)
    _put(conns)
    _put(conns)
    assert server.connections == 3
    conns.close()


def test_bare_newlines_and_a_large_body() -> None:
    body = bytes(range(256)) * 4096  # 1 MiB: received straight into its buffer
    raw = b"HTTP/1.1 200 OK\nContent-Length: %d\nA:  spaced \n\n" % len(body) + body
    a, b = socket.socketpair()
    with a, b:
        b.settimeout(5)
        sender = threading.Thread(target=a.sendall, args=(raw,))
        sender.start()
        response = read_response(b, "GET")
        sender.join()
    assert response.body == body
    assert response.headers == {"content-length": str(len(body)), "a": "spaced"}
    assert not response.will_close


def test_keep_alive_by_version_and_connection_header() -> None:
    def closes(raw: bytes) -> bool:
        response = _answer(raw, close=False)
        assert isinstance(response, Response)
        return response.will_close

    assert not closes(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert closes(b"HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n")
    assert closes(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert not closes(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")
    assert closes(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n")  # extra


def test_the_refusals_are_typed_like_http_clients() -> None:
    """A closed kept-alive connection is a ConnectionResetError (the stale-connection
    retry catches it as one); every refusal is a BadResponse; a cut answer keeps what
    was read, and says so like ``http.client``."""
    assert issubclass(RemoteDisconnected, ConnectionResetError)
    for kind in (RemoteDisconnected, IncompleteRead, LineTooLong):
        assert issubclass(kind, BadResponse)
    cut = IncompleteRead(b"abc", 7)
    assert cut.partial == b"abc" and cut.expected == 7
    assert str(cut) == repr(cut) == "IncompleteRead(3 bytes read, 7 more expected)"
    assert str(IncompleteRead(b"")) == "IncompleteRead(0 bytes read)"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, b""),
        (403, b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>"),
        (599, b"not xml <"),
        (500, b"  "),
    ],
)
def test_an_error_answer_is_botocores_client_error(status: int, body: bytes) -> None:
    """The reason phrase and the XML fields as ``http.client`` and botocore give them
    (both are loaded here only to read the error)."""
    import http.client

    from s3uploader_gui.core.s3.http import client_error

    exc = client_error("PutObject", status, {"x-amz-request-id": "r1"}, body)
    assert isinstance(exc, bce.ClientError)
    error = exc.response["Error"]
    if body.startswith(b"<Error>"):
        assert error == {"Code": "AccessDenied", "Message": "no"}
    else:
        assert error == {"Code": str(status), "Message": http.client.responses.get(status, "")}
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == status


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "b.s3.eu-west-3.amazonaws.com", "::1", "host.", "", "a." + "x" * 63,
     "a..b", "x" * 64, ".", "bücher.de"],
)  # fmt: skip
def test_a_host_is_resolved_as_the_idna_codec_gives_it(host: str) -> None:
    """What ``getaddrinfo`` is handed is what it would make of the name itself; names
    the codec refuses still reach it as text, to be refused as before."""
    from s3uploader_gui.core.s3.http import _resolvable

    try:
        encoded: bytes | None = host.encode("idna")
    except UnicodeError:
        encoded = None
    given = _resolvable(host)
    if isinstance(given, bytes):
        assert given == encoded
    else:
        assert given == host and (encoded is None or not host.isascii())
