"""The lean path's HTTP: one kept-alive socket per thread, one request's framing, and the
answer, or the error botocore would have raised for it.

Separate from the S3 operations so that what can go wrong on the wire (a stale kept-alive
connection, a server refusing a body it has not read, a timeout) is handled in one place.
Imported with ``fastput``, never at start-up. ``ssl`` is loaded only for HTTPS, the XML
parser only to read an error's or a multipart answer's body: a plain-HTTP upload of small
files needs neither (nor ``http.client``, whose answers ``http_response`` replaces).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from s3uploader_gui.core.s3.http_response import BadResponse, RemoteDisconnected, read_response

if TYPE_CHECKING:
    import ssl
    from xml.etree.ElementTree import Element

#: Request bodies up to this size go out with their headers in one write.
SMALL = 1024 * 1024
_CHUNK = 1024 * 1024

#: Failures of a kept-alive connection the server had already closed: send again once.
_STALE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, RemoteDisconnected)


class Body(Protocol):
    """A rewindable request body that reports progress as it is read (``_Body``)."""

    def read(self, size: int = -1) -> bytes: ...

    def seek(self, pos: int, whence: int = 0) -> int: ...


#: Called before each attempt: the request's head and, when held in memory, its body
#: (a view of the caller's bytes: it is copied once, joined to the head).
Prepare = Callable[[], tuple[bytes, bytes | memoryview | None]]


class Connections:
    """One connection per thread to one endpoint, TLS verified against ``ca_file``."""

    def __init__(
        self,
        endpoint_url: str,
        host: str,
        port: int,
        *,
        https: bool,
        ca_file: str | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.tls = https
        self._address = (_resolvable(host), port)
        self._ssl: ssl.SSLContext | None = None
        if https:
            import ssl

            self._ssl = ssl.create_default_context(cafile=ca_file)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()

    def exchange(
        self, method: str, operation: str, prepare: Prepare, body: Body | None, length: int
    ) -> tuple[dict[str, str], bytes]:
        """One request; the answer's headers (lower-case names) and body, or the error.

        ``prepare`` gives the signed head and the body when it is small enough to hold
        (``None``: ``length`` bytes are streamed from ``body``); it is called again, after
        ``body`` is rewound, when a kept-alive connection turns out closed.
        """
        for attempt in (0, 1):
            head, payload = prepare()  # signed first: a refused signing opens nothing
            sock, reused = self._connection()
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
                    raise client_error(operation, *early) from exc
                if isinstance(exc, _STALE) and reused and attempt == 0:
                    if body is not None:
                        body.seek(0)  # the server had closed an idle connection: again
                    continue
                if isinstance(exc, TimeoutError):
                    raise timed_out(self.endpoint_url, exc) from exc
                raise _closed(self.endpoint_url, exc) from exc
            except BaseException:
                self._drop(sock)  # cancelled mid-body: the connection is unusable
                raise
            try:
                response = read_response(sock, method)
            except _STALE as exc:
                self._drop(sock)
                if reused and attempt == 0:
                    if body is not None:
                        body.seek(0)
                    continue
                raise _closed(self.endpoint_url, exc) from exc
            except TimeoutError as exc:
                self._drop(sock)
                raise timed_out(self.endpoint_url, exc) from exc
            except (OSError, BadResponse) as exc:
                self._drop(sock)
                raise _closed(self.endpoint_url, exc) from exc
            except BaseException:
                self._drop(sock)
                raise
            if response.will_close:
                self._drop(sock)
            if response.status >= 300:
                raise client_error(operation, response.status, response.headers, response.body)
            return response.headers, response.body
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close every connection (call once the threads using them are done)."""
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _connection(self) -> tuple[socket.socket, bool]:
        sock: socket.socket | None = getattr(self._local, "sock", None)
        if sock is not None:
            return sock, True
        sock = self.open_socket()
        self._local.sock = sock
        with self._lock:
            self._sockets.add(sock)
        return sock, False

    def open_socket(self) -> socket.socket:
        """A new connection (TLS set up and verified), not kept by this object; botocore's
        ``EndpointConnectionError`` or ``SSLError`` when it cannot be made."""
        try:
            # getaddrinfo takes the host as bytes too (typeshed says str only).
            address: Any = self._address
            raw = socket.create_connection(address, timeout=self.connect_timeout)
        except OSError as exc:
            import botocore.exceptions as bce

            raise bce.EndpointConnectionError(endpoint_url=self.endpoint_url, error=exc) from exc
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        raw.settimeout(self.read_timeout)
        if self._ssl is None:
            return raw
        import ssl

        try:
            return self._ssl.wrap_socket(raw, server_hostname=self.host)
        except ssl.SSLError as exc:
            raw.close()
            import botocore.exceptions as bce

            raise bce.SSLError(endpoint_url=self.endpoint_url, error=exc) from exc

    def _drop(self, sock: socket.socket) -> None:
        if getattr(self._local, "sock", None) is sock:
            self._local.sock = None
        with self._lock:
            self._sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.close()


def _resolvable(host: str) -> str | bytes:
    """``host`` as ``getaddrinfo`` sends it to the resolver: an ASCII name as its bytes,
    which is what the ``idna`` codec makes of it (``getaddrinfo`` loads that codec for
    every ``str``); a name the codec would refuse, or a non-ASCII one, stays a ``str``."""
    if not host.isascii():
        return host
    labels = host.split(".")
    if any(not 0 < len(label) < 64 for label in labels[:-1]) or len(labels[-1]) >= 64:
        return host
    return host.encode("ascii")


def parse_head(head: bytes) -> dict[str, str]:
    """The headers of a request head (for ``before-send`` handlers)."""
    lines = head.decode("latin-1").split("\r\n")[1:]
    return dict(line.split(": ", 1) for line in lines if line)


def _early_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes] | None:
    """The answer a server sent before closing on a request body, if any."""
    try:
        sock.settimeout(2.0)
        response = read_response(sock, "PUT")
    except Exception:
        return None
    return response.status, response.headers, response.body


def client_error(operation: str, status: int, headers: Mapping[str, str], data: bytes) -> Exception:
    """The botocore ClientError an error answer would have given."""
    import botocore.exceptions as bce

    error: dict[str, str] = {"Code": str(status), "Message": _reason(status)}
    root = _xml_root(data) if data.strip() else None
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


def xml_fields(operation: str, headers: Mapping[str, str], data: bytes) -> dict[str, str]:
    """The leaf elements of a successful answer's XML; the error it may hold is raised."""
    root = _xml_root(data)
    if root is None:
        raise client_error(operation, 500, headers, b"")
    if root.tag.rsplit("}", 1)[-1] == "Error":
        raise client_error(operation, 500, headers, data)
    return {
        child.tag.rsplit("}", 1)[-1]: child.text or ""
        for child in root
        if len(child) == 0 and child.text is not None
    }


def _reason(status: int) -> str:
    """The status code's reason phrase, as ``http.client.responses`` gives it."""
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _xml_root(data: bytes) -> Element | None:
    """The root element of an answer's XML; None when it is not XML."""
    from xml.etree import ElementTree

    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None


def _closed(endpoint_url: str, exc: BaseException) -> Exception:
    import botocore.exceptions as bce

    return bce.ConnectionClosedError(endpoint_url=endpoint_url, error=exc)


def timed_out(endpoint_url: str, exc: BaseException) -> Exception:
    """botocore's ``ReadTimeoutError`` for a request that had no answer in time."""
    import botocore.exceptions as bce

    return bce.ReadTimeoutError(endpoint_url=endpoint_url, error=exc)
