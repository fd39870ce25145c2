"""Giving the memory a finished batch freed back to the system.

A batch of large files reads each part (8 MiB and more) into memory on several threads.
glibc keeps what they free in its arenas, where it still counts in the window's resident
size, and its threshold for giving big blocks their own mappings rises after the first
ones are freed: after a few large batches the window holds a hundred MiB it does not use.
``malloc_trim`` hands the free pages back. The command line ends after its batch and
never needs it.
"""

from __future__ import annotations

import sys


def release_free_memory() -> bool:
    """Hand the C allocator's free pages back to the system (glibc's ``malloc_trim``);
    False where there is no such call (another C library, another system). Blocks for
    a few milliseconds at most, without holding Python's lock (a worker's, not the GUI
    thread's, call)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl, or no libc.so.6
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True
