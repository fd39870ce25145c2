"""Steering a running batch from any thread: pause and cancel per item, and the bandwidth
limit every transfer thread shares."""

from __future__ import annotations

import threading
import time

from s3uploader_gui.core.cancel import CancelToken


class BatchControl:
    """Pause and cancel for a running batch, from any thread.

    Pausing lets the requests in flight finish, keeps a multipart upload's confirmed
    parts (in the journal) and ends the item as PAUSED; uploading it again resumes it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._all_paused = False
        self._paused: set[int] = set()
        self._cancelled: set[int] = set()
        #: Bumped on every change, so a coordinator rechecks only when something changed.
        self.version = 0

    def pause(self, index: int | None = None) -> None:
        """Pause one item, or (None) every item not yet finished."""
        with self._lock:
            if index is None:
                self._all_paused = True
            else:
                self._paused.add(index)
            self.version += 1

    def cancel(self, index: int) -> None:
        """Cancel one item (its multipart upload is aborted)."""
        with self._lock:
            self._cancelled.add(index)
            self.version += 1

    def is_paused(self, index: int) -> bool:
        with self._lock:
            return self._all_paused or index in self._paused

    def is_cancelled(self, index: int) -> bool:
        with self._lock:
            return index in self._cancelled

    @property
    def all_paused(self) -> bool:
        with self._lock:
            return self._all_paused


class BandwidthLimiter:
    """A token bucket shared by every transfer thread (bytes per second)."""

    def __init__(self, rate: int | None) -> None:
        self.rate = rate
        self._lock = threading.Lock()
        self._balance = 0.0
        self._last = time.monotonic()

    def consume(self, nbytes: int, cancel: CancelToken | None = None) -> None:
        """Take ``nbytes``; sleep while the balance is negative."""
        rate = self.rate
        if not rate or nbytes <= 0:
            return
        with self._lock:
            now = time.monotonic()
            # Refill, allowing a burst of a quarter second at most.
            self._balance = min(self._balance + (now - self._last) * rate, rate / 4)
            self._last = now
            self._balance -= nbytes
            wait = -self._balance / rate if self._balance < 0 else 0.0
        if wait > 0:
            if cancel is not None:
                cancel.wait(wait)
            else:
                time.sleep(wait)  # the limiter's own pacing
