"""The pipeline: many requests from one thread over non-blocking connections, and the
cases it leaves to the transfer threads (``pipeline``'s docstring), against a server on
127.0.0.1 that misbehaves on purpose."""

from __future__ import annotations

import queue
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.exceptions as bce
import pytest

from s3uploader_gui.core.s3.http import Connections
from s3uploader_gui.core.s3.http_response import parse_answer
from s3uploader_gui.core.s3.pipeline import Pipeline
from s3uploader_gui.core.s3.steps import Blocking, Steps, Wire, run_blocking
from s3uploader_gui.core.transfers.task_threads import Done
from tests.helpers.http_requests import read_request

OK = b'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nETag: "e"\r\n\r\n'
_DENIAL = b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>"
DENIED = b"HTTP/1.1 403 Forbidden\r\nContent-Length: %d\r\n\r\n%s" % (len(_DENIAL), _DENIAL)


class Server:
    """Reads whole requests (head and Content-Length body) and answers each as
    ``behave(number)`` says: bytes to send, then whether to close."""

    def __init__(self, behave: Callable[[int], tuple[bytes, bool]]) -> None:
        self.behave = behave
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests = 0
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self.lock = threading.Lock()
        self.bodies: list[bytes] = []
        #: Close with a reset (RST) instead of an orderly end.
        self.reset = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self.open_now += 1
                self.most_open = max(self.most_open, self.open_now)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buf = b""
        try:
            while (request := read_request(conn, buf)) is not None:
                _, body, buf = request
                with self.lock:
                    number = self.requests
                    self.requests += 1
                    self.bodies.append(body)
                answer, close = self.behave(number)
                conn.sendall(answer)
                if close:
                    return
        except OSError:
            return
        finally:
            if self.reset:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
            with self.lock:
                self.open_now -= 1

    def close(self) -> None:
        self.listener.close()


@contextmanager
def serving(behave: Callable[[int], tuple[bytes, bool]]) -> Iterator[Server]:
    server = Server(behave)
    try:
        yield server
    finally:
        server.close()


def _connections(server: Server, read_timeout: float = 10.0) -> Connections:
    url = f"http://127.0.0.1:{server.port}"
    return Connections(url, "127.0.0.1", server.port, https=False, read_timeout=read_timeout)


class Calls:
    """What a step's callbacks were asked to do."""

    def __init__(self) -> None:
        self.blocking = 0
        self.refused: list[int] = []


def _wire(pool: Connections, body: bytes, calls: Calls) -> Wire:
    def prepare() -> tuple[bytes, bytes]:
        head = f"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
        return head.encode(), body

    def finish(headers: dict[str, str], _: bytes) -> str:
        return headers["etag"]

    def refused(status: int, _h: dict[str, str], _b: bytes) -> BaseException:
        calls.refused.append(status)
        return PermissionError(status)

    def blocking() -> str:
        calls.blocking += 1
        return "sent the ordinary way"

    return Wire(pool, "PUT", prepare, None, finish, refused, blocking)


def _task(pool: Connections, body: bytes, calls: Calls) -> Steps[str]:
    etag = yield _wire(pool, body, calls)
    return f"stored {etag}"


def _ordinary_thread(fn: Callable[[], Any], done: Done) -> None:
    def run() -> None:
        try:
            done(fn(), None)
        except BaseException as exc:
            done(None, exc)

    threading.Thread(target=run, daemon=True).start()


def _run(pipeline: Pipeline, tasks: list[Steps[str]]) -> list[tuple[Any, BaseException | None]]:
    answers: queue.SimpleQueue[tuple[int, Any, BaseException | None]] = queue.SimpleQueue()

    def done_for(i: int) -> Done:
        return lambda value, error: answers.put((i, value, error))

    for i, task in enumerate(tasks):
        pipeline.submit(task, done_for(i), _ordinary_thread)
    got = [answers.get(timeout=30) for _ in tasks]
    return [(v, e) for _, v, e in sorted(got, key=lambda a: a[0])]


