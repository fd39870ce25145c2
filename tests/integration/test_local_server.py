"""The embedded SeaweedFS: enforced credentials, persistence, lock, secrets, no orphans."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import select
import signal
import socket
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import botocore.exceptions as bce
import pytest

from s3uploader_gui.core.errors import AuthError, ConfigError, SignatureMismatch, translate
from s3uploader_gui.core.local.info import LOCAL_HOST, LocalServerInfo
from s3uploader_gui.core.local.server import LocalServer
from s3uploader_gui.core.objects import create_bucket
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.listing import list_buckets
from tests.conftest import seaweed_settings
from tests.integration.procs import processes_serving, wait_until, weed_pids

#: weed needs about two seconds for a graceful stop; allow plenty more on a busy machine.
GONE_WITHIN = 20.0


@pytest.fixture(scope="module")
def second(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LocalServer, LocalServerInfo]]:
    """A second LocalServer, separate from the session one."""
    server = LocalServer(tmp_path_factory.mktemp("second-seaweed"))
    info = server.start()
    try:
        yield server, info
    finally:
        server.stop()


def context(info: LocalServerInfo, **overrides: object) -> S3Context:
    return S3Context(seaweed_settings(info, **overrides))


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket ``pid`` listens on, from /proc/net/tcp{,6}."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                address, port = local.split(":")
                assert len(address) == width
                if width == 8:
                    address = ".".join(str(b) for b in reversed(bytes.fromhex(address)))
                found.add((address, int(port, 16)))
    return found


def test_serves_on_loopback_only(second: tuple[LocalServer, LocalServerInfo]) -> None:
    server, info = second
    assert server.running
    assert info.endpoint_url.startswith(f"http://{LOCAL_HOST}:")
    [weed] = weed_pids(info.data_dir)
    # The admin component starts a moment after the S3 port answers: wait for it.
    listening = wait_until(
        lambda: (
            (found := listening_addresses(weed))
            and {port for _, port in found} >= set(info.ports.values())
            and found
        ),
        GONE_WITHIN,
        what="weed to listen on all its ports",
    )
    assert {address for address, _ in listening} == {LOCAL_HOST}, listening
    options = (info.data_dir / "weed.options").read_text().splitlines()
    assert "master.telemetry=false" in options  # nothing is posted to a remote URL
    argv = processes_serving(info.data_dir)[weed]
    assert info.secret_access_key not in " ".join(argv)  # the secret is not on the command line
    assert info.secret_access_key not in repr(info)


def test_the_server_and_every_thread_of_it_run_nicer_than_the_app(
    second: tuple[LocalServer, LocalServerInfo],
) -> None:
    """The window's thread gets a core before the app's own server when both want one."""
    from s3uploader_gui.core.local.server import SERVER_NICE

    _, info = second
    [weed] = weed_pids(info.data_dir)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    threads = [int(t) for t in os.listdir(f"/proc/{weed}/task")]
    assert len(threads) > 1  # Go's threads, started after the nice value was set
    nice = {os.getpriority(os.PRIO_PROCESS, t) for t in threads}
    assert SERVER_NICE > 0 and nice == {min(ours + SERVER_NICE, 19)}


def test_credentials_are_enforced(second: tuple[LocalServer, LocalServerInfo]) -> None:
    _, info = second
    good = context(info)
    create_bucket(good.client, "enforced")
    assert "enforced" in [b.name for b in list_buckets(good.client)]

    wrong_secret = context(info, secret_access_key=info.secret_access_key[::-1])
    with pytest.raises(bce.ClientError) as raw:
        wrong_secret.client.list_buckets()
    err = translate(raw.value)
    assert isinstance(err, SignatureMismatch)
    assert info.secret_access_key not in err.message

    unknown_key = context(info, access_key_id="nobody-knows-me")
    with pytest.raises(AuthError) as info_err:
        list_buckets(unknown_key.client)
    assert type(info_err.value) is AuthError
    assert info_err.value.code == "InvalidAccessKeyId"


def test_second_server_on_the_same_dir_is_refused(
    second: tuple[LocalServer, LocalServerInfo],
) -> None:
    _, info = second
    before = weed_pids(info.data_dir)
    intruder = LocalServer(info.data_dir)
    with pytest.raises(ConfigError) as err:
        intruder.start()
    assert "already in use" in err.value.message
    assert not intruder.running
    assert weed_pids(info.data_dir) == before  # no second weed was started


def grep_tree(root: Path, needle: bytes) -> list[Path]:
    hits: list[Path] = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                if needle in path.read_bytes():
                    hits.append(path)
            except OSError:
                pass
    return hits


def test_persistence_new_credentials_and_clean_stop(tmp_path: Path) -> None:
    data = tmp_path / "store"
    server = LocalServer(data)
    first = server.start()
    try:
        client = context(first).client
        create_bucket(client, "keep")
        client.put_object(
            Bucket="keep", Key="a/été.txt", Body=b"persisted", ContentType="text/plain"
        )
        assert weed_pids(data), "weed is not running"
    finally:
        server.stop()
    assert not server.running
    assert processes_serving(data) == {}  # stop() waited for weed and its supervisor

    second_run = server.start()
    try:
        assert second_run.access_key_id != first.access_key_id
        assert second_run.secret_access_key != first.secret_access_key
        assert second_run.endpoint_url != first.endpoint_url
        answer = context(second_run).client.get_object(Bucket="keep", Key="a/été.txt")
        assert answer["Body"].read() == b"persisted"
        assert answer["ContentType"] == "text/plain"
        # Last run's credentials no longer work.
        with pytest.raises(AuthError):
            list_buckets(context(second_run, access_key_id=first.access_key_id).client)
    finally:
        server.stop()
    assert processes_serving(data) == {}

    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.name == "weed.log" for p in files)
    for secret in (first.secret_access_key, second_run.secret_access_key):
        assert grep_tree(data, secret.encode()) == []


# -- no orphans ------------------------------------------------------------------------
CHILD = textwrap.dedent(
    """
    import json, signal, sys
    from pathlib import Path
    from s3uploader_gui.core.local.server import LocalServer

    info = LocalServer(Path(sys.argv[1])).start()
    print(json.dumps({"pid": info.pid, "url": info.endpoint_url}), flush=True)
    while True:
        signal.pause()
    """
)


def start_app_like_child(data: Path) -> tuple[subprocess.Popen[str], dict[str, object]]:
    """A python process that starts a LocalServer and then just runs, like the app."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        # Its own process group, so a "Ctrl+C" can be sent to the group like a terminal does.
        start_new_session=True,
    )
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], 60)
    if not ready:
        child.kill()
        child.wait()
        child.stdout.close()
        pytest.fail("the child did not start its local server within 60 s")
    line = child.stdout.readline()
    assert line, f"the child died while starting (exit {child.wait()})"
    return child, json.loads(line)


