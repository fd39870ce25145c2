"""Errors as text for dialogs and the status bar."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from s3uploader_gui.core.errors import AppError, user_message


def error_text(err: object) -> str:
    """One sentence for ``err`` (an AppError, any exception, or already a string)."""
    if isinstance(err, str):
        return err
    if isinstance(err, BaseException):
        return user_message(err)
    return QCoreApplication.translate("messages", "Something went wrong.")


def is_fatal(err: object) -> bool:
    """True when the error concerns the whole connection, not one item."""
    return isinstance(err, AppError) and err.fatal
