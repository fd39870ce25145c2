"""The real app process: starts on local storage and never leaves a weed process behind;
a second launch hands its files to the first."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from s3uploader_gui.app import STARTUP_PROBE_ENV
from s3uploader_gui.core.local.info import DEFAULT_BUCKET


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        QT_QPA_PLATFORM="offscreen",
    )
    env.pop(STARTUP_PROBE_ENV, None)
    return env


@pytest.fixture(autouse=True)
def runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The apps' single-instance sockets live here, never in the developer's runtime
    folder; a short path, as a socket's must be (pytest's own folders are long)."""
    path = Path(tempfile.mkdtemp(prefix="rt-"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(path))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _weed_pids(data_dir: Path) -> list[int]:
    """PIDs of weed processes serving ``data_dir`` (read from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmdline and cmdline[0].endswith(b"weed") and f"-dir={data_dir}".encode() in cmdline:
            pids.append(int(entry.name))
    return pids


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def _local_dir(home: Path) -> Path:
    return home / "data" / "s3uploader-gui" / "local-s3"


def test_version_flag():
    out = subprocess.run(
        [sys.executable, "-m", "s3uploader_gui", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.startswith("s3uploader-gui ")


def test_first_run_starts_local_storage_and_quits_cleanly(tmp_path):
    shot = tmp_path / "first-run.png"
    proc = subprocess.run(
        [sys.executable, "-m", "s3uploader_gui", "--quit-after", "8000", "--screenshot", str(shot)],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data_dir = _local_dir(tmp_path)
    assert (data_dir / "weed.log").exists(), "the local server was not started"
    assert shot.stat().st_size > 10_000
    assert _weed_pids(data_dir) == []


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_no_orphan_server_when_app_dies(tmp_path, how):
    log = tmp_path / "app-stderr.txt"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "s3uploader_gui"],
            env=_env(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    data_dir = _local_dir(tmp_path)
    try:
        _wait_for(lambda: bool(_weed_pids(data_dir)), 60, "the local server to start")
        proc.send_signal(how)
        proc.wait(30)
        _wait_for(lambda: not _weed_pids(data_dir), 20, "weed to stop after the app died")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in _weed_pids(data_dir):
            os.kill(pid, signal.SIGKILL)
    if how == signal.SIGINT:
        assert proc.returncode == 0, log.read_text()


def _app_log(home: Path) -> Path:
    return home / "state" / "s3uploader-gui" / "log" / "s3uploader-gui.log"


def _local_objects(data_dir: Path) -> list[str]:
    """Keys in the local storage's default bucket, asked of the app's own weed.

    Its port is in the options file weed was started with (0600, in the data folder) and
    its random credentials in its environment, both readable by the same user.
    """
    import boto3
    from botocore.config import Config
    from botocore.exceptions import EndpointConnectionError

    (pid,) = _weed_pids(data_dir)
    from s3uploader_gui.core.local.weedconf import OPTIONS_FILE

    options = (data_dir / OPTIONS_FILE).read_text().splitlines()
    port = next(line for line in options if line.startswith("s3.port=")).split("=", 1)[1]
    environ = dict(
        item.split("=", 1)
        for item in Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
        if "=" in item
    )
    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id=environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=environ["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )
    try:
        listing = client.list_objects_v2(Bucket=DEFAULT_BUCKET)
    except (client.exceptions.NoSuchBucket, EndpointConnectionError):
        return []  # not started, or not made yet: asked again
    return sorted(o["Key"] for o in listing.get("Contents", []))


def _alive(proc: subprocess.Popen[bytes], output: Path) -> bool:
    """True while ``proc`` runs; fails the test with its output once it has ended."""
    if proc.poll() is not None:
        pytest.fail(f"the app ended with {proc.returncode}:\n{output.read_text()}")
    return True


def _launch(home: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "s3uploader_gui", *args],
        env=_env(home),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_open_with_and_a_second_launch_share_one_window(tmp_path):
    """``s3uploader-gui FILE`` uploads FILE; a second launch hands its files to the first
    and exits: one window, one local server, one journal writer."""
    (tmp_path / "photos").mkdir()
    first_file = tmp_path / "photos" / "first.txt"
    first_file.write_text("from the command line")
    second_file = tmp_path / "photos" / "second file.txt"
    second_file.write_text("from a second launch")
    data_dir = _local_dir(tmp_path)
    out = tmp_path / "first-output.txt"
    with open(out, "wb") as err:
        first = subprocess.Popen(
            [sys.executable, "-m", "s3uploader_gui", str(first_file)],
            env=_env(tmp_path),
            stdout=err,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(
            lambda: _alive(first, out) and bool(_weed_pids(data_dir)),
            60,
            "the local server to start",
        )
        _wait_for(lambda: _local_objects(data_dir) == ["first.txt"], 60, "the first upload")

        # A relative path, as a terminal gives it: it means the second launch's folder.
        started = time.monotonic()
        second = _launch(tmp_path, "second file.txt", cwd=tmp_path / "photos")
        took = time.monotonic() - started
        assert second.returncode == 0, second.stderr
        assert took < 20, f"the second launch took {took:.1f} s"
        assert "startup-probe" not in second.stdout

        _wait_for(
            lambda: "queued 1 path(s) from another launch" in _app_log(tmp_path).read_text(),
            30,
            "the first window to receive the path",
        )
        _wait_for(
            lambda: _local_objects(data_dir) == ["first.txt", "second file.txt"],
            60,
            "the second file to be uploaded by the first window",
        )
        assert len(_weed_pids(data_dir)) == 1
        # One window was built (the log says so once per window), so one session and one
        # transfer journal.
        assert _app_log(tmp_path).read_text().count(" started ") == 1

        # --new-instance opens another window anyway (the start-up probe shows it).
        probe = subprocess.run(
            [sys.executable, "-m", "s3uploader_gui", "--new-instance"],
            env={**_env(tmp_path), STARTUP_PROBE_ENV: "1"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert probe.returncode == 0, probe.stderr
        assert "shown=1" in probe.stdout
    finally:
        first.send_signal(signal.SIGINT)
        try:
            first.wait(30)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
            for pid in _weed_pids(data_dir):
                os.kill(pid, signal.SIGKILL)
    assert first.returncode == 0, out.read_text()
    assert _weed_pids(data_dir) == []


def test_a_crashed_instance_does_not_block_the_next_start(tmp_path, runtime_dir):
    """SIGKILL leaves the socket file behind; the next launch replaces it and starts."""
    data_dir = _local_dir(tmp_path)
    out = tmp_path / "first-output.txt"
    with open(out, "wb") as err:
        first = subprocess.Popen(
            [sys.executable, "-m", "s3uploader_gui"],
            env=_env(tmp_path),
            stdout=err,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(
            lambda: _alive(first, out) and any(runtime_dir.rglob("*.sock")),
            60,
            "the first to listen",
        )
        first.kill()
        first.wait(30)
        _wait_for(lambda: not _weed_pids(data_dir), 20, "weed to stop after the app died")
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert any(runtime_dir.rglob("*.sock")), "the crash left no socket file"
    probe = subprocess.run(
        [sys.executable, "-m", "s3uploader_gui"],
        env={**_env(tmp_path), STARTUP_PROBE_ENV: "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    assert "shown=1" in probe.stdout