def lock_is_free(data: Path) -> bool:
    fd = os.open(data / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(lambda p: p.kill(), id="SIGKILL"),
        pytest.param(lambda p: os.killpg(p.pid, signal.SIGINT), id="Ctrl+C"),
        pytest.param(lambda p: p.terminate(), id="SIGTERM"),
    ],
)
def test_no_orphan_weed_when_the_app_dies(tmp_path: Path, how: object) -> None:
    data = tmp_path / "orphans"
    child, info = start_app_like_child(data)
    try:
        weeds = weed_pids(data)
        assert len(weeds) == 1, processes_serving(data)
        supervisor = int(str(info["pid"]))
        assert supervisor in processes_serving(data)
        assert not lock_is_free(data)

        how(child)  # type: ignore[operator]
        child.wait(30)
        assert child.returncode != 0

        wait_until(
            lambda: not processes_serving(data), GONE_WITHIN, what="weed and its supervisor to exit"
        )
        # Then the data directory is free for the next run. (A process leaves /proc's
        # cmdline a moment before the kernel closes its files: wait, don't assert at once.)
        wait_until(lambda: lock_is_free(data), GONE_WITHIN, what="the data-dir lock to be freed")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
        for pid in processes_serving(data):  # clean up only what this test started
            os.kill(pid, signal.SIGKILL)


