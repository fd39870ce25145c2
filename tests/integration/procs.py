"""Helpers for integration tests: find processes through /proc, wait with a deadline."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T], timeout: float, *, interval: float = 0.05, what: str = ""
) -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(interval)  # the pause between polls, bounded by the deadline above


def cmdline(pid: int) -> list[str]:
    """The argv of ``pid`` ([] for zombies and processes that are gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def processes_serving(data_dir: Path) -> dict[int, list[str]]:
    """Live processes whose command line names ``-dir=DATA_DIR`` (weed and its supervisor)."""
    wanted = f"-dir={data_dir}"
    found: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        argv = cmdline(int(entry))
        if wanted in argv:
            found[int(entry)] = argv
    return found


def weed_pids(data_dir: Path) -> list[int]:
    """PIDs of the ``weed`` binary itself serving ``data_dir``."""
    return sorted(
        pid for pid, argv in processes_serving(data_dir).items() if Path(argv[0]).name == "weed"
    )
