"""Work nobody waits for yields the cores to the work somebody does.

On a machine with two cores, thumbnails decoded in C (the GIL released) can keep both
cores busy; the window's thread then waits for a core, not for the GIL, and the window
freezes for tens of milliseconds. Threads doing such work lower their own priority: the
scheduler then runs the window's thread at once when it wakes, and still gives the
background threads every core nobody else wants.
"""

from __future__ import annotations

import os
import sys
import threading

#: The nice value of a background thread (0 is the default, 19 the lowest).
BACKGROUND_NICE = 10


def lower_this_thread() -> bool:
    """Give the calling thread (only it) a background priority; never raises.

    Linux keeps a nice value per thread, so ``setpriority`` on the thread's id leaves the
    rest of the program as it is. Elsewhere nothing changes (False). The priority cannot
    be raised again without privileges: call this only on a thread that does background
    work for the rest of its life (a thumbnail pool's, a one-job worker's).
    """
    if not sys.platform.startswith("linux") or not hasattr(os, "setpriority"):
        return False
    tid = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < BACKGROUND_NICE:
            os.setpriority(os.PRIO_PROCESS, tid, BACKGROUND_NICE)
    except OSError:
        return False
    return True
