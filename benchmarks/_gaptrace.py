"""What the GUI thread was doing during an event-loop gap (``BENCH_GAP_TRACE=1``).

A watchdog thread looks every few milliseconds at how long ago the main thread's 10 ms
timer last ticked; while that is late it samples the main thread's Python stack
(``sys._current_frames``). ``report()`` prints, for the gaps over a threshold, the
stacks seen during them (most frequent first), innermost frames last.

The watchdog needs the GIL to sample: a main thread in a long C++ call that keeps the
GIL is seen at the Python line that made the call, which is what one wants to know.
"""

from __future__ import annotations

import collections
import os
import sys
import threading
import time
import traceback

ENABLED = os.environ.get("BENCH_GAP_TRACE", "") not in ("", "0")
#: A tick later than this starts sampling (the timer ticks every 10 ms).
LATE_S = float(os.environ.get("BENCH_GAP_TRACE_LATE_MS", "25")) / 1000
#: Gaps at least this long are reported.
REPORT_S = float(os.environ.get("BENCH_GAP_TRACE_REPORT_MS", "40")) / 1000


def _runqueue_wait() -> float:
    """Seconds this thread has waited for a core (Linux schedstat; 0 elsewhere)."""
    try:
        with open("/proc/thread-self/schedstat") as fh:
            return int(fh.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


class GapTracer:
    """Call ``tick()`` from the main thread's timer; ``start()``/``stop()`` the watchdog."""

    def __init__(self) -> None:
        self._main = threading.main_thread().ident
        self._last = time.perf_counter()
        self._last_cpu = 0.0
        self._last_queued = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: One entry per gap: (start, end or 0, [stack samples]).
        self.gaps: list[list[object]] = []
        self._current: list[object] | None = None

    def tick(self) -> None:
        now = time.perf_counter()
        cpu = time.thread_time()
        queued = _runqueue_wait()
        current = self._current
        if current is not None:
            current[1] = now
            current.append(cpu - self._last_cpu)
            current.append(queued - self._last_queued)
            self._current = None
        self._last = now
        self._last_cpu = cpu
        self._last_queued = queued

    def start(self) -> None:
        self.gaps = []
        self._current = None
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._last_queued = _runqueue_wait()
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="gap-trace", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.003):
            late = time.perf_counter() - self._last
            if late < LATE_S:
                continue
            frame = sys._current_frames().get(self._main or 0)
            if frame is None:
                continue
            stack = tuple(
                f"{os.path.basename(fs.filename)}:{fs.lineno} {fs.name}"
                for fs in traceback.extract_stack(frame)[-14:]
            )
            current = self._current
            if current is None or current[1]:
                current = [self._last, 0.0, []]
                self.gaps.append(current)
                self._current = current
            current[2].append(stack)  # type: ignore[attr-defined]

    def report(self, title: str, out: object = sys.stderr) -> None:
        rows = [
            (float(g[1]) - float(g[0]), g[2], g[3], g[4])  # type: ignore[arg-type]
            for g in self.gaps
            if g[1] and float(g[1]) - float(g[0]) >= REPORT_S  # type: ignore[arg-type]
        ]
        print(f"--- gap trace: {title}: {len(rows)} gaps >= {REPORT_S * 1000:.0f} ms", file=out)
        rows.sort(key=lambda r: -r[0])
        for length, samples, cpu, queued in rows[:12]:
            print(
                f"gap {length * 1000:.0f} ms (main thread CPU {float(cpu) * 1000:.0f} ms, "  # type: ignore[arg-type]
                f"waiting for a core {float(queued) * 1000:.0f} ms, the rest for the GIL "  # type: ignore[arg-type]
                "or idle), "
                f"{len(samples)} samples",  # type: ignore[arg-type]
                file=out,
            )
            common = collections.Counter(samples).most_common(4)  # type: ignore[arg-type]
            for stack, n in common:
                print(f"  x{n}", file=out)
                for line in stack:
                    print(f"     {line}", file=out)
        total: collections.Counter[str] = collections.Counter()
        for _length, samples, _cpu, _queued in rows:
            for stack in samples:  # type: ignore[attr-defined]
                for line in set(stack):
                    total[line] += 1
        print("  frames most often on the stack during these gaps:", file=out)
        for line, n in total.most_common(25):
            print(f"    {n:5}  {line}", file=out)
