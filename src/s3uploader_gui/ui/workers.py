"""Background work on QThreads: a generic worker, and a registry that shuts them down."""

from __future__ import annotations

import logging
import sys
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError, translate

log = logging.getLogger(__name__)

T = TypeVar("T")


class Worker(QObject):
    """Runs one callable on a worker thread.

    Signals:
        result(object): the callable's return value.
        failed(object): an ``AppError`` (already translated) when it raised.
        finished(): after either of the above; the thread quits on it.

    The callable receives the worker's ``CancelToken`` as keyword ``cancel`` when
    ``pass_cancel`` is set. Cancel goes through the token, not a queued slot: a worker
    blocked in boto3 cannot run slots.
    """

    result = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(
        self,
        fn: Callable[..., Any],
        *args: Any,
        pass_cancel: bool = False,
        name: str = "",
        cancel: CancelToken | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self.cancel_token = cancel or CancelToken()
        if pass_cancel:
            self._kwargs["cancel"] = self.cancel_token
        self.name = name or getattr(fn, "__name__", "worker")

    def cancel(self) -> None:
        self.cancel_token.cancel()

    @Slot()
    def run(self) -> None:
        try:
            value = self._fn(*self._args, **self._kwargs)
        except Exception as exc:
            err = translate(exc)
            if type(err) is AppError:
                # Not a failure the core knows (S3, disk, credentials...): a bug. Report it
                # like any uncaught exception (log + dialog), then fail the worker.
                sys.excepthook(type(exc), exc, exc.__traceback__)
            else:
                log.info("%s failed: %s", self.name, err)
            # The traceback's frames hold this worker (and whatever the body touched): a
            # handler that keeps the error would keep them alive past the pool's shutdown.
            _drop_tracebacks(err)
            self.failed.emit(err)
        else:
            self.result.emit(value)
        finally:
            self.finished.emit()


def _drop_tracebacks(err: BaseException) -> None:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__


class WorkerPool(QObject):
    """Owns every running worker and its thread; drains them on shutdown.

    Signals:
        idle(): emitted when the last running worker has finished.
    """

    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[QThread, QObject] = {}
        self._closing = False

    def start(self, worker: QObject, run: str = "run") -> QThread | None:
        """Move ``worker`` to a new thread and call its ``run`` slot there.

        Once the pool is shutting down, late requests (a queued signal delivered after
        quit began) are dropped: the worker never runs and never signals.
        """
        if self._closing:
            log.debug("not starting %s: shutting down", getattr(worker, "name", worker))
            return None
        thread = QThread(self)
        thread.setObjectName(getattr(worker, "name", type(worker).__name__))
        worker.moveToThread(thread)
        thread.started.connect(getattr(worker, run))
        worker.finished.connect(thread.quit)  # type: ignore[attr-defined]
        thread.finished.connect(self._on_thread_finished)
        self._running[thread] = worker
        thread.start()
        return thread

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], None] | None = None,
        on_failed: Callable[[Any], None] | None = None,
        pass_cancel: bool = False,
        name: str = "",
        **kwargs: Any,
    ) -> Worker:
        """Run ``fn`` in a worker; ``on_result``/``on_failed`` must be slots of GUI objects."""
        worker = Worker(fn, *args, pass_cancel=pass_cancel, name=name, **kwargs)
        if on_result is not None:
            worker.result.connect(on_result)
        if on_failed is not None:
            worker.failed.connect(on_failed)
        self.start(worker)
        return worker

    def call(
        self,
        fn: Callable[[], T],
        on_result: Callable[[T], None],
        on_failed: Callable[[AppError], None] | None = None,
        *,
        name: str,
        cancel: CancelToken | None = None,
        receiver: QObject | None = None,
    ) -> Worker:
        """Run ``fn()`` on a worker thread and hand its typed result to ``on_result``.

        Both callbacks run on the thread that called ``call`` (the GUI thread), whatever
        they are: a relay living there receives the worker's signals, so a plain function
        or a lambda is as safe as a slot. A result that arrives after ``receiver`` (by
        default the QObject whose bound method ``on_result`` is) was deleted is dropped,
        as a signal connected to a slot would be.
        ``cancel`` becomes the worker's token, so ``shutdown`` and ``Worker.cancel`` reach
        a function that was given it.
        """
        worker = Worker(fn, name=name, cancel=cancel)
        if receiver is None:
            owner = getattr(on_result, "__self__", None)
            receiver = owner if isinstance(owner, QObject) else None
        relay = _Relay(on_result, on_failed, receiver, self)
        worker.result.connect(relay.deliver)
        worker.failed.connect(relay.fail)
        worker.finished.connect(relay.deleteLater)
        self.start(worker)
        return worker

    @property
    def active(self) -> int:
        return len(self._running)

    def workers(self) -> list[QObject]:
        return list(self._running.values())

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if isinstance(thread, QThread):
            worker = self._running.pop(thread, None)
            if worker is not None:
                worker.deleteLater()
            thread.deleteLater()
        if not self._running:
            self.idle.emit()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel every worker and wait for the threads; False if some did not stop in time."""
        self._closing = True
        for worker in self._running.values():
            cancel = getattr(worker, "cancel", None)
            if callable(cancel):
                cancel()
        ok = True
        for thread in list(self._running):
            thread.quit()
            if not thread.wait(timeout_ms):
                log.warning("worker thread %s did not stop in time", thread.objectName())
                ok = False
        self._running.clear()
        return ok


class _Relay(QObject, Generic[T]):
    """Receives one worker's signals on the GUI thread and calls typed callbacks.

    Worker signals carry ``object``; the relay is where that value gets its type back,
    once, instead of in every handler.
    """

    def __init__(
        self,
        on_result: Callable[[T], None],
        on_failed: Callable[[AppError], None] | None,
        receiver: QObject | None,
        parent: QObject,
    ) -> None:
        # Not a child of the receiver: a handler that deletes its own widget would then
        # delete the relay while the relay is still calling it.
        super().__init__(parent)
        self._on_result: Callable[[T], None] | None = on_result
        self._on_failed = on_failed
        self._receiver = weakref.ref(receiver) if receiver is not None else None
        if receiver is not None and getattr(on_result, "__self__", None) is receiver:
            # A bound method of the receiver: held weakly, as a Qt connection would.
            self._on_result = None
            self._weak_result: weakref.WeakMethod[Callable[[T], None]] | None = weakref.WeakMethod(
                on_result
            )
        else:
            self._weak_result = None

    def _take(self) -> tuple[Callable[[T], None] | None, Callable[[AppError], None] | None]:
        """The callbacks, once: afterwards the relay holds nothing they captured (a model
        kept alive by a finished relay was freed inside the pool's destructor and crashed)."""
        on_result = self._on_result or (self._weak_result() if self._weak_result else None)
        callbacks = (on_result, self._on_failed)
        self._on_result = self._on_failed = self._weak_result = None
        if self._receiver is not None:
            receiver = self._receiver()
            if receiver is None or not shiboken6.isValid(receiver):
                return None, None
        return callbacks

    @Slot(object)
    def deliver(self, value: object) -> None:
        on_result, _ = self._take()
        if on_result is not None:
            on_result(value)  # type: ignore[arg-type]  # the worker ran Callable[[], T]

    @Slot(object)
    def fail(self, err: object) -> None:
        _, on_failed = self._take()
        if on_failed is not None and isinstance(err, AppError):
            on_failed(err)
