"""Run a child process for exactly as long as our parent keeps a pipe open.

Usage: ``python -m s3uploader_gui.core.local.supervisor [--pass-fd N] -- COMMAND ARGS...``
with standard input connected to a pipe from the parent. EOF on standard input (the parent
quit, crashed or was killed) or SIGTERM/SIGINT stops the child: first SIGTERM, then SIGKILL
after a grace period. The supervisor exits with the child's status.

If the supervisor itself is killed (``kill -9``, the OOM killer), the kernel sends the child
SIGTERM (Linux ``PR_SET_PDEATHSIG``): the child never outlives it. ``--pass-fd N`` hands
file descriptor N (the data folder's lock) on to the child, so the lock is held for as long
as the child really runs.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the app imports this module at start-up for SUPERVISOR_FLAG alone
    import subprocess
    from collections.abc import Callable

GRACE_SECONDS = 5.0
#: First argument that makes a frozen (PyInstaller) app run this supervisor instead.
SUPERVISOR_FLAG = "--run-supervisor"
#: How a non-frozen app starts it (``python -m``); ``stale.py`` recognises both forms.
SUPERVISOR_MODULE = "s3uploader_gui.core.local.supervisor"
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_us() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the kernel SIGTERM the child when this process dies.

    Set in the child between fork and exec. The signal is tied to the thread that forked,
    so the child is started from the main thread, and this process never forks from another.
    """
    if not sys.platform.startswith("linux"):
        return None  # elsewhere the pipe from the app is the only link
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    us = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != us:  # we died before the prctl: nobody would stop the child
            os._exit(1)

    return preexec


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
    pass_fds: list[int] = []
    while len(argv) >= 2 and argv[0] == "--pass-fd" and argv[1].isdigit():
        pass_fds.append(int(argv[1]))
        argv = argv[2:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: supervisor [--pass-fd N] -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    import subprocess

    child = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, pass_fds=pass_fds, preexec_fn=_die_with_us()
    )
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
