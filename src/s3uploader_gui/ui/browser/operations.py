"""The one long operation the browser runs at a time, and the bar that shows it.

Delete, move, download, gallery... are core operations (``core.operations``) run on a
worker through ``OperationRunner.run``; the bar at the bottom of the pane shows their
progress and a Cancel button, and the operation's typed result goes to the handler the
action gave, on the GUI thread.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.formatting import format_bytes
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.progress import TransferProgress
from s3uploader_gui.ui.browser.delivery import call_for
from s3uploader_gui.ui.browser.node import Node
from s3uploader_gui.ui.browser.ports import Status, tr
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.workers import Worker, WorkerPool

T = TypeVar("T")


class Counter:
    """Items done out of a total (0: unknown): a core operation's ``progress`` sink
    (``add``, called on the worker thread), read by the bar on the GUI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done = 0
        self.total = 0

    def add(self, n: int = 1) -> None:
        with self._lock:
            self.done += n

    def set_total(self, n: int) -> None:
        with self._lock:
            self.total = n

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return self.done, self.total


@dataclass
class _Op:
    """The long operation running in the pane (one at a time)."""

    name: str
    label: str
    worker: Worker
    on_done: Callable[[Any], None]  # takes what the worker's function returned
    on_failed: Callable[[AppError], None] | None = None
    counter: Counter | None = None
    transfer: TransferProgress | None = None
    refresh: Node | None = None
    #: False for a step that leads to another (a move's plan): ``finished`` is emitted
    #: only when it fails.
    final: bool = True


class OperationRunner(QWidget):
    """Runs one long operation at a time on a worker; this widget is its progress bar.

    Signals:
        busyChanged(): an operation started or ended (actions may need enabling).
        finished(str, object): (operation name, its result or AppError).
    """

    busyChanged = Signal()
    finished = Signal(str, object)

    def __init__(
        self,
        pool: WorkerPool,
        context: Callable[[], S3Context | None],
        status: Status,
        refresh: Callable[[Node], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._context = context
        self._status = status
        self._refresh = refresh
        self._op: _Op | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("", self)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setText(tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel_button)
        self.hide()
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._on_tick)

    @property
    def busy(self) -> bool:
        return self._op is not None

    def run(
        self,
        name: str,
        label: str,
        job: Callable[[], T],
        on_done: Callable[[T], None],
        on_failed: Callable[[AppError], None] | None = None,
        *,
        cancel: CancelToken,
        counter: Counter | None = None,
        transfer: TransferProgress | None = None,
        refresh: Node | None = None,
        final: bool = True,
    ) -> bool:
        """Run ``job()`` (a core operation with its arguments bound, ``cancel`` among
        them) on a worker; False if another operation is running.

        ``on_done`` gets the typed result, ``on_failed`` the error (after the bar is
        gone, and before the status bar shows the error); ``refresh`` is re-listed either
        way. ``counter`` (the job's ``progress``) or ``transfer`` feed the bar; the bar's
        Cancel button cancels ``cancel``. ``finished`` is emitted after ``on_done``,
        unless ``final`` is False (a step whose handler starts the next one).
        """
        if self._op is not None:
            self._status(tr("Wait for “%s” to finish first.") % self._op.label, 8000)
            return False
        worker = call_for(
            self,
            self._pool,
            job,
            OperationRunner._on_result,
            OperationRunner._on_failed,
            name=name,
            cancel=cancel,
        )
        self._op = _Op(name, label, worker, on_done, on_failed, counter, transfer, refresh, final)
        self.label.setText(label)
        self.progress.setRange(0, 0)
        self.show()
        self._timer.start()
        self.busyChanged.emit()
        return True

    def start(
        self,
        name: str,
        label: str,
        fn: Callable[..., T],
        *args: Any,
        on_done: Callable[[T], None],
        on_failed: Callable[[AppError], None] | None = None,
        counter: Counter | None = None,
        transfer: TransferProgress | None = None,
        refresh: Node | None = None,
        **kwargs: Any,
    ) -> bool:
        """``run`` for ``fn(context, *args, cancel=…, **kwargs)``; False if it cannot start
        now (not connected, or another operation is running). ``counter`` and
        ``transfer`` are passed to ``fn`` as ``counter`` and ``progress``."""
        context = self._context()
        if context is None:
            return False
        if self._op is not None:
            self._status(tr("Wait for “%s” to finish first.") % self._op.label, 8000)
            return False
        if counter is not None:
            kwargs["counter"] = counter
        if transfer is not None:
            kwargs["progress"] = transfer
        token = CancelToken()
        job = functools.partial(fn, context, *args, cancel=token, **kwargs)
        return self.run(
            name,
            label,
            job,
            on_done,
            on_failed,
            cancel=token,
            counter=counter,
            transfer=transfer,
            refresh=refresh,
        )

    @Slot()
    def cancel(self) -> None:
        if self._op is not None:
            self._op.worker.cancel()
            self.label.setText(tr("Cancelling…"))

    def stop(self) -> None:
        """Cancel the operation without a word (the window is closing)."""
        if self._op is not None:
            self._op.worker.cancel()

    @Slot()
    def _on_tick(self) -> None:
        op = self._op
        if op is None:
            return
        if op.transfer is not None:
            snap = op.transfer.snapshot()
            if snap.total_bytes:
                self.progress.setRange(0, 1000)
                self.progress.setValue(int(1000 * snap.done_bytes / snap.total_bytes))
                self.progress.setFormat(
                    f"{format_bytes(snap.done_bytes)} / {format_bytes(snap.total_bytes)}"
                )
        elif op.counter is not None:
            done, total = op.counter.snapshot()
            if total:
                self.progress.setRange(0, max(total, done))
                self.progress.setValue(done)
                self.progress.setFormat(f"{done:,} / {max(total, done):,}")
            elif done:
                self.progress.setRange(0, 0)
                self.label.setText(f"{op.label} {done:,}")

    def _on_result(self, result: object) -> None:
        op = self._finish()
        if op is not None:
            op.on_done(result)
            if op.final:
                self.finished.emit(op.name, result)

    def _on_failed(self, err: AppError) -> None:
        op = self._finish()
        if op is not None and op.on_failed is not None:
            op.on_failed(err)
        self._status(error_text(err), 0)
        self.finished.emit(op.name if op else "", err)

    def _finish(self) -> _Op | None:
        op, self._op = self._op, None
        self._timer.stop()
        self.hide()
        self.busyChanged.emit()
        if op is not None and op.refresh is not None:
            self._refresh(op.refresh)
        return op

    def report(self, done_text: str, problems: list[str]) -> None:
        """``done_text`` in the status bar, with the first problem and how many more."""
        if problems:
            more = (
                QCoreApplication.translate("BrowserPane", " (and %n more)", "", len(problems) - 1)
                if len(problems) > 1
                else ""
            )
            self._status(f"{done_text} {problems[0]}{more}", 0)
        else:
            self._status(done_text, 8000)
