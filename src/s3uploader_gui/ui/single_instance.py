"""One window per user and data folder: a second launch hands its paths to the first.

The first launch takes a lock file (``flock``, released by the kernel however the process
ends) and, once its window is up, listens on a ``QLocalServer`` socket next to it. A later
launch that finds the lock taken connects to that socket, sends one line of versioned
JSON (the absolute paths it was given) and exits when the first answers ``ok``: it never
creates a session, a local server or a transfer journal of its own.

Both files live in a 0700 folder of the user's runtime directory; their names carry the
user id and a short hash of the data folder, so that a throwaway ``XDG_DATA_HOME`` (tests,
a second profile) is a separate instance. The lock, not the socket, decides who is
first: a socket file left by a crashed instance is simply replaced.
"""

from __future__ import annotations

import fcntl
import logging
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:  # QtNetwork loads once the window is up (or in a later launch)
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

    from s3uploader_gui.ui.main_window import MainWindow

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
#: Thousands of paths fit; anything larger is not a launch.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
REPLY_OK = b"ok\n"
#: How long a connection may stay without a full message before it is dropped.
READ_TIMEOUT_MS = 5000
#: sun_path holds 108 bytes on Linux and 104 on macOS; keep a margin.
MAX_SOCKET_PATH = 100
FOLDER_NAME = "s3uploader-gui"


class InstanceUnavailable(OSError):
    """The runtime folder cannot be used safely: run without the single-instance check."""


@dataclass(frozen=True)
class LaunchRequest:
    """What a later launch asks of the running window."""

    paths: tuple[str, ...] = ()
    #: The launcher's activation token (Wayland's XDG_ACTIVATION_TOKEN), so that the
    #: running window may take the focus on its behalf.
    activation_token: str = ""


# -- the message ------------------------------------------------------------------------
def encode_request(request: LaunchRequest) -> bytes:
    """One line of JSON: ``{"v": 1, "paths": [...], "token": "..."}``."""
    import json

    body = {"v": PROTOCOL_VERSION, "paths": list(request.paths)}
    if request.activation_token:
        body["token"] = request.activation_token
    # ASCII with \u escapes: a file name that is not UTF-8 (a lone surrogate after
    # os.fsdecode) survives the trip, and no name can break the line.
    return json.dumps(body, ensure_ascii=True).encode("ascii") + b"\n"


def decode_request(data: bytes) -> LaunchRequest | None:
    """The request in ``data`` (one line), or None for anything malformed."""
    if len(data) > MAX_MESSAGE_BYTES:
        return None
    import json

    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(body, dict):
        return None
    version = body.get("v")
    if type(version) is not int or version != PROTOCOL_VERSION:
        return None
    paths = body.get("paths")
    if not isinstance(paths, list):
        return None
    for path in paths:
        if not isinstance(path, str) or "\0" in path or not os.path.isabs(path):
            return None
    token = body.get("token", "")
    if not isinstance(token, str) or len(token) > 4096 or not token.isprintable():
        return None
    return LaunchRequest(tuple(paths), token)


def absolute_paths(args: Iterable[str], cwd: str | None = None) -> tuple[str, ...]:
    """The command line's files and folders as absolute paths (``file://`` URLs too).

    The running window has its own working directory: a relative path means nothing there.
    A URL of another host is left out (and logged): it names no local file.
    """
    from urllib.parse import unquote, urlsplit

    base = cwd if cwd is not None else os.getcwd()
    out: list[str] = []
    for arg in args:
        if arg.startswith("file:"):
            url = urlsplit(arg)
            if url.netloc not in ("", "localhost"):
                log.warning("not a local file, left out: %s", arg)
                continue
            arg = unquote(url.path)
        if arg:
            out.append(os.path.normpath(os.path.join(base, arg)))
    return tuple(out)


def activation_token_from_environment() -> str:
    """The token a launcher gave this process (empty when there is none)."""
    return os.environ.get("XDG_ACTIVATION_TOKEN", "")


