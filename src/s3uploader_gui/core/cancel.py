"""A cancel token shared between the thread that asks and the threads that work."""

from __future__ import annotations

import threading

from s3uploader_gui.core.errors import Cancelled


class CancelToken:
    """Set once by the user; checked by workers at chunk and item boundaries."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask every holder of this token to stop."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise ``Cancelled`` when cancellation was requested."""
        if self._event.is_set():
            raise Cancelled()

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, waking early on cancel; True when cancelled."""
        return self._event.wait(timeout)
