"""The engine's transfer threads: a fixed set of threads taking tasks from one queue.

A task is a function and what to call with its outcome, on the thread that ran it. Unlike
``concurrent.futures.ThreadPoolExecutor``, no future is made per task: an upload of many
small files runs thousands of tasks, and each future takes and notifies a ``Condition``
several times (on the submitting thread and on the worker), locks contended by the other
threads. Here a task crosses to a worker through one ``SimpleQueue`` and its outcome goes
where the caller says.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

#: Called with the task's result and ``None``, or ``None`` and what it raised (or, for a
#: task never run because the threads were stopped, ``cancelled``).
Done = Callable[[Any, BaseException | None], None]

_STOP = None

log = logging.getLogger(__name__)


class TaskThreads:
    """``size`` threads named ``{name}_N``, all started at once (the first tasks of a batch
    then leave together instead of one thread start apart).

    Daemon threads: ``shutdown`` (the engine's ``close``) stops them; a process that ends
    without it is not held open by them, and its journal resumes what they left.
    """

    def __init__(self, size: int, name: str = "transfer") -> None:
        self.size = size
        self._tasks: queue.SimpleQueue[tuple[Callable[[], Any], Done] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._stopped = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}_{i}", daemon=True)
            for i in range(size)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[[], Any], done: Done) -> None:
        """Run ``fn`` on a free thread, then ``done`` with its outcome on that thread."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("the transfer threads are stopped")
            self._tasks.put((fn, done))

    def shutdown(self, cancelled: BaseException, wait: bool = True) -> None:
        """Stop the threads once their current task ends; tasks not started yet are
        reported as ``cancelled`` to their ``done``."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            pending = []
            while True:
                try:
                    task = self._tasks.get_nowait()
                except queue.Empty:
                    break
                if task is not None:
                    pending.append(task)
            for _ in self._threads:
                self._tasks.put(_STOP)
        for _, done in pending:
            done(None, cancelled)
        if wait:
            current = threading.current_thread()
            for thread in self._threads:
                if thread is not current:
                    thread.join()

    def _work(self) -> None:
        get = self._tasks.get
        while (task := get()) is not None:
            fn, done = task
            del task  # nothing of a task is held while the thread waits for the next
            try:
                result = fn()
            except BaseException as exc:  # handed to the caller whole
                _report(done, None, exc)
            else:
                _report(done, result, None)
                del result
            del fn, done


def _report(done: Done, result: Any, exc: BaseException | None) -> None:
    try:
        done(result, exc)
    except Exception:  # a thread lost to a caller's bug would shrink the pool for good
        log.exception("a transfer task's completion failed")
