"""The temporary files downloads write to, and how the ones a crash left are found.

A download writes to ``.<name>.s3uploader-<8 hex>.part`` beside its target and holds an
exclusive ``flock`` on it for as long as the file is open. A process that dies (a crash,
``kill -9``, a power cut) cannot remove its file, but the kernel drops its lock: so a
file with this name that nobody holds a lock on, and that has not been written for a
minute, belongs to no running download and is removed by the next download into its
folder. Nothing else is ever removed: not a name of another pattern (s3transfer's
``name.1A2b3C4d``, a user's file), not a folder, not a link.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import time
from pathlib import Path

log = logging.getLogger(__name__)

_PARTIAL = re.compile(r"^\..*\.s3uploader-[0-9a-f]{8}\.part$", re.DOTALL)

#: A partial file written this recently is left alone even when nobody holds its lock: a
#: download takes the lock just after creating the file, and lets it go just before the
#: file takes its name.
STALE_AFTER_S = 60.0


def is_partial_download(name: str) -> bool:
    """True for the name of a download in progress (or left by a crash)."""
    return bool(_PARTIAL.match(name))


def partial_name(name: str, name_max: int = 255) -> str:
    """A fresh temporary name for a download of ``name``, within ``name_max`` bytes."""
    suffix = f".s3uploader-{os.urandom(4).hex()}.part"
    room = name_max - 1 - len(suffix)
    while name and len(os.fsencode(name)) > room:
        name = name[:-1]
    return f".{name}{suffix}"


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on ``fd``; False when another open file holds it (or
    where there are no such locks)."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; no file can be told stale
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def create_partial(path: Path) -> int:
    """Create the partial file ``path`` (never an existing one) and lock it; its fd."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    _try_lock(fd)  # without locks (Windows) the download still works; it is not guarded
    return fd


def remove_stale(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove the partial files in ``folder`` that no running download holds; the paths
    removed. A folder that cannot be read is left as it is."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not is_partial_download(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < STALE_AFTER_S:
            continue
        path = Path(entry.path)
        if _remove_if_unheld(path, info):
            removed.append(path)
    if removed:
        log.info("removed %d partial download(s) left in %s", len(removed), folder)
    return removed


def _remove_if_unheld(path: Path, seen: os.stat_result) -> bool:
    """Unlink ``path`` when its lock is free, holding that lock meanwhile (so no download
    can take it in between)."""
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError:
        return False
    try:
        now = os.fstat(fd)
        if (now.st_ino, now.st_dev) != (seen.st_ino, seen.st_dev) or not _try_lock(fd):
            return False
        try:
            os.unlink(path)
        except OSError:
            return False
        return True
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
