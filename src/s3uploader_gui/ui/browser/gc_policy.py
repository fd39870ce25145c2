"""Keeping long-lived objects out of the cyclic garbage collector's walks.

A full collection walks every tracked object while holding the GIL, so the window
freezes for as long: 35-40 ms for the app once connected (botocore's models and client
make most of its ~90,000 objects), 70-80 ms with a big listing loaded, and allocation-heavy
work (a drop of hundreds of photos, a listing of 100,000 keys) sets off one collection
after another. What is alive at a few known moments (the window shown, a connection
made, a listing page inserted) lives for the session, so it is frozen then
(``gc.freeze()``) and later collections walk only what is new.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Freeze what is alive now, after collecting the young generations (what is garbage
    now is not frozen).

    Frozen objects are still freed by reference counting; only cyclic garbage among them
    waits for ``unsettle``. The browser breaks its rows' one cycle (parent → children →
    row → parent) itself when a folder leaves the tree (``BucketModel._release``).
    """
    gc.collect(1)
    gc.freeze()


def unsettle() -> None:
    """Give frozen objects back to the collector (a connection and its rows were let go)."""
    gc.unfreeze()
