"""The single-instance handshake: the message, the lock, the socket server and its client."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from subprocess import Popen

import pytest
from PySide6.QtNetwork import QLocalSocket

from s3uploader_gui.ui import single_instance as si
from s3uploader_gui.ui.single_instance import LaunchRequest


# -- the message ------------------------------------------------------------------------
def test_a_request_survives_the_round_trip() -> None:
    request = LaunchRequest(("/home/ana/été 2024/IMG 1.jpg", "/tmp/a\nb"), "tok-123")
    data = si.encode_request(request)
    assert data.endswith(b"\n") and data.count(b"\n") == 1  # one line, whatever the names
    assert json.loads(data) == {
        "v": 1,
        "paths": ["/home/ana/été 2024/IMG 1.jpg", "/tmp/a\nb"],
        "token": "tok-123",
    }
    assert si.decode_request(data.rstrip(b"\n")) == request
    assert si.decode_request(si.encode_request(LaunchRequest())) == LaunchRequest()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"paths": ["/a"]}',  # no version
        b'{"v": 2, "paths": ["/a"]}',  # a version this build does not know
        b'{"v": true, "paths": ["/a"]}',
        b'{"v": "1", "paths": ["/a"]}',
        b'{"v": 1}',
        b'{"v": 1, "paths": "/a"}',
        b'{"v": 1, "paths": [1]}',
        b'{"v": 1, "paths": ["relative/file.jpg"]}',
        b'{"v": 1, "paths": ["/a\\u0000b"]}',
        b'{"v": 1, "paths": ["/a"], "token": 5}',
        b'{"v": 1, "paths": ["/a"], "token": "a\\nb"}',
    ],
)
def test_malformed_messages_are_refused(data: bytes) -> None:
    assert si.decode_request(data) is None


def test_a_file_name_that_is_not_utf8_survives(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9.jpg"  # Latin-1 bytes, as old archives have
    name = os.fsdecode(raw)
    got = si.decode_request(si.encode_request(LaunchRequest((name,))).strip())
    assert got is not None
    assert os.fsencode(got.paths[0]) == raw


def test_an_oversized_message_is_refused_unread() -> None:
    big = b'{"v": 1, "paths": ["/' + b"a" * si.MAX_MESSAGE_BYTES + b'"]}'
    assert si.decode_request(big) is None


def test_unknown_fields_of_version_1_are_ignored() -> None:
    assert si.decode_request(b'{"v": 1, "paths": ["/a"], "later": {}}') == LaunchRequest(("/a",))


def test_command_line_paths_become_absolute(tmp_path: Path) -> None:
    got = si.absolute_paths(
        [
            "photo.jpg",
            "../up/x.png",
            "/abs/y.gif",
            "file:///home/ana/My%20Pictures/z.jpg",
            "file://localhost/srv/a.jpg",
            "file://elsewhere/srv/b.jpg",  # another host: no local file
        ],
        cwd=str(tmp_path / "here"),
    )
    assert got == (
        str(tmp_path / "here" / "photo.jpg"),
        str(tmp_path / "up" / "x.png"),
        "/abs/y.gif",
        "/home/ana/My Pictures/z.jpg",
        "/srv/a.jpg",
    )


# -- where and who ----------------------------------------------------------------------
@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A folder with a short path: a socket path must fit in about 100 bytes, and pytest's
    own temporary folders are named after the (long) test names."""
    path = Path(tempfile.mkdtemp(prefix="si-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_socket_folder_is_private_and_names_the_user(short_tmp: Path) -> None:
    runtime = short_tmp / "run"
    runtime.mkdir(mode=0o755)
    path = si.socket_path(short_tmp / "data", runtime)
    assert path.parent == runtime / "s3uploader-gui"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert f"-{os.getuid()}-" in path.name
    # Another data folder is another instance; the same one is the same.
    assert si.socket_path(short_tmp / "data", runtime) == path
    assert si.socket_path(short_tmp / "other", runtime) != path


def test_a_loose_socket_folder_is_made_private_again(short_tmp: Path) -> None:
    folder = short_tmp / "s3uploader-gui"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    si.socket_path(short_tmp / "data", short_tmp)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_socket_folder_that_is_a_file_is_refused(short_tmp: Path) -> None:
    (short_tmp / "s3uploader-gui").write_text("squatted")
    with pytest.raises(si.InstanceUnavailable):
        si.socket_path(short_tmp / "data", short_tmp)


def test_a_long_runtime_path_falls_back_to_a_short_private_folder(
    tmp_path: Path, short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(short_tmp))  # not the real /tmp
    runtime = tmp_path / ("r" * 120)
    runtime.mkdir()
    path = si.socket_path(tmp_path / "data", runtime)
    assert path.parent.parent == short_tmp
    assert len(os.fsencode(path)) <= si.MAX_SOCKET_PATH
    assert path.parent.name == f"s3uploader-gui-{os.getuid()}"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_only_one_holder_of_the_lock(tmp_path: Path) -> None:
    first, second = si.InstanceLock(tmp_path / "x.lock"), si.InstanceLock(tmp_path / "x.lock")
    assert first.acquire()
    assert not second.acquire()  # a separate open file: flock refuses it, even in-process
    first.release()
    assert second.acquire()  # released (as when the first process ends, however it ends)
    second.release()


def test_claim_says_first_then_not(short_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(_runtime(short_tmp)))
    one = si.claim(short_tmp / "data")
    two = si.claim(short_tmp / "data")
    assert one is not None and two is not None
    assert one.first and not two.first
    assert one.socket_path == two.socket_path
    one.lock.release()


def test_a_later_launch_takes_over_when_the_first_has_gone(
    short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first quit between the check and the hand-over: the later launch starts instead
    of waiting for an answer that cannot come."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(_runtime(short_tmp)))
    one = si.claim(short_tmp / "data")
    two = si.claim(short_tmp / "data")
    assert one is not None and two is not None and not two.first
    one.lock.release()  # as at the end of the first's run
    assert si.forward(two, ("/a",)) is None
    assert two.first
    two.lock.release()


def test_a_first_that_never_answers_is_reported(
    short_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(_runtime(short_tmp)))
    monkeypatch.setattr(si, "hand_over", lambda *a, **k: False)
    one = si.claim(short_tmp / "data")
    two = si.claim(short_tmp / "data")
    assert one is not None and two is not None
    assert si.forward(two, ("/a",)) == 1
    assert "--new-instance" in capsys.readouterr().err
    one.lock.release()


# -- the socket -------------------------------------------------------------------------
def _runtime(tmp_path: Path) -> Path:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    return runtime


@pytest.fixture
def sock_path(short_tmp: Path) -> Path:
    return si.socket_path(short_tmp / "data", _runtime(short_tmp))


@pytest.fixture
def server(qtbot, sock_path: Path) -> Iterator[si.InstanceServer]:
    srv = si.InstanceServer(sock_path)
    assert srv.listen()
    yield srv
    srv.close()


class _Client:
    """``hand_over`` in its own process, as a later launch runs it: it blocks without an
    event loop, and the server needs this process's (a thread would hold the GIL)."""

    def __init__(self, folder: Path) -> None:
        self.procs: list[subprocess.Popen[str]] = []
        self.log = folder / "client-log.txt"

    def submit(self, path: Path, request: LaunchRequest, timeout_s: float) -> Popen[str]:
        code = (
            "import logging, sys; from pathlib import Path\n"
            "logging.basicConfig(level=logging.DEBUG)\n"
            "from s3uploader_gui.ui.single_instance import LaunchRequest, hand_over\n"
            f"ok = hand_over(Path({str(path)!r}), LaunchRequest({request.paths!r}, "
            f"{request.activation_token!r}), {timeout_s!r})\n"
            "print('delivered' if ok else 'not delivered')\n"
        )
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        with open(self.log, "w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=log, text=True
            )
        self.procs.append(proc)
        return proc


@pytest.fixture
def launcher(short_tmp: Path) -> Iterator[_Client]:
    client = _Client(short_tmp)
    yield client
    for proc in client.procs:
        if proc.poll() is None:
            proc.kill()
        if proc.stdout is not None and not proc.stdout.closed:
            proc.communicate()


def _result(qtbot, proc: Popen[str], timeout: int = 30000) -> bool:
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=timeout)
    out, _ = proc.communicate()
    assert proc.returncode == 0, out
    return out.strip() == "delivered"


def test_a_later_launch_hands_its_paths_over(qtbot, server, sock_path, launcher) -> None:
    request = LaunchRequest(("/home/ana/a.jpg", "/home/ana/Photos"), "tok")
    with qtbot.waitSignal(server.requestReceived, timeout=15000) as got:
        client = launcher.submit(sock_path, request, 10.0)
    assert _result(qtbot, client) is True
    assert got.args == [request]
    assert stat.S_IMODE(os.stat(sock_path).st_mode) & 0o077 == 0  # user access only


def test_no_instance_means_no_hand_over(sock_path: Path) -> None:
    assert si.hand_over(sock_path, LaunchRequest(("/a",)), timeout_s=0.3) is False


def test_a_stale_socket_is_replaced(qtbot, sock_path: Path, launcher) -> None:
    # What a crashed instance leaves: a socket file nobody listens on.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(sock_path))
    stale.close()
    assert sock_path.exists()
    assert si.hand_over(sock_path, LaunchRequest(), timeout_s=0.3) is False
    srv = si.InstanceServer(sock_path)
    try:
        assert srv.listen()
        with qtbot.waitSignal(srv.requestReceived, timeout=15000):
            client = launcher.submit(sock_path, LaunchRequest(("/b",)), 10.0)
        assert _result(qtbot, client) is True
    finally:
        srv.close()


def test_the_client_waits_for_a_first_instance_still_starting(
    qtbot, sock_path: Path, launcher
) -> None:
    """The lock is taken before the window is built; the socket listens only after."""
    client = launcher.submit(sock_path, LaunchRequest(("/c",)), 15.0)
    # The client is retrying against a socket that is not there yet.
    qtbot.waitUntil(lambda: "not listening yet" in launcher.log.read_text(), timeout=15000)
    srv = si.InstanceServer(sock_path)
    try:
        with qtbot.waitSignal(srv.requestReceived, timeout=15000) as got:
            assert srv.listen()
        assert _result(qtbot, client) is True
        assert got.args == [LaunchRequest(("/c",))]
    finally:
        srv.close()


def _raw_send(qtbot, path: Path, data: bytes) -> QLocalSocket:
    sock = QLocalSocket()
    sock.connectToServer(str(path))
    qtbot.waitUntil(lambda: sock.state() == QLocalSocket.LocalSocketState.ConnectedState)
    sock.write(data)
    sock.flush()
    return sock


@pytest.mark.parametrize(
    "data", [b"garbage\n", b'{"v": 9, "paths": []}\n', b'{"v": 1, "paths": ["rel"]}\n']
)
def test_malformed_messages_are_ignored_and_the_server_goes_on(
    qtbot, server, sock_path, launcher, data
) -> None:
    received: list[object] = []
    server.requestReceived.connect(received.append)
    sock = _raw_send(qtbot, sock_path, data)
    # The server hangs up without an answer...
    qtbot.waitUntil(lambda: sock.state() == QLocalSocket.LocalSocketState.UnconnectedState)
    assert bytes(sock.readAll().data()) == b""
    assert received == []
    # ...and still serves the next launch.
    with qtbot.waitSignal(server.requestReceived, timeout=15000):
        client = launcher.submit(sock_path, LaunchRequest(("/d",)), 10.0)
    assert _result(qtbot, client) is True


def test_a_silent_connection_is_dropped(qtbot, server, sock_path, monkeypatch) -> None:
    monkeypatch.setattr(si, "READ_TIMEOUT_MS", 200)
    sock = _raw_send(qtbot, sock_path, b'{"v": 1, "paths": ')  # and then nothing
    qtbot.waitUntil(
        lambda: sock.state() == QLocalSocket.LocalSocketState.UnconnectedState, timeout=5000
    )
