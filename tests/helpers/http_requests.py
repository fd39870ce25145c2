"""Reading HTTP/1.1 requests off a socket, for the crafted servers of the tests."""

from __future__ import annotations

import socket


def read_request(conn: socket.socket, buf: bytes) -> tuple[bytes, bytes, bytes] | None:
    """The next request on ``conn`` (``buf``: what was received after the last one): its
    head, its body (by Content-Length) and what came after it; None when the client
    closed the connection first."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    while len(buf) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    return head, buf[:length], buf[length:]
