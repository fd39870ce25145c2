"""``python -m s3uploader_gui.cli`` ends without the interpreter's teardown
(``cli_main.exit_now``), and nothing a run leaves to its end is lost: the exit status,
every line on stdout (also to a pipe, far beyond a buffer), stderr, the exit handlers."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from s3uploader_gui.cli.cli_main import exit_now
from s3uploader_gui.core.history import HistoryEntry, HistoryStore

#: The module run as ``python -m`` would, with an exit handler of its own.
_CHILD = (
    "import atexit, runpy, sys\n"
    "atexit.register(lambda: print('exit handler ran', file=sys.stderr))\n"
    "sys.argv = ['s3uploader', *sys.argv[1:]]\n"
    "runpy.run_module('s3uploader_gui.cli', run_name='__main__', alter_sys=True)\n"
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _CHILD, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )


def test_the_status_the_output_and_the_exit_handlers_are_kept() -> None:
    done = _run("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("s3uploader ")
    assert done.stderr == "exit handler ran\n"
    refused = _run("upload", "x")
    assert refused.returncode == 2
    assert "--to" in refused.stderr
    assert refused.stderr.endswith("exit handler ran\n")


def test_every_line_reaches_a_pipe() -> None:
    with HistoryStore() as store:  # the test's own data folder (XDG_DATA_HOME)
        store.clear()
        store.record(HistoryEntry("b", f"k{i:05d}.txt", i, 1e9 + i) for i in range(3000))
    listed = _run("history", "--json", "--limit", "5000")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 3000
    assert '"key": "k00000.txt"' in lines[-1]


def test_a_thread_still_running_gets_the_usual_exit() -> None:
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        with pytest.raises(SystemExit) as ended:
            exit_now(3)
        assert ended.value.code == 3
    finally:
        release.set()
        worker.join()


def test_a_profiler_still_gets_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "run.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "s3uploader_gui.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0
