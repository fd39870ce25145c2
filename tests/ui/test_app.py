"""The real app process: starts on local storage and never leaves a weed process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest


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
    return env


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
