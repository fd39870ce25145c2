"""The caller's indices for a batch the engine runs without the plan's rejected rows.

``run_uploads`` sends only the planned items, so the engine numbers them 0..n-1 among
themselves; the caller (a GUI queue, the CLI) numbers them as the candidates it planned.
These adapters translate every index the engine gives out (progress, pause and cancel,
the callbacks) so the caller only ever sees its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from s3uploader_gui.core.transfers.control import BatchControl
from s3uploader_gui.core.transfers.model import AskFn, StateCallback
from s3uploader_gui.core.transfers.progress import ProgressSnapshot, TransferProgress


class RowProgress(TransferProgress):
    """The caller's progress with items counted by candidate index (the engine counts
    them by their position among the items sent)."""

    def __init__(self, inner: TransferProgress, rows: Sequence[int]) -> None:
        super().__init__()
        self._inner = inner
        self._rows = rows

    def add_item(self, index: int, size: int) -> None:
        self._inner.add_item(self._rows[index], size)

    def resize_item(self, index: int, old_size: int, new_size: int) -> None:
        self._inner.resize_item(self._rows[index], old_size, new_size)

    def advance(self, index: int, nbytes: int) -> None:
        self._inner.advance(self._rows[index], nbytes)

    def set_item(self, index: int, nbytes: int) -> None:
        self._inner.set_item(self._rows[index], nbytes)

    def finish_item(self, index: int) -> None:
        self._inner.finish_item(self._rows[index])

    def remove_item(self, index: int, size: int) -> None:
        self._inner.remove_item(self._rows[index], size)

    def snapshot(self, *, changed_only: bool = False) -> ProgressSnapshot:
        return self._inner.snapshot(changed_only=changed_only)


class RowControl(BatchControl):
    """The caller's BatchControl (indexed by candidate) as the engine asks it."""

    def __init__(self, inner: BatchControl, rows: Sequence[int]) -> None:
        self._inner = inner
        self._rows = rows

    @property
    def version(self) -> int:
        return self._inner.version

    @version.setter
    def version(self, value: int) -> None:
        self._inner.version = value

    def is_paused(self, index: int) -> bool:
        return self._inner.is_paused(self._rows[index])

    def is_cancelled(self, index: int) -> bool:
        return self._inner.is_cancelled(self._rows[index])

    @property
    def all_paused(self) -> bool:
        return self._inner.all_paused

    def pause(self, index: int | None = None) -> None:
        self._inner.pause(None if index is None else self._rows[index])

    def cancel(self, index: int) -> None:
        self._inner.cancel(self._rows[index])


def mapped_start(
    on_start: Callable[[int], None] | None, rows: Sequence[int]
) -> Callable[[int], None] | None:
    if on_start is None:
        return None
    start = on_start
    return lambda index: start(rows[index])


def mapped_state(on_state: StateCallback | None, rows: Sequence[int]) -> StateCallback | None:
    if on_state is None:
        return None
    state = on_state
    return lambda index, status, detail: state(rows[index], status, detail)


def mapped_ask(ask: AskFn | None, rows: Sequence[int]) -> AskFn | None:
    if ask is None:
        return None
    asker = ask
    return lambda conflict: asker(replace(conflict, index=rows[conflict.index]))
