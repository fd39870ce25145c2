"""*After upload: copy link*: when a batch ends, the links of the files it uploaded go to
the clipboard, one per line in queue order, as the Preferences say (public URL, presigned
link with the default lifetime, Markdown or HTML; off by default).

The links are made by ``core.operations.upload_links`` on a worker (presigning sends no
request, but the credentials may be refreshed first).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from s3uploader_gui.core.operations.upload_links import UploadLinks, links_for_uploads
from s3uploader_gui.core.transfers.model import ItemResult, ItemStatus
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.sharing_settings import after_upload_links, default_link_expiry
from s3uploader_gui.ui.workers import WorkerPool

if TYPE_CHECKING:
    from s3uploader_gui.core.errors import AppError
    from s3uploader_gui.core.operations.links import Links
    from s3uploader_gui.ui.session import Connection


class AfterUploadLinks(QObject):
    """Copies a finished batch's links when the user asked for it.

    Signals:
        statusMessage(str, int): what was copied (or why nothing was), for the status bar.
        notifyRequested(str, str): a notification's title and text: links were copied
            while the window is in the background.
    """

    statusMessage = Signal(str, int)
    notifyRequested = Signal(str, str)

    def __init__(self, settings: QSettings, pool: WorkerPool, parent: QWidget) -> None:
        super().__init__(parent)
        self._widget = parent
        self.settings = settings
        self.pool = pool

    def batch_done(
        self, connection: Connection | None, bucket: str, results: Sequence[ItemResult]
    ) -> None:
        """A batch into ``bucket`` ended: copy the links of the items it uploaded."""
        choice = after_upload_links(self.settings)
        if choice is UploadLinks.OFF or connection is None:
            return
        uploaded = sorted(
            (r for r in results if r.status == ItemStatus.DONE), key=lambda r: r.index
        )
        if not uploaded:
            return
        profile = connection.profile
        self.pool.call(
            functools.partial(
                links_for_uploads,
                connection.context,
                [(bucket, r.key) for r in uploaded],
                choice,
                seconds=default_link_expiry(self.settings),
                base_url=profile.public_base_url if profile is not None else None,
            ),
            self._on_links,
            self._on_failed,
            name="after-upload-links",
        )

    def _on_links(self, links: Links) -> None:
        if not links.links:
            if links.failed:
                self._on_failed(links.failed[0][1])
            return
        QGuiApplication.clipboard().setText(links.text)
        text = self.tr("Copied %n link(s)", "", len(links.links))
        if links.failed:
            text += " — " + self.tr("%n file(s) got no link", "", len(links.failed))
        if links.lifetime is not None and links.seconds is not None:
            from s3uploader_gui.ui.browser.dialogs import describe_lifetime

            text += ". " + describe_lifetime(links.seconds, links.credentials)
        self.statusMessage.emit(text, 0)
        if not self._widget.window().isActiveWindow():
            self.notifyRequested.emit(self.tr("Links copied"), text)

    def _on_failed(self, err: AppError) -> None:
        text = self.tr("No link was copied: %1").replace("%1", error_text(err))
        self.statusMessage.emit(text, 0)
