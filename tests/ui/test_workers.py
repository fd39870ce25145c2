"""The worker pool: typed results reach their callbacks on the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError, NotFound
from s3uploader_gui.ui.workers import WorkerPool


def test_call_delivers_the_result_to_a_plain_function_on_the_gui_thread(qtbot: QtBot) -> None:
    pool = WorkerPool()
    ran_on: list[threading.Thread] = []
    got: list[tuple[int, bool]] = []

    def work() -> int:
        ran_on.append(threading.current_thread())
        return 41 + 1

    # A lambda has no thread affinity of its own: the relay must still deliver on this thread.
    pool.call(
        work,
        lambda value: got.append((value, QThread.currentThread() is pool.thread())),
        name="answer",
    )
    qtbot.waitUntil(lambda: bool(got) and pool.active == 0)
    assert got == [(42, True)]
    assert ran_on and ran_on[0] is not threading.main_thread()


def test_call_translates_failures_and_skips_on_result(qtbot: QtBot) -> None:
    pool = WorkerPool()
    results: list[object] = []
    errors: list[AppError] = []

    def work() -> int:
        raise NotFound("The object s3://b/k does not exist.")

    pool.call(work, results.append, errors.append, name="missing")
    qtbot.waitUntil(lambda: bool(errors) and pool.active == 0)
    assert results == []
    assert isinstance(errors[0], NotFound)


def test_shutdown_cancels_the_token_given_to_call(qtbot: QtBot) -> None:
    pool = WorkerPool()
    token = CancelToken()
    started = threading.Event()

    def work() -> str:
        started.set()
        token.wait(30)
        return "stopped"

    pool.call(work, lambda _: None, name="long", cancel=token)
    assert started.wait(5)
    assert pool.shutdown(5000)
    assert token.cancelled


def test_a_result_for_a_deleted_receiver_is_dropped(qtbot: QtBot) -> None:
    from PySide6.QtCore import QObject

    pool = WorkerPool()
    gate = threading.Event()
    got: list[int] = []

    class Receiver(QObject):
        def on_result(self, value: int) -> None:
            got.append(value)

    receiver = Receiver()
    pool.call(lambda: gate.wait(5) and 7, receiver.on_result, name="late")
    receiver.deleteLater()
    qtbot.waitUntil(lambda: not shiboken_valid(receiver))
    gate.set()
    qtbot.waitUntil(lambda: pool.active == 0)
    qtbot.wait(50)  # a queued delivery, if any, would run in this event-loop turn
    assert got == []


def shiboken_valid(obj: object) -> bool:
    import shiboken6

    return bool(shiboken6.isValid(obj))


def test_a_failure_keeps_no_frames_of_the_worker(qtbot: QtBot) -> None:
    pool = WorkerPool()
    errors: list[AppError] = []

    def work() -> int:
        try:
            raise OSError(28, "No space left on device")
        except OSError as exc:
            raise NotFound("gone") from exc

    pool.call(work, lambda _: None, errors.append, name="fails")
    qtbot.waitUntil(lambda: bool(errors) and pool.active == 0)
    err: BaseException | None = errors[0]
    while err is not None:
        assert err.__traceback__ is None
        err = err.__cause__ or err.__context__
