"""The window gives back what a batch of large parts freed (``core.memory``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Blocks freed in the middle of the heap, as a batch's bodies leave them: below glibc's
# threshold for mappings of their own, between blocks still in use, so neither freeing
# them nor glibc's trimming of the heap's top gives their pages back.
_PROGRAM = """
import ctypes, os
from s3uploader_gui.core.memory import release_free_memory

libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

def rss_mib():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

SIZE = 100 * 1024
blocks, keep = [], []
for _ in range(2000):
    block = libc.malloc(SIZE)
    ctypes.memset(block, 1, SIZE)  # resident
    blocks.append(block)
    keep.append(libc.malloc(64))
for block in blocks:
    libc.free(block)
before = rss_mib()
done = release_free_memory()
after = rss_mib()
print(done, round(before), round(after))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_blocks_leave_the_resident_size_once_released() -> None:
    run = subprocess.run(
        [sys.executable, "-c", _PROGRAM], capture_output=True, text=True, timeout=60, check=True
    )
    done, before, after = run.stdout.split()
    assert done == "True"
    # 195 MiB were freed: without the release they stay resident.
    assert int(before) > 150 and int(before) - int(after) > 150, run.stdout
