"""The embedded SeaweedFS: enforced credentials, persistence, lock, secrets, no orphans."""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
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
