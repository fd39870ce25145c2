"""What the pane lends its parts: small interfaces, never the pane itself.

A part (editing, downloads, sharing...) reaches the rest of the browser only through
these, the ``Selection`` and the ``OperationRunner``: reaching into the pane's widgets
is how parts get tangled with each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QCoreApplication

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.client import S3Context
    from s3uploader_gui.ui.browser.node import Node

#: Shows a message in the status bar for that many milliseconds (0: until replaced).
Status = Callable[[str, int], None]
#: Puts text on the clipboard and says so: (text, message).
Copy = Callable[[str, str], None]


class Place(Protocol):
    """Where the browser is, and what it is connected to."""

    @property
    def context(self) -> S3Context | None: ...

    @property
    def location(self) -> tuple[str, str]:
        """(bucket, prefix) on screen; ("", "") for the bucket list."""
        ...

    @property
    def current_node(self) -> Node: ...


def tr(text: str) -> str:
    """``text`` translated as the pane's: its parts keep the ``BrowserPane`` context.

    Strings with a number (``%n``) call ``QCoreApplication.translate("BrowserPane", …)``
    themselves, so that lupdate and tests/ui/test_plurals.py see their context.
    """
    return QCoreApplication.translate("BrowserPane", text)
