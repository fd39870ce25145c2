"""Worker results for a receiver that may be gone when they arrive.

``WorkerPool.call`` hands a result to a plain callable through a relay that lives as
long as the pool. A listing or an operation may still be running when the browser is
closed and deleted (a test ends, the window goes): a Qt connection to one of the
browser's slots would then be dropped, but a plain callable would run on deleted
objects. ``call_for`` drops it the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject
from shiboken6 import isValid

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError
from s3uploader_gui.ui.workers import Worker, WorkerPool

T = TypeVar("T")


def call_for(
    receiver: QObject,
    pool: WorkerPool,
    fn: Callable[[], T],
    on_result: Callable[[T], None],
    on_failed: Callable[[AppError], None] | None = None,
    *,
    name: str,
    cancel: CancelToken | None = None,
) -> Worker:
    """``pool.call(fn, on_result, on_failed)``, whose callbacks are skipped once
    ``receiver`` (the object they work on) has been deleted."""

    def result(value: T) -> None:
        if isValid(receiver):
            on_result(value)

    def failed(err: AppError) -> None:
        if on_failed is not None and isValid(receiver):
            on_failed(err)

    return pool.call(fn, result, failed, name=name, cancel=cancel)