# -- nothing left in /tmp -------------------------------------------------------------------
#: weed's unix sockets: /tmp/seaweedfs-<component>[-grpc]-<port>.sock.
WEED_SOCKET = re.compile(r"seaweedfs-[a-z0-9]+(?:-grpc)?-(\d+)\.sock")


def tmp_entries() -> dict[str, tuple[int, int]]:
    """/tmp's entries, each with its inode and change time: a file made anew under an old
    name (weed replacing a dead socket of an earlier run that had its port) may get the
    inode number the old one had, never its change time."""
    found = {}
    for entry in os.scandir("/tmp"):
        with contextlib.suppress(OSError):
            st = entry.stat(follow_symlinks=False)
            found[entry.name] = (st.st_ino, st.st_ctime_ns)
    return found


def weed_files_in_tmp(
    before: dict[str, tuple[int, int]], ports: Mapping[str, int], weed: int
) -> list[str]:
    """What the run with ``ports`` (and weed pid ``weed``) made in /tmp since ``before``: its
    unix sockets and glog's ``weed.HOST.USER.log.LEVEL.DATE.PID`` files.

    /tmp may hold leftovers of earlier runs whose port numbers (or pid) happen to be ours,
    and other runs come and go meanwhile: only entries that are new (or were made anew)
    since ``before`` and carry this run's port numbers or pid count."""
    numbers = {str(port) for port in ports.values()}
    found = []
    for name, identity in tmp_entries().items():
        if before.get(name) == identity:
            continue
        match = WEED_SOCKET.fullmatch(name)
        if (match and match.group(1) in numbers) or (
            name.startswith("weed.") and name.endswith(f".{weed}")
        ):
            found.append(name)
    return sorted(found)


def server_sockets(ports: Mapping[str, int]) -> set[str]:
    """The gRPC sockets there once the S3 port answers. The admin's comes a moment later
    (on a loaded machine, many seconds later): it may or may not be there yet, and must
    be gone after the stop like the others."""
    return {name for name in grpc_sockets(ports) if not name.startswith("seaweedfs-admin-")}


def grpc_sockets(ports: Mapping[str, int]) -> list[str]:
    """The unix sockets weed 4.48 puts in /tmp for its gRPC servers (no flag moves them)."""
    return sorted(
        f"seaweedfs-{name}-grpc-{ports[name + '.grpc']}.sock"
        for name in ("master", "volume", "filer", "s3", "admin")
    )


def test_a_run_leaves_nothing_in_tmp(tmp_path: Path) -> None:
    """weed's HTTP sockets live in the data folder; its gRPC sockets (which /tmp holds only
    while it runs, private to the user) and log files leave nothing behind."""
    data = tmp_path / "store"
    server = LocalServer(data)
    before = tmp_entries()
    info = server.start()
    try:
        [weed] = weed_pids(data)
        expected = set(grpc_sockets(info.ports))
        core = server_sockets(info.ports)

        def only_grpc_sockets() -> set[str]:
            found = set(weed_files_in_tmp(before, info.ports, weed))
            assert found <= expected, f"weed left other files in /tmp: {found - expected}"
            return found if core <= found else set()

        found = wait_until(only_grpc_sockets, GONE_WITHIN, what="the servers' gRPC sockets in /tmp")
        for name in found:
            assert stat.S_IMODE(os.lstat(f"/tmp/{name}").st_mode) & 0o077 == 0, name
        assert (data / "s3.sock").is_socket() and (data / "filer.sock").is_socket()
        assert context(info).client.list_buckets()["Buckets"] is not None
    finally:
        server.stop()
        for pid in processes_serving(data):
            os.kill(pid, signal.SIGKILL)
    assert weed_files_in_tmp(before, info.ports, weed) == []
    assert not [p.name for p in data.iterdir() if p.is_socket()]


