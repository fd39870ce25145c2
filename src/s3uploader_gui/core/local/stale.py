"""Find and stop a stale ``weed`` still serving our data folder.

A weed whose supervisor is gone (left by an older version, or one that ignored the signal
it got when its supervisor died) keeps SeaweedFS's own locks in the data folder: the next
start would fail on them. Only a weed of our own user, started as ``weed mini -dir=FOLDER``
for this very folder and not under a live supervisor, counts as stale; any other process is
left alone. Linux only (``/proc``); elsewhere nothing is found.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from s3uploader_gui.core.local.supervisor import SUPERVISOR_FLAG, SUPERVISOR_MODULE

_PROC = Path("/proc")


def _cmdline(pid: int) -> list[str]:
    try:
        raw = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _stat_fields(pid: int) -> list[str]:
    """``/proc/PID/stat`` after the command name (which may hold spaces and parentheses):
    [state, ppid, ...]."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return []
    return raw[raw.rfind(")") + 2 :].split()


def _is_ours(pid: int) -> bool:
    """Real and effective user are ours."""
    try:
        for line in (_PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("Uid:"):
                real, effective = (int(v) for v in line.split()[1:3])
                return real == effective == os.getuid()
    except (OSError, ValueError):
        pass
    return False


def _serves(argv: list[str], data_dir: Path) -> bool:
    return (
        len(argv) > 2
        and os.path.basename(argv[0]) == "weed"
        and "mini" in argv[1:]
        and f"-dir={data_dir}" in argv
    )


def _is_supervisor(pid: int) -> bool:
    argv = _cmdline(pid)
    return SUPERVISOR_MODULE in argv or SUPERVISOR_FLAG in argv[1:2]


def _alive(pid: int) -> bool:
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] not in ("Z", "X")  # a zombie has stopped serving


def weeds_serving(data_dir: Path) -> list[int]:
    """Our user's live ``weed mini`` processes serving ``data_dir``."""
    if not _PROC.is_dir():
        return []
    found = []
    for entry in os.listdir(_PROC):
        if entry.isdigit():
            pid = int(entry)
            if _serves(_cmdline(pid), data_dir) and _is_ours(pid) and _alive(pid):
                found.append(pid)
    return sorted(found)


def stale_weeds(data_dir: Path) -> list[int]:
    """The weeds serving ``data_dir`` whose parent is not a supervisor (orphans)."""
    stale = []
    for pid in weeds_serving(data_dir):
        fields = _stat_fields(pid)
        parent = int(fields[1]) if len(fields) > 1 else 0
        if not (parent > 1 and _is_supervisor(parent)):
            stale.append(pid)
    return stale


def _signal(pid: int, data_dir: Path, signum: int) -> None:
    """Send ``signum`` to ``pid`` if it still is the stale weed (not a recycled pid)."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # gone, or no pidfd (Linux < 5.3)
        if _serves(_cmdline(pid), data_dir) and _is_ours(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
        return
    try:
        # Checked after the pidfd is open: the fd pins this very process.
        if _serves(_cmdline(pid), data_dir) and _is_ours(pid):
            signal.pidfd_send_signal(pidfd, signum)
    except ProcessLookupError:
        pass
    finally:
        os.close(pidfd)


def _wait_gone(pids: list[int], deadline: float) -> list[int]:
    while True:
        left = [pid for pid in pids if _alive(pid)]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)  # polling /proc: the processes are not our children


def stop_stale_weeds(data_dir: Path, timeout: float = 15.0) -> list[int]:
    """Stop every stale weed serving ``data_dir``: SIGTERM (weed shuts down cleanly), then
    SIGKILL for what is still there after ``timeout``. Returns the pids that were stopped;
    raises ``TimeoutError`` if one survives even SIGKILL."""
    stale = stale_weeds(data_dir)
    if not stale:
        return []
    for pid in stale:
        _signal(pid, data_dir, signal.SIGTERM)
    left = _wait_gone(stale, time.monotonic() + timeout)
    for pid in left:
        _signal(pid, data_dir, signal.SIGKILL)
    if _wait_gone(left, time.monotonic() + 5.0):
        raise TimeoutError(f"stale weed {left} did not exit")
    return stale
