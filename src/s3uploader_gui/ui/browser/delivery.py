"""Worker results for a receiver that may be gone when they arrive.

``WorkerPool.call`` hands a result to plain callables through a relay that lives as
long as the pool, and holds them. A listing or an operation may still be running when
the browser is closed (a test ends, the window goes). A Qt connection to one of the
browser's slots would neither keep it alive nor call it once deleted; ``call_for``
does the same: it holds the receiver weakly, drops the result once the receiver is
gone, and gives the receiver to the callbacks, so that they need not capture it.

(A callback that captured its receiver would keep it alive until the relay goes, and
the relay may go inside the pool's destructor: a model freed there crashed the tests.)
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject
from shiboken6 import isValid

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError
from s3uploader_gui.ui.workers import Worker, WorkerPool

T = TypeVar("T")
R = TypeVar("R", bound=QObject)


def call_for(
    receiver: R,
    pool: WorkerPool,
    fn: Callable[[], T],
    on_result: Callable[[R, T], None],
    on_failed: Callable[[R, AppError], None] | None = None,
    *,
    name: str,
    cancel: CancelToken | None = None,
) -> Worker:
    """``pool.call(fn, …)`` for ``receiver``: ``on_result(receiver, result)`` or
    ``on_failed(receiver, error)`` on the GUI thread, if the receiver is still there.

    The callbacks must not capture ``receiver`` (pass unbound methods, or lambdas of
    the receiver they are given).
    """
    ref = weakref.ref(receiver)

    def result(value: T) -> None:
        target = ref()
        if target is not None and isValid(target):
            on_result(target, value)

    def failed(err: AppError) -> None:
        target = ref()
        if on_failed is not None and target is not None and isValid(target):
            on_failed(target, err)

    return pool.call(fn, result, failed, name=name, cancel=cancel)
