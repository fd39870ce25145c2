"""Run a child process for exactly as long as our parent keeps a pipe open.

Usage: ``python -m s3uploader_gui.core.local.supervisor [--pass-fd N] [--remove-sockets
FILE] [--nice N] -- COMMAND ARGS...`` with standard input connected to a pipe from the
parent. EOF on standard input (the parent quit, crashed or was killed) or SIGTERM/SIGINT
stops the child: first SIGTERM, then SIGKILL after a grace period. The supervisor exits
with the child's status.

If the supervisor itself is killed (``kill -9``, the OOM killer), the kernel sends the child
SIGTERM (Linux ``PR_SET_PDEATHSIG``): the child never outlives it. ``--pass-fd N`` hands
file descriptor N (the data folder's lock) on to the child, so the lock is held for as long
as the child really runs. ``--remove-sockets FILE`` names a file listing unix socket paths
(one a line, relative to the working directory) to remove once the child has exited: a
``weed`` that had to be SIGKILLed leaves its sockets in /tmp otherwise. ``--nice N``
runs the child (and the supervisor, which only waits) N steps nicer than the parent.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the app imports this module at start-up for SUPERVISOR_FLAG alone
    import subprocess
    from collections.abc import Callable, Iterable

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


def remove_dead_sockets(paths: Iterable[str]) -> None:
    """Remove each path that is a unix socket of our own user with nobody listening on it.

    A socket someone still serves (a later weed that got the same port) answers ``connect``
    and stays; another user's, a regular file or a symlink is never touched.
    """
    import socket
    import stat

    for path in paths:
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.geteuid():
            continue
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(path)
            except ConnectionRefusedError:  # the address of a listener that is gone
                with contextlib.suppress(OSError):
                    os.unlink(path)
            except OSError:
                pass  # too long an address, no permission ...: leave it


def _remove_listed_sockets(list_file: str | None) -> None:
    if list_file is None:
        return
    try:
        with open(list_file, "rb") as fh:
            listed = fh.read()
    except OSError:
        return
    remove_dead_sockets(os.fsdecode(line) for line in listed.splitlines() if line)


def main(argv: list[str]) -> int:
    """Start ``argv`` (after ``--``) and supervise it."""
    pass_fds: list[int] = []
    sockets_file: str | None = None
    nice = 0
    while len(argv) >= 2 and argv[0] in ("--pass-fd", "--remove-sockets", "--nice"):
        if argv[0] == "--remove-sockets":
            sockets_file = argv[1]
        elif not argv[1].isdigit():
            break
        elif argv[0] == "--nice":
            nice = int(argv[1])
        else:
            pass_fds.append(int(argv[1]))
        argv = argv[2:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print(
            "usage: supervisor [--pass-fd N] [--remove-sockets FILE] [--nice N] -- COMMAND "
            "[ARGS...]",
            file=sys.stderr,
        )
        return 2
    if nice and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(nice)  # before the child starts: all of its threads inherit it
    try:
        return _supervise(argv, pass_fds)
    finally:
        _remove_listed_sockets(sockets_file)


def _supervise(argv: list[str], pass_fds: list[int]) -> int:
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
