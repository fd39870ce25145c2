"""Reading one HTTP/1.1 answer from a kept-alive socket, strictly, without ``http.client``.

``http.client`` parses every answer's headers with the ``email`` package, which costs more
than the rest of a small upload's answer handling together. S3 answers are plain: a
status line, ``Name: value`` lines, and a body framed by Content-Length, by chunks, or by
the end of the connection. Anything else is refused with ``BadResponse`` or one of its
kinds, named as ``http.client`` names them; this module does not import ``http.client``
(with ``email`` and ``ssl`` it costs a plain-HTTP upload's start more than the rest of
the lean path's modules).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

#: The most a status line and headers may take (``http.client`` allows 64 KiB a line).
MAX_HEAD = 64 * 1024
#: At most this many interim (1xx) answers before the real one.
_MAX_INTERIM = 10
#: One receive at most (a larger one costs an allocation the size of it, for answers
#: that are mostly under a kilobyte).
_RECV = 64 * 1024
_HEX = b"0123456789abcdefABCDEF"


class BadResponse(Exception):
    """The server's answer does not follow HTTP/1.1 (a status line, a header, a chunk)."""


class LineTooLong(BadResponse):
    """A head, chunk size or trailer longer than ``MAX_HEAD``."""


class IncompleteRead(BadResponse):
    """The server closed the connection in the middle of an answer."""

    def __init__(self, partial: bytes, expected: int | None = None) -> None:
        super().__init__(partial)
        self.partial = partial
        self.expected = expected

    def __str__(self) -> str:
        more = f", {self.expected} more expected" if self.expected is not None else ""
        return f"{type(self).__name__}({len(self.partial)} bytes read{more})"

    __repr__ = __str__


class RemoteDisconnected(ConnectionResetError, BadResponse):
    """The server closed the connection before answering (a kept-alive connection it had
    already let go, as a rule: the request may be sent again)."""


@dataclass(frozen=True)
class Response:
    """One answer: its status, headers (lower-case names; the last of repeated ones),
    body, and whether the connection must be closed after it."""

    status: int
    headers: dict[str, str]
    body: bytes
    will_close: bool