def test_many_requests_share_at_most_size_connections() -> None:
    with serving(lambda n: (OK, False)) as server:
        pool, calls = _connections(server), Calls()
        pipeline = Pipeline(3)
        try:
            bodies = [bytes([i]) * (100 * 1024) for i in range(40)]
            outcomes = _run(pipeline, [_task(pool, b, calls) for b in bodies])
        finally:
            pipeline.shutdown(RuntimeError("stopped"))
    assert outcomes == [('stored "e"', None)] * 40
    assert sorted(server.bodies) == sorted(bodies)
    assert server.connections == 3 and server.most_open == 3  # kept alive, all of them
    assert calls.blocking == 0


def test_an_error_answer_is_the_steps_to_read_and_is_not_sent_again() -> None:
    with serving(lambda n: (DENIED, False)) as server:
        pool, calls = _connections(server), Calls()
        pipeline = Pipeline(2)
        try:
            [(value, error)] = _run(pipeline, [_task(pool, b"x" * 10, calls)])
        finally:
            pipeline.shutdown(RuntimeError("stopped"))
    assert value is None and isinstance(error, PermissionError) and error.args == (403,)
    assert calls.refused == [403] and calls.blocking == 0 and server.requests == 1


def test_a_connection_closed_after_each_answer_is_replaced_without_a_failure() -> None:
    # No "Connection: close": the pipeline learns it when the idle connection ends.
    with serving(lambda n: (OK, True)) as server:
        pool, calls = _connections(server), Calls()
        pipeline = Pipeline(1)
        try:
            outcomes = [_run(pipeline, [_task(pool, b"y" * 100, calls)])[0] for _ in range(5)]
        finally:
            pipeline.shutdown(RuntimeError("stopped"))
    assert outcomes == [('stored "e"', None)] * 5
    assert calls.blocking == 0 and server.connections >= 5


def test_a_whole_answer_followed_by_a_reset_is_the_answer() -> None:
    with serving(lambda n: (OK, True)) as server:
        server.reset = True
        pool, calls = _connections(server), Calls()
        pipeline = Pipeline(1)
        try:
            outcomes = [_run(pipeline, [_task(pool, b"r" * 100, calls)])[0] for _ in range(3)]
        finally:
            pipeline.shutdown(RuntimeError("stopped"))
    assert outcomes == [('stored "e"', None)] * 3
    assert calls.blocking == 0 and server.requests == 3


def test_a_connection_broken_mid_answer_hands_the_request_to_the_ordinary_way() -> None:
    with serving(lambda n: (OK[:20], True)) as server:
        pool, calls = _connections(server), Calls()
        pipeline = Pipeline(2)
        try:
            outcomes = _run(pipeline, [_task(pool, b"z" * 10, calls)])
        finally:
            pipeline.shutdown(RuntimeError("stopped"))
    # The ordinary way's answer is fed to the same task, which ends on that thread.
    assert outcomes == [("stored sent the ordinary way", None)]
    assert calls.blocking == 1


def test_a_server_that_never_answers_times_out_once() -> None:
    hang = threading.Event()

    def behave(n: int) -> tuple[bytes, bool]:
        hang.wait(30)
        return b"", True

    with serving(behave) as server:
        pool, calls = _connections(server, read_timeout=0.3), Calls()
        pipeline = Pipeline(2)
        try:
            [(value, error)] = _run(pipeline, [_task(pool, b"w" * 10, calls)])
        finally:
            hang.set()
            pipeline.shutdown(RuntimeError("stopped"))
    assert value is None and isinstance(error, bce.ReadTimeoutError)
    assert calls.blocking == 0 and server.requests == 1


def test_a_dead_endpoint_is_left_to_the_ordinary_way_to_report() -> None:
    spare = socket.create_server(("127.0.0.1", 0))
    port = spare.getsockname()[1]
    spare.close()  # nothing listens there now
    pool = Connections(f"http://127.0.0.1:{port}", "127.0.0.1", port, https=False)
    calls = Calls()
    pipeline = Pipeline(2)
    try:
        outcomes = _run(pipeline, [_task(pool, b"v", calls)])
    finally:
        pipeline.shutdown(RuntimeError("stopped"))
    assert outcomes == [("stored sent the ordinary way", None)] and calls.blocking == 1


