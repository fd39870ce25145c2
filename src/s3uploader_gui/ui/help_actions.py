"""The Help menu's two windows, opened without loading them at start-up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def open_log(parent: QWidget) -> None:
    """Open the log viewer (the log is already scrubbed of secrets)."""
    from s3uploader_gui.ui.diagnostics import LogViewer

    viewer = LogViewer(parent)
    viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    viewer.open()


def open_about(parent: QWidget) -> None:
    """The About box with the versions of everything that matters."""
    from s3uploader_gui.ui.diagnostics import show_about

    show_about(parent)
