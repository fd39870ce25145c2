"""Thread-safe transfer progress with rolling speed and ETA.

s3transfer reports bytes from its own threads, so counters sit behind a lock and the
UI samples ``snapshot()`` on a timer instead of reacting to every callback.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

# The formatters lived here; they are re-exported until every caller imports core.formatting.
from s3uploader_gui.core.formatting import format_bytes as format_bytes
from s3uploader_gui.core.formatting import format_duration as format_duration


@dataclass(frozen=True)
class ProgressSnapshot:
    """A consistent view of the counters at one instant."""

    total_bytes: int
    done_bytes: int
    items_total: int
    items_finished: int
    item_bytes: dict[int, int] = field(default_factory=dict)
    bytes_per_second: float = 0.0
    #: Average speed of each item in ``item_bytes`` since its first byte (bytes/s).
    item_speed: dict[int, float] = field(default_factory=dict)
    #: Size of each item in ``item_bytes`` (after any resize), for per-item ETAs.
    item_size: dict[int, int] = field(default_factory=dict)

    @property
    def fraction(self) -> float:
        return self.done_bytes / self.total_bytes if self.total_bytes else 0.0

    @property
    def eta_seconds(self) -> float | None:
        remaining = self.total_bytes - self.done_bytes
        if remaining <= 0:
            return 0.0
        if self.bytes_per_second <= 0:
            return None
        return remaining / self.bytes_per_second

    def item_eta(self, index: int) -> float | None:
        """Seconds left for item ``index`` at its own average speed (None: unknown)."""
        speed = self.item_speed.get(index, 0.0)
        size = self.item_size.get(index)
        if size is None or speed <= 0:
            return None
        return max(0.0, (size - self.item_bytes.get(index, 0)) / speed)


class TransferProgress:
    """Byte counters for a batch of items, updated from any thread."""

    #: Speed is averaged over this many seconds so it neither jumps nor lags.
    WINDOW = 3.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._total = 0
        self._done = 0
        self._items_total = 0
        self._items_finished = 0
        self._item_bytes: dict[int, int] = {}
        self._item_size: dict[int, int] = {}
        self._item_start: dict[int, tuple[float, int]] = {}
        self._changed: set[int] = set()
        self._samples: deque[tuple[float, int]] = deque()

    def add_item(self, index: int, size: int) -> None:
        """Register an item of ``size`` bytes under ``index``."""
        with self._lock:
            self._total += size
            self._items_total += 1
            self._item_bytes.setdefault(index, 0)
            self._item_size[index] = size

    def resize_item(self, index: int, old_size: int, new_size: int) -> None:
        """Item ``index`` turned out to be ``new_size`` bytes (e.g. after resizing)."""
        with self._lock:
            self._total += new_size - old_size
            self._item_size[index] = new_size
            self._changed.add(index)

    def advance(self, index: int, nbytes: int) -> None:
        """Add ``nbytes`` to item ``index`` (negative on a retry that rewinds)."""
        with self._lock:
            before = self._item_bytes.get(index, 0)
            if index not in self._item_start and nbytes > 0:
                # Bytes confirmed earlier (a resumed upload) do not count towards speed.
                self._item_start[index] = (self._clock(), before)
            self._item_bytes[index] = before + nbytes
            self._done += nbytes
            self._changed.add(index)

    def set_item(self, index: int, nbytes: int) -> None:
        """Force item ``index`` to ``nbytes`` (e.g. the full size on success)."""
        with self._lock:
            old = self._item_bytes.get(index, 0)
            self._item_bytes[index] = nbytes
            self._done += nbytes - old
            self._changed.add(index)

    def finish_item(self, index: int) -> None:
        """Count item ``index`` as finished (whatever its outcome)."""
        with self._lock:
            self._items_finished += 1
            self._changed.add(index)

    def remove_item(self, index: int, size: int) -> None:
        """Take a skipped or failed item out of the byte total."""
        with self._lock:
            self._total -= size
            self._done -= self._item_bytes.get(index, 0)
            self._item_bytes[index] = 0
            self._changed.add(index)

    def snapshot(self, *, changed_only: bool = False) -> ProgressSnapshot:
        """Counters now; with ``changed_only`` only items changed since the last such call."""
        with self._lock:
            now = self._clock()
            self._samples.append((now, self._done))
            while len(self._samples) > 2 and now - self._samples[0][0] > self.WINDOW:
                self._samples.popleft()
            t0, b0 = self._samples[0]
            speed = (self._done - b0) / (now - t0) if now > t0 else 0.0
            if changed_only:
                items = {i: self._item_bytes[i] for i in self._changed if i in self._item_bytes}
                self._changed.clear()
            else:
                items = dict(self._item_bytes)
            speeds: dict[int, float] = {}
            for i, done in items.items():
                start = self._item_start.get(i)
                if start is not None and now > start[0]:
                    speeds[i] = max(0.0, (done - start[1]) / (now - start[0]))
            return ProgressSnapshot(
                total_bytes=self._total,
                done_bytes=self._done,
                items_total=self._items_total,
                items_finished=self._items_finished,
                item_bytes=items,
                bytes_per_second=max(speed, 0.0),
                item_speed=speeds,
                item_size={i: self._item_size.get(i, 0) for i in items},
            )
