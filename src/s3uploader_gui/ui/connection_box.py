"""The message shown when a connection fails, with the way out one click away.

Without the embedded server (a plain ``pip install``, no ``[server]`` extra) the first run
fails to open the local storage: the message then gives the command that installs it and,
for a person who wants a remote store instead, "Manage profiles…".
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from s3uploader_gui.core.errors import ServerNotInstalled
from s3uploader_gui.ui.messages import error_text


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def connection_failed_box(
    parent: QWidget, err: object, manage_profiles: Callable[[], None]
) -> QMessageBox:
    """Open (not exec: no nested event loop) and return the message for ``err``."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, _tr("Cannot connect"), error_text(err), parent=parent
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setInformativeText(_tr("Check the profile with “Manage profiles…”, or choose another one."))
    if isinstance(err, ServerNotInstalled):
        box.setWindowTitle(_tr("Local storage is not installed"))
        # The command is in the text: selectable, so that it can be copied as it is.
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setInformativeText(
            _tr(
                "To upload to a remote store (Amazon S3, MinIO, Cloudflare R2…) instead, "
                "add it with “Manage profiles…”."
            )
        )
    box.addButton(QMessageBox.StandardButton.Ok)
    manage = box.addButton(_tr("Manage profiles…"), QMessageBox.ButtonRole.ActionRole)
    manage.clicked.connect(manage_profiles)
    box.open()
    return box