# -- where ------------------------------------------------------------------------------
def _private_folder(path: Path) -> Path:
    """``path`` as a folder that only this user can enter (made, or checked and fixed)."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            raise InstanceUnavailable(f"{path} is not a folder of this user")
        if stat.S_IMODE(info.st_mode) != 0o700:
            os.chmod(path, 0o700)
    except InstanceUnavailable:
        raise
    except OSError as exc:
        raise InstanceUnavailable(f"cannot use {path}: {exc.strerror or exc}") from exc
    return path


def _runtime_dir() -> Path:
    from PySide6.QtCore import QStandardPaths

    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.RuntimeLocation)
    if location:
        return Path(location)
    import tempfile

    return Path(tempfile.gettempdir())


def socket_path(data_dir: Path, runtime_dir: Path | None = None) -> Path:
    """The socket of the instance serving ``data_dir``; the lock file sits next to it."""
    import zlib

    # A short, stable tag of the data folder (not a secret: it only keeps apart two
    # instances that do not share local storage and journal).
    tag = f"{zlib.crc32(os.fsencode(os.path.abspath(data_dir))):08x}"
    name = f"instance-{os.getuid()}-{tag}.sock"
    folder = (runtime_dir or _runtime_dir()) / FOLDER_NAME
    if len(os.fsencode(folder / name)) > MAX_SOCKET_PATH:
        import tempfile  # a long runtime path (macOS): a shorter private folder

        folder = Path(tempfile.gettempdir()) / f"{FOLDER_NAME}-{os.getuid()}"
    return _private_folder(folder) / name


# -- who is first -----------------------------------------------------------------------
class InstanceLock:
    """The lock held by the first instance for as long as it runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """True when this process is now the first instance."""
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, 0o600)
        except OSError as exc:
            raise InstanceUnavailable(f"cannot open {self.path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError as exc:
            os.close(fd)
            raise InstanceUnavailable(f"cannot lock {self.path}: {exc.strerror}") from exc
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the flock
            self._fd = None


@dataclass
class Claim:
    """The outcome of the start-up check: first (``lock.held``) or not."""

    socket_path: Path
    lock: InstanceLock

    @property
    def first(self) -> bool:
        return self.lock.held


def claim(data_dir: Path) -> Claim | None:
    """Take the instance lock for ``data_dir``; None when there is no safe place for it."""
    try:
        path = socket_path(data_dir)
        lock = InstanceLock(path.with_suffix(".lock"))
        lock.acquire()
    except InstanceUnavailable as exc:
        log.warning("starting without the single-instance check: %s", exc)
        return None
    return Claim(path, lock)


# -- the later launch -------------------------------------------------------------------
def hand_over(
    path: Path,
    request: LaunchRequest,
    timeout_s: float = 15.0,
    *,
    first_gone: Callable[[], bool] | None = None,
) -> bool | None:
    """Send ``request`` to the instance listening on ``path``; True once it said ``ok``.

    Blocking, without an event loop: this runs in a launch that shows no window. The first
    instance may hold the lock without listening yet (its window is being built), or be
    quitting: the connection is tried again until ``timeout_s`` (False), or until
    ``first_gone()`` says the first has ended (None: this launch may start instead).
    """
    from PySide6.QtNetwork import QLocalSocket

    deadline = time.monotonic() + timeout_s

    def left_ms() -> int:
        return max(0, int((deadline - time.monotonic()) * 1000))

    sock = QLocalSocket()
    while True:
        sock.connectToServer(str(path))
        if sock.waitForConnected(min(1000, left_ms())):
            break
        sock.abort()
        if first_gone is not None and first_gone():
            return None
        if left_ms() == 0:
            return False
        log.debug("the running window is not listening yet: trying again")
        time.sleep(0.05)  # poll until it listens or time runs out
    try:
        sock.write(encode_request(request))
        while sock.bytesToWrite() > 0:
            if not sock.waitForBytesWritten(left_ms()):
                return False
        reply = b""
        while b"\n" not in reply and len(reply) < 64:
            # False also when the first hung up right after answering: read what came.
            more = sock.bytesAvailable() > 0 or sock.waitForReadyRead(left_ms())
            reply += bytes(sock.readAll().data())
            if not more:
                break
        log.debug("answer from the running window: %r", reply)
        return reply.startswith(REPLY_OK)
    finally:
        sock.abort()


def forward(claimed: Claim, paths: tuple[str, ...]) -> int | None:
    """The later launch's whole job: hand ``paths`` to the first; the exit status.

    None when the first ended meanwhile and this launch now holds the lock (``claimed``
    is then first): it goes on to open its own window.
    """

    def first_gone() -> bool:
        try:
            return claimed.lock.acquire()
        except InstanceUnavailable:
            return False

    request = LaunchRequest(paths, activation_token_from_environment())
    delivered = hand_over(claimed.socket_path, request, first_gone=first_gone)
    if delivered is None:
        log.info("the running window has quit: this launch opens its own")
        return None
    if delivered:
        log.info("handed %d path(s) to the running window", len(paths))
        return 0
    print(
        "s3uploader-gui: another S3 Uploader is running but does not answer; "
        "close it, or start with --new-instance.",
        file=sys.stderr,
    )
    return 1


# -- the first instance -----------------------------------------------------------------
class InstanceServer(QObject):
    """Listens for later launches; emits what each of them asks.

    Signals:
        requestReceived(LaunchRequest): a later launch's paths (already acknowledged).
    """

    requestReceived = Signal(object)

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._server: QLocalServer | None = None  # made by listen(), with QtNetwork

    @property
    def listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    @Slot()
    def listen(self) -> bool:
        """Listen on the socket (replacing a crashed instance's: the caller holds the lock)."""
        from PySide6.QtNetwork import QLocalServer

        if self._server is None:
            self._server = QLocalServer(self)
            self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
            self._server.newConnection.connect(self._on_new_connection)
        QLocalServer.removeServer(str(self.path))
        if not self._server.listen(str(self.path)):
            log.warning("later launches cannot reach this window: %s", self._server.errorString())
            return False
        return True

    def close(self) -> None:
        """Stop listening (the socket file goes too)."""
        if self._server is not None:
            self._server.close()

    @Slot()
    def _on_new_connection(self) -> None:
        assert self._server is not None
        while (sock := self._server.nextPendingConnection()) is not None:
            _Reader(sock, self)


class _Reader(QObject):
    """Reads one request from one connection, answers ``ok`` and closes it."""

    def __init__(self, sock: QLocalSocket, server: InstanceServer) -> None:
        super().__init__(server)
        self._sock = sock
        self._server = server
        self._buffer = bytearray()
        self._answered = False
        self._closed = False
        # A connection that never sends a full line is not kept open.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._drop)
        self._timer.start(READ_TIMEOUT_MS)
        sock.readyRead.connect(self._on_ready_read)
        sock.disconnected.connect(self._close)
        self._on_ready_read()

    @Slot()
    def _on_ready_read(self) -> None:
        if self._answered or self._closed:
            return
        self._buffer += bytes(self._sock.readAll().data())
        end = self._buffer.find(b"\n")
        if end < 0:
            if len(self._buffer) > MAX_MESSAGE_BYTES:
                log.warning("ignored an oversized message from another launch")
                self._drop()
            return
        request = decode_request(bytes(self._buffer[:end]))
        if request is None:
            log.warning("ignored a malformed message from another launch")
            self._drop()
            return
        self._answered = True
        self._sock.write(REPLY_OK)
        self._sock.disconnectFromServer()  # after the reply is written; then disconnected
        self._server.requestReceived.emit(request)

    @Slot()
    def _drop(self) -> None:
        self._sock.abort()
        self._close()

    @Slot()
    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self._sock.deleteLater()
        self.deleteLater()


def queue_paths(window: MainWindow, paths: Iterable[str]) -> int:
    """Queue a launch's files and folders in ``window`` (uploaded at once when *Start
    uploading when files are added* is on); how many were given."""
    given = [Path(p) for p in paths]
    if given:
        window.upload_pane.add_paths(given)
    return len(given)


def deliver(window: MainWindow, request: LaunchRequest) -> None:
    """A later launch's request, in the running window: queue its paths, come forward."""
    count = queue_paths(window, request.paths)
    log.info("queued %d path(s) from another launch", count)
    bring_to_front(window, request.activation_token)


def bring_to_front(window: QWidget, activation_token: str = "") -> None:
    """Show ``window`` above the others and give it the focus (where the desktop allows)."""
    from PySide6.QtGui import QGuiApplication

    if activation_token and QGuiApplication.platformName() == "wayland":
        # Qt's Wayland plugin activates with this token, then forgets it.
        os.environ["XDG_ACTIVATION_TOKEN"] = activation_token
    if window.isMinimized():  # restored as it was (maximized stays maximized)
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()
