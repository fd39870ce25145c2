"""A download's temporary file never outlives it: an interrupted batch removes its own
(a cancelled or failed item removes its own too: see test_download_retries.py), and the
next download into a folder removes those a crashed run left (only the app's own names,
and never one a running download still holds)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.core.transfers.downloads import is_partial_download
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import DownloadSource, ItemStatus
from tests.cli.conftest import REPO_ROOT
from tests.helpers.flaky_get import FlakyGetServer, flaky_get_server
from tests.integration.procs import wait_until

BUCKET = "partials"

#: Downloads one key into a folder with the engine, as the CLI does (engine closed at exit).
WORKER = r"""
import sys
from pathlib import Path
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import DownloadSource

endpoint, bucket, key, dest, size = sys.argv[1:6]
context = S3Context(ConnectionSettings(endpoint_url=endpoint, region="us-east-1",
    access_key_id="k", secret_access_key="s", addressing_style="path", label="w"))
engine = TransferEngine(context)
try:
    engine.download(bucket, [DownloadSource(key, Path(dest) / key, int(size))])
except KeyboardInterrupt:
    sys.exit(130)
finally:
    engine.close()
"""


def _context(server: FlakyGetServer) -> S3Context:
    return S3Context(
        ConnectionSettings(
            endpoint_url=server.endpoint_url,
            region="us-east-1",
            access_key_id="k",
            secret_access_key="s",
            addressing_style="path",
            label="partials",
        )
    )


def _partials(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if is_partial_download(n))


def _worker(server: FlakyGetServer, key: str, dest: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    size = len(server.objects[key])
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, server.endpoint_url, BUCKET, key, str(dest), str(size)],
        env=env,
        cwd=REPO_ROOT,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(30)


def test_a_download_interrupted_by_ctrl_c_leaves_no_temporary_file(tmp_path: Path) -> None:
    objects = {"slow.bin": os.urandom(200_000)}
    with flaky_get_server(BUCKET, objects, breaks=0) as server:
        server.holds["slow.bin"] = threading.Event()  # the body never comes
        proc = _worker(server, "slow.bin", tmp_path)
        try:
            wait_until(lambda: bool(_partials(tmp_path)), timeout=30)
            wait_until(lambda: server.gets == 1, timeout=30)  # its GET is in flight
            proc.send_signal(signal.SIGINT)
            # The temporary file goes at once, while the GET is still stuck...
            wait_until(lambda: not _partials(tmp_path), timeout=30, what="the partial gone")
            server.holds["slow.bin"].set()  # ...and the process ends once it is not
            assert proc.wait(30) == 130
        finally:
            _stop(proc)
    assert os.listdir(tmp_path) == []


def test_the_next_download_removes_what_a_crash_left_and_only_that(tmp_path: Path) -> None:
    objects = {name: os.urandom(100_000) for name in ("crashed.bin", "running.bin", "new.bin")}
    foreign = [
        "crashed.bin.22070FFd",  # looks like s3transfer's temporary name: not the app's
        ".notes.s3uploader-zzzz.part",  # not the app's pattern
        "a.s3uploader-0123abcd.part",  # no leading dot: a user's file
    ]
    for name in foreign:
        (tmp_path / name).write_bytes(b"keep me")
    with flaky_get_server(BUCKET, objects, breaks=0) as server:
        server.holds["crashed.bin"] = threading.Event()
        server.holds["running.bin"] = threading.Event()
        crashed = _worker(server, "crashed.bin", tmp_path)
        running = _worker(server, "running.bin", tmp_path)
        try:
            wait_until(lambda: len(_partials(tmp_path)) == 2 and server.gets == 2, timeout=30)
            left = set(_partials(tmp_path))
            crashed.send_signal(signal.SIGKILL)  # a crash: no cleanup of any kind
            crashed.wait(30)
            stale = next(n for n in left if "crashed" in n)
            live = next(n for n in left if "running" in n)
            # Both look old: only the lock the running download holds tells them apart.
            hour_ago = time.time() - 3600
            for name in left:
                os.utime(tmp_path / name, (hour_ago, hour_ago))

            engine = TransferEngine(_context(server))
            try:
                (result,) = engine.download(
                    BUCKET, [DownloadSource("new.bin", tmp_path / "new.bin", 100_000)]
                )
            finally:
                engine.close()
            assert result.status is ItemStatus.DONE, result.error
            names = set(os.listdir(tmp_path))
            assert stale not in names
            assert live in names
            for name in foreign:
                assert name in names

            server.holds["running.bin"].set()  # the running download goes on unharmed
            assert running.wait(60) == 0
        finally:
            _stop(crashed)
            _stop(running)
    assert (tmp_path / "running.bin").read_bytes() == objects["running.bin"]
    assert sorted(os.listdir(tmp_path)) == sorted(["new.bin", "running.bin", *foreign])
