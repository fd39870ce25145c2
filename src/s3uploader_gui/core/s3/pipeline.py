"""Many small requests at once from one thread: the lean sender's non-blocking side.

An upload of many small files spends most of its client CPU, on two cores, on ten
transfer threads handing Python's lock to one another (each answer wakes a thread, which
must wait for the lock before it reads the next file). Here one thread keeps up to
``size`` connections busy with non-blocking sockets, so a small upload's Python runs
without a handoff between its steps.

A task is a generator of steps (``steps``): it yields a ``Wire`` request and gets its
answer back (or has the error raised at the ``yield``), or a ``Blocking`` call to run
elsewhere. The same generator runs on an ordinary thread with ``run_blocking``, which
sends each ``Wire`` the ordinary way: the logic of a task is written once.

An answer, whatever its status, is the step's to read (``Wire.finish``, ``Wire.refused``:
the error botocore would raise, or a move to the bucket's region). A connection that
broke or answered nonsense hands the task, with that request, to ``resume`` (the
transfer threads), which sends it again through ``http.Connections``: its handling of a
broken connection is the reference, and the error a user reads is its. A kept-alive
connection the server had closed is replaced and the request sent once more here, as
``http.Connections`` does; a timeout ends the request here, as it would there (sending
again would double the wait).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import queue
import selectors
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from s3uploader_gui.core.s3.http import Connections, timed_out
from s3uploader_gui.core.s3.http_response import BadResponse, parse_answer
from s3uploader_gui.core.s3.steps import Blocking, Steps, Wire, run_blocking

log = logging.getLogger(__name__)

#: Called with a task's result and ``None``, or ``None`` and what it raised (as
#: ``transfers.task_threads.Done``; the core's packages import downward only).
Done = Callable[[Any, BaseException | None], None]
#: Runs a function on another thread, then ``Done`` with its outcome there.
Resume = Callable[[Callable[[], Any], Done], None]

_RECV = 64 * 1024


class _Task:
    __slots__ = ("done", "resent", "resume", "steps")

    def __init__(self, steps: Steps[Any], done: Done, resume: Resume) -> None:
        self.steps = steps
        self.done = done
        self.resume = resume
        self.resent = False


class _Conn:
    """One connection and the request on it."""

    __slots__ = (
        "again", "answer", "deadline", "eof", "out", "pool", "reused", "sent", "sock", "step",
        "task",
    )  # fmt: skip

    def __init__(self, pool: Connections, sock: socket.socket) -> None:
        self.pool = pool
        self.sock = sock
        #: What a send or receive raises when it would wait (TLS adds its own two).
        self.again: tuple[type[BaseException], ...] = (BlockingIOError,)
        if pool.tls:
            import ssl

            self.again = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)
        self.task: _Task | None = None
        self.step: Wire | None = None
        self.out = memoryview(b"")
        self.sent = 0
        self.answer = bytearray()
        self.eof = False
        self.reused = False
        self.deadline = 0.0


class Pipeline:
    """One thread sending the ``Wire`` steps of many tasks over up to ``size``
    connections at once (``submit``); stopped with ``shutdown``."""

    def __init__(self, size: int, name: str = "pipeline") -> None:
        self.size = max(1, size)
        self._inbox: queue.SimpleQueue[_Task] = queue.SimpleQueue()
        self._waiting: collections.deque[_Task] = collections.deque()
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._idle: dict[Connections, list[_Conn]] = {}
        self._busy: set[_Conn] = set()
        self._lock = threading.Lock()
        self._stopped = False
        self._cancelled: BaseException | None = None
        self._sleeping = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, steps: Steps[Any], done: Done, resume: Resume) -> None:
        """Run ``steps`` here; ``done`` with its outcome on this thread or on the one
        ``resume`` hands it to."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("the pipeline is stopped")
            self._inbox.put(_Task(steps, done, resume))
        if self._sleeping:
            self._wake()

    def shutdown(self, cancelled: BaseException, wait: bool = True) -> None:
        """Stop once the requests on the wire are answered; tasks not started yet end
        with ``cancelled``."""
        with self._lock:
            first = not self._stopped  # else stopped already, perhaps by a failure
            self._stopped = True
            if first:
                self._cancelled = cancelled
        if first:
            self._wake()
        if wait and threading.current_thread() is not self._thread:
            self._thread.join()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # full: it is awake already; closed: stopped
            self._wake_w.send(b"\0")

    # -- the loop -----------------------------------------------------------------------
    def _loop(self) -> None:
        try:
            while True:
                self._take()
                if self._stopped:
                    self._drop_waiting()
                    if not self._busy:
                        break
                while self._waiting and len(self._busy) < self.size:
                    self._advance(self._waiting.popleft(), None, None)
                self._sleeping = True
                if not self._inbox.empty():
                    self._sleeping = False
                    continue
                events = self._selector.select(self._timeout())
                self._sleeping = False
                for key, _ in events:
                    if key.data is None:
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(4096)
                    else:
                        self._ready(key.data)
                self._expire()
        except BaseException:  # a bug here must not leave the batch waiting for ever
            log.exception("the upload pipeline stopped")
            with self._lock:
                self._stopped = True
            self._take()
            for conn in list(self._busy):
                task, step = conn.task, conn.step
                self._release(conn, keep=False)
                if task is not None and step is not None:
                    self._resume_elsewhere(task, step.blocking)
            while self._waiting:
                task = self._waiting.popleft()
                self._resume_elsewhere(task, lambda: None)
        finally:
            self._close_all()

    def _take(self) -> None:
        while True:
            try:
                self._waiting.append(self._inbox.get_nowait())
            except queue.Empty:
                return

    def _drop_waiting(self) -> None:
        cancelled = self._cancelled or RuntimeError("the pipeline is stopped")
        while self._waiting:
            task = self._waiting.popleft()
            task.steps.close()
            _report(task.done, None, cancelled)

    def _timeout(self) -> float | None:
        if not self._busy:
            return None
        soonest = min(conn.deadline for conn in self._busy)
        return max(0.0, soonest - time.monotonic())

    def _advance(self, task: _Task, value: Any, error: BaseException | None) -> None:
        """Run ``task`` up to its next step, and start that step."""
        try:
            step = task.steps.throw(error) if error is not None else task.steps.send(value)
        except StopIteration as stop:
            _report(task.done, stop.value, None)
            return
        except BaseException as exc:
            _report(task.done, None, exc)
            return
        finally:
            error = None
        if isinstance(step, Blocking):
            self._resume_elsewhere(task, step.run)
            return
        self._start(task, step)

    def _start(self, task: _Task, step: Wire) -> None:
        try:
            head, payload = step.prepare()
            if payload is None:
                raise ValueError("a pipelined request needs its body in memory")
            conn = self._connection(step.connections)
        except BaseException as exc:  # a refused signing, a body that changed
            self._advance(task, None, exc)
            return
        if conn is None:  # no connection could be opened: the ordinary way says why
            self._resume_elsewhere(task, step.blocking)
            return
        conn.task, conn.step = task, step
        conn.out = memoryview(head + payload) if payload else memoryview(head)
        conn.sent = 0
        conn.answer = bytearray()
        conn.eof = False
        conn.deadline = time.monotonic() + step.connections.read_timeout
        self._busy.add(conn)
        self._send(conn)

    def _connection(self, pool: Connections) -> _Conn | None:
        idle = self._idle.get(pool)
        if idle:
            conn = idle.pop()
            conn.reused = True
            return conn
        try:
            sock = pool.open_socket()
        except Exception as exc:
            log.debug("the pipeline could not connect: %s", exc)
            return None
        sock.setblocking(False)
        conn = _Conn(pool, sock)
        self._selector.register(sock, selectors.EVENT_READ, conn)
        return conn

    def _ready(self, conn: _Conn) -> None:
        if conn.task is None:
            self._idle_ready(conn)
            return
        if conn.sent < len(conn.out):
            self._send(conn)
        else:
            self._receive(conn)

    def _idle_ready(self, conn: _Conn) -> None:
        """An idle connection is readable: the server closed it (or wrote what no request
        asked for); TLS's own messages (a session ticket) are read and it stays."""
        try:
            conn.sock.recv(1)
        except conn.again:
            return
        except OSError:
            pass
        self._close(conn)

    def _send(self, conn: _Conn) -> None:
        try:
            while conn.sent < len(conn.out):
                conn.sent += conn.sock.send(conn.out[conn.sent :])
        except conn.again:
            conn.deadline = time.monotonic() + conn.pool.read_timeout
            self._selector.modify(conn.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, conn)
            return
        except OSError:
            # Perhaps the server answered (a refusal) and closed before reading the body;
            # the ordinary way reads that answer.
            self._failed(conn)
            return
        conn.out = memoryview(b"")
        conn.sent = 0
        conn.deadline = time.monotonic() + conn.pool.read_timeout
        self._selector.modify(conn.sock, selectors.EVENT_READ, conn)

    def _receive(self, conn: _Conn) -> None:
        step = conn.step
        assert step is not None
        broken = False
        try:
            while True:
                chunk = conn.sock.recv(_RECV)
                if not chunk:
                    conn.eof = True
                    break
                conn.answer += chunk
        except conn.again:
            pass
        except OSError:
            broken = True  # a reset after a whole answer still leaves that answer
        conn.deadline = time.monotonic() + conn.pool.read_timeout
        try:
            response = parse_answer(conn.answer, conn.eof, step.method)
        except BadResponse:
            self._failed(conn)
            return
        if response is None:
            if conn.eof or broken:
                self._failed(conn)
            return
        task = conn.task
        assert task is not None
        self._release(conn, keep=not (response.will_close or conn.eof or broken))
        try:
            if response.status >= 300:
                error = step.refused(response.status, response.headers, response.body)
                if error is None:
                    self._resume_elsewhere(task, step.blocking)
                    return
                raise error
            value = step.finish(response.headers, response.body)
        except BaseException as exc:
            self._advance(task, None, exc)
            return
        self._advance(task, value, None)

    def _failed(self, conn: _Conn) -> None:
        """The connection broke or answered nonsense: a kept-alive one the server had
        let go is replaced once; otherwise the ordinary way sends it again."""
        task, step = conn.task, conn.step
        assert task is not None and step is not None
        stale = conn.reused and not conn.answer and not task.resent
        self._release(conn, keep=False)
        if stale:
            task.resent = True
            if step.body is not None:
                step.body.seek(0)
            self._start(task, step)
            return
        self._resume_elsewhere(task, step.blocking)

    def _expire(self) -> None:
        now = time.monotonic()
        for conn in [c for c in self._busy if c.deadline <= now]:
            task, step = conn.task, conn.step
            assert task is not None and step is not None
            self._release(conn, keep=False)
            error = timed_out(step.connections.endpoint_url, TimeoutError("timed out"))
            self._advance(task, None, error)

    def _release(self, conn: _Conn, keep: bool) -> None:
        self._busy.discard(conn)
        conn.task = conn.step = None
        conn.out = memoryview(b"")
        conn.answer = bytearray()
        if keep and not self._stopped:
            self._selector.modify(conn.sock, selectors.EVENT_READ, conn)
            self._idle.setdefault(conn.pool, []).append(conn)
        else:
            self._close(conn)

    def _close(self, conn: _Conn) -> None:
        idle = self._idle.get(conn.pool)
        if idle is not None and conn in idle:
            idle.remove(conn)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(conn.sock)
        with contextlib.suppress(OSError):
            conn.sock.close()

    def _resume_elsewhere(self, task: _Task, first: Callable[[], Any]) -> None:
        """Run ``first`` and the rest of ``task`` on another thread."""
        steps = task.steps

        def rest() -> Any:
            try:
                value = first()
            except BaseException as exc:
                return run_blocking(steps, None, exc)
            return run_blocking(steps, value)

        try:
            task.resume(rest, task.done)
        except BaseException as exc:  # the threads are stopped too: the task ends
            steps.close()
            _report(task.done, None, exc)

    def _close_all(self) -> None:
        for conns in list(self._idle.values()):
            for conn in list(conns):
                self._close(conn)
        for conn in list(self._busy):
            self._close(conn)
        self._busy.clear()
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(self._wake_r)
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()


def _report(done: Done, result: Any, exc: BaseException | None) -> None:
    try:
        done(result, exc)
    except Exception:
        log.exception("a pipelined task's completion failed")