def test_tasks_not_started_end_cancelled_when_it_stops() -> None:
    release = threading.Event()

    def behave(n: int) -> tuple[bytes, bool]:
        release.wait(30)
        return OK, False

    with serving(behave) as server:
        pool, calls = _connections(server), Calls()
        pipeline = Pipeline(1)
        answers: queue.SimpleQueue[tuple[Any, BaseException | None]] = queue.SimpleQueue()
        for _ in range(3):
            task = _task(pool, b"u", calls)
            pipeline.submit(task, lambda v, e: answers.put((v, e)), _ordinary_thread)
        while server.requests == 0:  # the first one is on the wire
            threading.Event().wait(0.01)
        stop = threading.Thread(target=pipeline.shutdown, args=(LookupError("cancelled"),))
        stop.start()
        first_two = [answers.get(timeout=10) for _ in range(2)]
        release.set()
        stop.join(10)
        last = answers.get(timeout=10)
    assert all(v is None and isinstance(e, LookupError) for v, e in first_two)
    assert last == ('stored "e"', None)  # the one on the wire finishes
    with pytest.raises(RuntimeError):
        pipeline.submit(_task(pool, b"t", calls), lambda v, e: None, _ordinary_thread)


def test_run_blocking_sends_every_step_the_ordinary_way_and_raises_into_the_task() -> None:
    calls = Calls()
    pool = Connections("http://127.0.0.1:9", "127.0.0.1", 9, https=False)

    def task() -> Steps[list[Any]]:
        seen: list[Any] = [(yield _wire(pool, b"s", calls))]
        try:
            yield Blocking(lambda: 1 / 0)
        except ZeroDivisionError as exc:
            seen.append(type(exc).__name__)
        seen.append((yield Blocking(lambda: 7)))
        return seen

    assert run_blocking(task()) == ["sent the ordinary way", "ZeroDivisionError", 7]
    assert calls.blocking == 1


@pytest.mark.parametrize(
    ("data", "eof", "whole"),
    [
        (OK, False, True),
        (OK[:-2], False, False),  # the head has not ended
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", False, False),
        (b"HTTP/1.1 200 OK\r\n\r\nuntil the end", False, False),  # framed by the close
        (b"HTTP/1.1 200 OK\r\n\r\nuntil the end", True, True),
        (b"HTTP/1.1 100 Continue\r\n\r\n" + OK, False, True),
    ],
)
def test_an_answer_is_whole_only_when_its_framing_says_so(
    data: bytes, eof: bool, whole: bool
) -> None:
    assert (parse_answer(bytearray(data), eof, "PUT") is not None) == whole


def test_bytes_after_an_answer_close_the_connection() -> None:
    answer = parse_answer(bytearray(OK + b"HTTP/1.1 200 OK\r\n"), False, "PUT")
    assert answer is not None and answer.status == 200 and answer.will_close


def test_a_bug_in_the_loop_hands_every_task_to_the_ordinary_way_and_stops_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch never waits for ever on a pipeline that died: what it held is sent the
    ordinary way, and a later submit is refused (the engine's threads then take it)."""
    release = threading.Event()

    def behave(n: int) -> tuple[bytes, bool]:
        release.wait(30)
        return OK, False

    def broken(self: Pipeline, conn: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Pipeline, "_ready", broken)
    with serving(behave) as server:
        pool, calls = _connections(server), Calls()
        pipeline = Pipeline(1)
        try:
            tasks = [_task(pool, b"q", calls) for _ in range(2)]  # one on the wire, one waiting
            answers: queue.SimpleQueue[tuple[Any, BaseException | None]] = queue.SimpleQueue()
            for task in tasks:
                pipeline.submit(task, lambda v, e: answers.put((v, e)), _ordinary_thread)
            while server.requests == 0:
                threading.Event().wait(0.01)
            release.set()  # the answer makes the socket ready: the loop's bug strikes
            outcomes = [answers.get(timeout=10) for _ in tasks]
        finally:
            release.set()
            pipeline.shutdown(RuntimeError("stopped"))
        assert sorted(map(str, outcomes)) == [
            "('stored sent the ordinary way', None)",
            "('stored sent the ordinary way', None)",
        ]
        assert calls.blocking == 2
        with pytest.raises(RuntimeError):
            pipeline.submit(_task(pool, b"p", calls), lambda v, e: None, _ordinary_thread)
