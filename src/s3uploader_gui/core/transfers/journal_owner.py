"""Which running program a journal row belongs to.

Several instances of the app (two windows, a window and the command line) share one
journal file. Each row carries its owner: the process id and when that process started
(``/proc/<pid>/stat``, field 22, with the boot id, so a recycled pid or a reboot is
another owner). A row whose owner still runs is that program's business: no other
instance offers to resume it, aborts its upload or reuses it. A row whose owner is gone
(it quit or crashed) is anyone's to resume.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Owner:
    """A process: its id and its start (``""`` where the system cannot tell)."""

    pid: int
    started: str = ""


#: Rows written before owners were recorded: nobody's, so they can be resumed.
NOBODY = Owner(0, "")


@cache
def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot), None when no such process runs; ""
    where there is no ``/proc`` to ask."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        return None if Path("/proc/self/stat").exists() else ""
    except OSError:
        return ""
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses; the fields after
    # the last ")" start with field 3 (state), so field 22 (starttime) is the 20th.
    fields = raw[raw.rfind(b")") + 2 :].split()
    if len(fields) < 20:
        return ""
    if fields[0] in (b"Z", b"X"):  # a zombie has ended, only its parent has not noticed
        return None
    return fields[19].decode()


def owner_of(pid: int) -> Owner | None:
    """The owner identity of the running process ``pid``; None when it does not run."""
    ticks = _start_ticks(pid)
    if ticks is None:
        return None
    return Owner(pid, f"{_boot_id()}:{ticks}" if ticks else "")


def this_process() -> Owner:
    """This program's identity."""
    return _identity(os.getpid())  # by pid: a forked child is another owner


@cache
def _identity(pid: int) -> Owner:
    return owner_of(pid) or Owner(pid, "")


def is_alive(owner: Owner) -> bool:
    """True while the process that wrote ``owner`` still runs."""
    if owner.pid <= 0:
        return False
    if owner == this_process():
        return True
    current = owner_of(owner.pid)
    if current is None:
        return False
    if current.started and owner.started:
        return current == owner
    # No start time to compare (no /proc): a process with that id runs, assume it is the
    # owner. Only POSIX can ask without side effects (signal 0).
    if sys.platform == "win32":
        return True
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists (permission denied means someone else's process)
    return True


class Owners:
    """Whose rows are whose, for the rows of one call (the system is asked once per
    owner); ``mine`` is the journal's own owner."""

    def __init__(self, mine: Owner) -> None:
        self._mine = mine
        self._known: dict[Owner, bool] = {mine: True}

    def alive(self, owner: Owner) -> bool:
        """True while ``owner`` runs (``mine`` does)."""
        known = self._known.get(owner)
        if known is None:
            known = self._known[owner] = is_alive(owner)
        return known

    def other_running(self, owner: Owner) -> bool:
        """True for another program that still runs: its rows are not to be touched."""
        return owner != self._mine and self.alive(owner)
