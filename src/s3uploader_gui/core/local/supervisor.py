"""Run a child process for exactly as long as our parent keeps a pipe open.

Usage: ``python -m s3uploader_gui.core.local.supervisor -- COMMAND ARGS...`` with standard input
connected to a pipe from the parent. EOF on standard input (the parent quit, crashed or
was killed) or SIGTERM/SIGINT stops the child: first SIGTERM, then SIGKILL after a grace
period. The supervisor exits with the child's status.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the app imports this module at start-up for SUPERVISOR_FLAG alone
    import subprocess

GRACE_SECONDS = 5.0
#: First argument that makes a frozen (PyInstaller) app run this supervisor instead.
SUPERVISOR_FLAG = "--run-supervisor"


def _stop(child: subprocess.Popen[bytes]) -> None:
    import subprocess

    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def main(argv: list[str]) -> int:
    """Start ``argv`` (after ``--``) and supervise it."""
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: supervisor -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    import subprocess

    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def watch_parent() -> None:
        # Blocks until the parent closes its end of the pipe, whichever way it dies.
        try:
            while os.read(sys.stdin.fileno(), 4096):
                pass
        except OSError:
            pass
        stop.set()

    threading.Thread(target=watch_parent, daemon=True).start()
    while not stop.wait(0.2):
        if child.poll() is not None:
            return child.returncode
    _stop(child)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