def test_the_supervisor_removes_the_sockets_of_a_killed_weed(tmp_path: Path) -> None:
    """A weed killed with SIGKILL cannot remove its own sockets: its supervisor does."""
    data = tmp_path / "store"
    server = LocalServer(data)
    before = tmp_entries()
    info = server.start()
    try:
        [weed] = weed_pids(data)
        wait_until(
            lambda: set(weed_files_in_tmp(before, info.ports, weed)) >= server_sockets(info.ports),
            GONE_WITHIN,
            what="weed's gRPC sockets",
        )
        os.kill(weed, signal.SIGKILL)
        wait_until(lambda: not processes_serving(data), GONE_WITHIN, what="the supervisor to exit")
        assert weed_files_in_tmp(before, info.ports, weed) == []
        assert not [p.name for p in data.iterdir() if p.is_socket()]
    finally:
        server.stop()
        for pid in processes_serving(data):
            os.kill(pid, signal.SIGKILL)


def test_the_next_start_removes_the_sockets_of_a_weed_killed_with_its_supervisor(
    tmp_path: Path,
) -> None:
    data = tmp_path / "store"
    server = LocalServer(data)
    before = tmp_entries()
    info = server.start()
    try:
        [weed] = weed_pids(data)
        wait_until(
            lambda: set(weed_files_in_tmp(before, info.ports, weed)) >= server_sockets(info.ports),
            GONE_WITHIN,
            what="weed's gRPC sockets",
        )
        # Stopped first, so the SIGTERM its supervisor's death sends it is never handled.
        os.kill(weed, signal.SIGSTOP)
        os.kill(info.pid, signal.SIGKILL)
        os.kill(weed, signal.SIGKILL)
        wait_until(lambda: not processes_serving(data), GONE_WITHIN, what="weed to exit")
        left = set(weed_files_in_tmp(before, info.ports, weed))
        assert left >= server_sockets(info.ports)  # what the test is about
        dead = {name: identity for name, identity in tmp_entries().items() if name in left}
        server.stop()
        # A killed process leaves /proc's cmdline a moment before its files are closed.
        wait_until(lambda: lock_is_free(data), GONE_WITHIN, what="the data-dir lock to be freed")
        server.start()
        # The dead run's files themselves: the new run may be given a port number the dead
        # one had, and then makes a socket of the same name, which is its own.
        now = tmp_entries()
        assert [name for name, identity in dead.items() if now.get(name) == identity] == []
    finally:
        server.stop()
        for pid in processes_serving(data):
            os.kill(pid, signal.SIGKILL)


def test_only_dead_sockets_of_our_own_are_removed(tmp_path: Path) -> None:
    from s3uploader_gui.core.local.supervisor import remove_dead_sockets

    live = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    live.bind(str(tmp_path / "live.sock"))
    live.listen()
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(tmp_path / "dead.sock"))
    dead.close()  # bound, never listening: what a SIGKILLed server leaves
    (tmp_path / "file.sock").write_text("not a socket")
    (tmp_path / "link.sock").symlink_to(tmp_path / "dead.sock")
    try:
        remove_dead_sockets(
            str(tmp_path / name) for name in ("live.sock", "dead.sock", "file.sock", "link.sock")
        )
        assert sorted(p.name for p in tmp_path.iterdir()) == ["file.sock", "link.sock", "live.sock"]
    finally:
        live.close()


def test_without_cryptography_the_start_fails_with_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gRPC certificates need the ``cryptography`` package (the ``server`` extra)."""
    for name in [m for m in sys.modules if m == "cryptography" or m.startswith("cryptography.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "cryptography", None)  # as if it were not installed
    data = tmp_path / "store"
    server = LocalServer(data)
    with pytest.raises(ConfigError) as err:
        server.start()
    assert "cryptography" in err.value.message and "server" in err.value.message
    assert not server.running and processes_serving(data) == {}
    assert lock_is_free(data)  # a later start (with the package) is not blocked