class _Reader:
    """The bytes received so far on one socket, for one answer."""

    __slots__ = ("buf", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def fill(self) -> bool:
        """Receive more; False when the server closed the connection."""
        chunk = self.sock.recv(_RECV)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def head(self, first: bool) -> bytes:
        """Up to and without the empty line that ends a head."""
        start = 0
        while True:
            end = self.buf.find(b"\n\r\n", start)
            bare = self.buf.find(b"\n\n", start)
            if bare >= 0 and (end < 0 or bare < end):
                end, skip = bare, 2
            else:
                skip = 3
            if end > MAX_HEAD or (end < 0 and len(self.buf) > MAX_HEAD):
                raise LineTooLong("the answer's headers")
            if end >= 0:
                head = bytes(self.buf[:end])
                del self.buf[: end + skip]
                return head
            start = max(0, len(self.buf) - 2)
            if not self.fill():
                if first and not self.buf:
                    raise RemoteDisconnected("the server closed the connection without answering")
                raise IncompleteRead(bytes(self.buf))

    def exactly(self, n: int) -> bytes:
        """The next ``n`` bytes."""
        while len(self.buf) < n:
            if n - len(self.buf) > _RECV:
                # A large body: receive straight into its buffer.
                whole = bytearray(n)
                have = len(self.buf)
                whole[:have] = self.buf
                self.buf.clear()
                view = memoryview(whole)
                while have < n:
                    got = self.sock.recv_into(view[have:], n - have)
                    if not got:
                        raise IncompleteRead(bytes(whole[:have]), n - have)
                    have += got
                return bytes(whole)
            if not self.fill():
                raise IncompleteRead(bytes(self.buf), n - len(self.buf))
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def line(self) -> bytes:
        """The next line, without its end (chunk sizes, trailers)."""
        while True:
            end = self.buf.find(b"\n")
            if end >= 0:
                line = bytes(self.buf[:end])
                del self.buf[: end + 1]
                return line[:-1] if line.endswith(b"\r") else line
            if len(self.buf) > MAX_HEAD:
                raise LineTooLong("a chunk size or trailer")
            if not self.fill():
                raise IncompleteRead(bytes(self.buf))

    def to_end(self) -> bytes:
        """Everything until the server closes the connection."""
        while self.fill():
            pass
        data = bytes(self.buf)
        self.buf.clear()
        return data


def read_response(sock: socket.socket, method: str) -> Response:
    """Read one answer to a ``method`` request from ``sock`` (interim 1xx answers are
    passed over). Raises ``RemoteDisconnected`` when the server closed the connection
    before answering, ``IncompleteRead`` when it closed in the middle of one,
    ``LineTooLong`` for a head over ``MAX_HEAD``, and ``BadResponse`` for anything that
    is not HTTP/1.x; socket errors and timeouts as they are."""
    reader = _Reader(sock)
    for interim in range(_MAX_INTERIM + 1):
        version, status, headers = _parse_head(reader.head(first=interim == 0))
        if status >= 200:
            break
        if status == 101:
            raise BadResponse("the server switched protocols")
    else:
        raise BadResponse("too many interim answers")
    will_close = _closes(headers, version)
    if method == "HEAD" or status in (204, 304):
        body = b""
    elif "transfer-encoding" in headers:
        codings = [c.strip() for c in headers["transfer-encoding"].lower().split(",")]
        if codings[-1] == "chunked":
            body = _chunked(reader)
        else:
            body, will_close = reader.to_end(), True
    elif "content-length" in headers:
        body = reader.exactly(_length(headers["content-length"]))
    else:
        body, will_close = reader.to_end(), True
    if reader.buf:
        will_close = True  # bytes no request asked for: the connection is out of step
    return Response(status, headers, body, will_close)


def _parse_head(head: bytes) -> tuple[bytes, int, dict[str, str]]:
    lines = head.split(b"\n")
    status_line = lines[0].rstrip(b"\r")
    parts = status_line.split(b" ", 2)
    if (
        len(parts) < 2
        or parts[0] not in (b"HTTP/1.1", b"HTTP/1.0")
        or len(parts[1]) != 3
        or not parts[1].isdigit()
        or parts[1][:1] == b"0"
    ):
        raise BadResponse(f"not an HTTP/1.1 status line: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    for raw in lines[1:]:
        line = raw[:-1] if raw.endswith(b"\r") else raw
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip() or b" " in name or b"\t" in name:
            raise BadResponse(f"not an HTTP header line: {line[:80]!r}")
        key = name.decode("latin-1").lower()
        text = value.strip(b" \t").decode("latin-1")
        if key == "content-length" and headers.get(key, text) != text:
            raise BadResponse("two different Content-Length headers")
        headers[key] = text
    return parts[0], int(parts[1]), headers


def _closes(headers: dict[str, str], version: bytes) -> bool:
    tokens = {t.strip() for t in headers.get("connection", "").lower().split(",")}
    return "close" in tokens or (version == b"HTTP/1.0" and "keep-alive" not in tokens)


def _length(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise BadResponse(f"not a Content-Length: {text[:40]!r}")
    return int(text)


def _chunked(reader: _Reader) -> bytes:
    parts: list[bytes] = []
    while True:
        line = reader.line()
        size_text = line.split(b";", 1)[0].strip(b" \t")
        if not size_text or size_text.lstrip(_HEX) or len(size_text) > 16:
            raise BadResponse(f"not a chunk size: {line[:40]!r}")
        size = int(size_text, 16)
        if size == 0:
            break
        parts.append(reader.exactly(size))
        if reader.line():
            raise BadResponse("a chunk longer than its size")
    while reader.line():  # trailers: not used
        pass
    return b"".join(parts)


class _NeedMore(Exception):
    """The bytes received so far end before the answer does."""


class _Received:
    """What ``read_response`` reads from: the bytes received so far, then the end of the
    connection if the server closed it, else ``_NeedMore``."""

    def __init__(self, data: bytearray, eof: bool) -> None:
        self.view = memoryview(data)
        self.pos = 0
        self.eof = eof

    def recv(self, size: int) -> bytes:
        if self.pos >= len(self.view):
            if self.eof:
                return b""
            raise _NeedMore
        chunk = bytes(self.view[self.pos : self.pos + size])
        self.pos += len(chunk)
        return chunk

    def recv_into(self, buffer: memoryview, size: int) -> int:
        chunk = self.recv(size)
        buffer[: len(chunk)] = chunk
        return len(chunk)


def parse_answer(data: bytearray, eof: bool, method: str) -> Response | None:
    """The answer in ``data`` when it is whole (``eof``: the server has closed the
    connection), else None; ``BadResponse`` and its kinds as ``read_response`` raises."""
    received = _Received(data, eof)
    try:
        response = read_response(received, method)  # type: ignore[arg-type]
    except _NeedMore:
        return None
    if received.pos < len(data):
        return Response(response.status, response.headers, response.body, True)
    return response
