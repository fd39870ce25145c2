"""What the GUI thread was doing during an event-loop gap (``BENCH_GAP_TRACE=1``).

A watchdog thread looks every few milliseconds at how long ago the main thread's 10 ms
timer last ticked; while that is late it samples the main thread's Python stack
(``sys._current_frames``). ``report()`` prints, for the gaps over a threshold, the
stacks seen during them (most frequent first), innermost frames last, and which of the
process's threads ran or waited for a core from the first late look to the tick, with
the process's major page faults: a gap in which no thread ran and none waited is time
the window spent neither computing nor waiting for the GIL of a running thread.

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
from collections.abc import Iterable

ENABLED = os.environ.get("BENCH_GAP_TRACE", "") not in ("", "0")
#: A tick later than this starts sampling (the timer ticks every 10 ms).
LATE_S = float(os.environ.get("BENCH_GAP_TRACE_LATE_MS", "25")) / 1000
#: Gaps at least this long are reported.
REPORT_S = float(os.environ.get("BENCH_GAP_TRACE_REPORT_MS", "40")) / 1000


def _major_faults() -> int:
    """Page faults of this process that waited for the disk so far (Linux)."""
    try:
        with open("/proc/self/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[9])
    except (OSError, ValueError, IndexError):
        return 0


def _stolen() -> int:
    """Clock ticks the hypervisor gave this machine's CPUs to others so far (``steal`` in
    /proc/stat, all CPUs; 0 where there is none)."""
    try:
        with open("/proc/stat") as fh:
            return int(fh.readline().split()[8])
    except (OSError, ValueError, IndexError):
        return 0


def _threads_cpu() -> dict[int, tuple[int, int]]:
    """Nanoseconds on a core and waiting for one so far, by native thread id (Linux
    schedstat); key -1: the process's major page faults and the clock ticks stolen by the
    host (a thread that faults, or waits for a core, while it holds the GIL stops every
    other)."""
    got: dict[int, tuple[int, int]] = {-1: (_major_faults(), _stolen())}
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return got
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/schedstat") as fh:
                fields = fh.read().split()
                got[int(tid)] = (int(fields[0]), int(fields[1]))
        except (OSError, ValueError, IndexError):
            continue
    return got


def _thread_names(tids: Iterable[int]) -> dict[int, str]:
    names = {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}
    for tid in tids:
        if tid not in names:
            try:
                with open(f"/proc/self/task/{tid}/comm") as fh:
                    names[tid] = fh.read().strip()  # a Qt thread names itself
            except OSError:
                continue
    return names


#: Innermost frames of a thread that only waits (not worth showing).
_WAITING = ("threading.py", "queue.py", "_gaptrace.py", "selectors.py")


def _others(frames: dict[int, object]) -> tuple[str, ...]:
    """The innermost frames of the other threads that are not waiting, one line each:
    the one that keeps the GIL is among them, where it was when it let go."""
    names = {t.ident: t.name for t in threading.enumerate()}
    lines = []
    for ident, frame in frames.items():
        inner = traceback.extract_stack(frame)[-3:]  # type: ignore[arg-type]
        if not inner or os.path.basename(inner[-1].filename) in _WAITING:
            continue
        where = " < ".join(
            f"{os.path.basename(f.filename)}:{f.lineno} {f.name}" for f in reversed(inner)
        )
        lines.append(f"[{names.get(ident, ident)}] {where}")
    return tuple(sorted(lines))


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
        #: One entry per gap: [start, end or 0, [stack samples], threads' times at the
        #: start, then once it ended: main thread CPU, its wait for a core, busiest].
        self.gaps: list[list[object]] = []
        self._current: list[object] | None = None
        self._phase_start: dict[int, tuple[int, int]] = {}

    def tick(self) -> None:
        now = time.perf_counter()
        cpu = time.thread_time()
        queued = _runqueue_wait()
        current = self._current
        if current is not None:
            current[1] = now
            current.append(cpu - self._last_cpu)
            current.append(queued - self._last_queued)
            current.append(self._busiest(current[3]))  # type: ignore[arg-type]
            self._current = None
        self._last = now
        self._last_cpu = cpu
        self._last_queued = queued

    def start(self) -> None:
        self._phase_start = _threads_cpu()
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
            frames = sys._current_frames()
            frame = frames.pop(self._main or 0, None)
            if frame is None:
                continue
            stack = tuple(
                f"{os.path.basename(fs.filename)}:{fs.lineno} {fs.name}"
                for fs in traceback.extract_stack(frame)[-14:]
            ) + _others(frames)
            current = self._current
            if current is None or current[1]:
                last, threads = self._last, _threads_cpu()
                if last != self._last:
                    continue  # it ticked while the threads were read (that lets go of the GIL)
                current = [last, 0.0, [], threads]
                self.gaps.append(current)
                self._current = current
            current[2].append(stack)  # type: ignore[attr-defined]

    @staticmethod
    def _busiest(before: dict[int, tuple[int, int]]) -> str:
        """The threads that ran, or waited for a core, most since ``before``, the major
        page faults and the time stolen by the host, as one line."""
        after = _threads_cpu()
        now, then = after.pop(-1), before.get(-1, (0, 0))
        names = _thread_names(after)
        stolen_ms = (now[1] - then[1]) * 1000 / os.sysconf("SC_CLK_TCK")
        got: list[str] = []
        for i, what in ((0, "ran"), (1, "waited for a core")):
            ran = [(after[t][i] - before.get(t, (0, 0))[i], t) for t in after]
            ran.sort(reverse=True)
            got += [f"{names.get(t, t)} {what} {ns / 1e6:.0f} ms" for ns, t in ran[:6] if ns > 5e5]
        got += [f"{now[0] - then[0]} major page faults", f"{stolen_ms:.0f} ms stolen by the host"]
        return ", ".join(got)

    def report(self, title: str, out: object = sys.stderr) -> None:
        """The long gaps of the phase just stopped, and its threads' CPU time."""
        busiest = self._busiest(self._phase_start)
        print(f"--- threads during phase {title}: {busiest}", file=out)  # type: ignore[call-overload]
        self._report_gaps(title, out)

    def _report_gaps(self, title: str, out: object) -> None:
        rows = [
            (float(g[1]) - float(g[0]), g[2], g[4], g[5], g[6], g[0])  # type: ignore[arg-type]
            for g in self.gaps
            if g[1] and float(g[1]) - float(g[0]) >= REPORT_S  # type: ignore[arg-type]
        ]
        print(f"--- gap trace: {title}: {len(rows)} gaps >= {REPORT_S * 1000:.0f} ms", file=out)
        rows.sort(key=lambda r: -r[0])
        for length, samples, cpu, queued, busiest, began in rows[:12]:
            print(
                f"gap {length * 1000:.0f} ms (main thread CPU {float(cpu) * 1000:.0f} ms, "  # type: ignore[arg-type]
                f"waiting for a core {float(queued) * 1000:.0f} ms, the rest for the GIL "  # type: ignore[arg-type]
                "or idle), "
                f"{len(samples)} samples, from monotonic {float(began):.3f} s",  # type: ignore[arg-type]
                file=out,
            )
            print(f"  threads from the first late look to the tick: {busiest}", file=out)
            common = collections.Counter(samples).most_common(4)  # type: ignore[arg-type]
            for stack, n in common:
                print(f"  x{n}", file=out)
                for line in stack:
                    print(f"     {line}", file=out)
        total: collections.Counter[str] = collections.Counter()
        for _length, samples, _cpu, _queued, _busiest, _began in rows:
            for stack in samples:  # type: ignore[attr-defined]
                for line in set(stack):
                    total[line] += 1
        print("  frames most often on the stack during these gaps:", file=out)
        for line, n in total.most_common(25):
            print(f"    {n:5}  {line}", file=out)
