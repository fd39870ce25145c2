"""Links to the selected objects: s3:// URIs, public URLs, presigned links (the share
dialog says how long they really last: temporary credentials cut them short)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.sharing import (
    CredentialInfo,
    LinkFormat,
    credential_info,
    format_links,
    public_url_for,
    s3_uri,
)
from s3uploader_gui.ui.browser.delivery import call_for
from s3uploader_gui.ui.browser.dialogs import ShareDialog, describe_lifetime
from s3uploader_gui.ui.browser.jobs import _links, _presign_all
from s3uploader_gui.ui.browser.ports import Copy, Place, Status, tr
from s3uploader_gui.ui.browser.selection import Selection
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.workers import WorkerPool


class Sharing(QObject):
    """Copies links to the selected objects; the share dialog chooses their kind, expiry
    and format. ``base_url`` gives the profile's public address (CDN, website) or ""."""

    def __init__(
        self,
        pool: WorkerPool,
        selection: Selection,
        place: Place,
        copy: Copy,
        status: Status,
        base_url: Callable[[], str],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._selection = selection
        self._place = place
        self._copy = copy
        self._status = status
        self._base_url = base_url
        self._parent = parent
        self.share_dialog: ShareDialog | None = None
        self._share_objects: list[tuple[str, str]] = []
        self._last_credentials: CredentialInfo | None = None
        self._link_seconds = 3600
        self._share_format = LinkFormat.URL
        self._share_public = False

    @Slot()
    def on_copy_link_action(self) -> None:
        """A "Copy presigned link (…)" entry: its data is the expiry in seconds."""
        action = self.sender()
        seconds = action.data() if isinstance(action, QAction) else 3600
        self.copy_presigned_link(int(seconds))

    def copy_s3_uri(self) -> None:
        lines = [s3_uri(b, k) for b, k in self._selection.objects()]
        if lines:
            self._copy(
                "\n".join(lines),
                QCoreApplication.translate("BrowserPane", "Copied %n address(es).", "", len(lines)),
            )

    def copy_public_url(self) -> None:
        context = self._place.context
        objects = self._selection.objects()
        if context is None or not objects:
            return
        base = self._base_url() or None
        urls = [public_url_for(context, b, k, base_url=base) for b, k in objects]
        self._copy(
            "\n".join(urls),
            QCoreApplication.translate(
                "BrowserPane",
                "Copied %n public URL(s); they work only for publicly readable objects.",
                "",
                len(urls),
            ),
        )

    def copy_presigned_link(self, seconds: int = 3600) -> None:
        """Put presigned GET links to the selected objects on the clipboard, one per line."""
        context = self._place.context
        objects = self._selection.objects()
        if context is None or not objects:
            self._status(tr("Select an object in the bucket browser first."), 8000)
            return
        self._link_seconds = seconds
        call_for(
            self,
            self._pool,
            functools.partial(_presign_all, context, objects, seconds),
            Sharing._on_links_ready,
            Sharing._on_link_failed,
            name="presign",
        )

    def _on_links_ready(self, value: tuple[list[str], CredentialInfo]) -> None:
        urls, info = value
        self._last_credentials = info
        text = "\n".join(urls)
        truth = describe_lifetime(self._link_seconds, info)
        self._copy(
            text,
            QCoreApplication.translate("BrowserPane", "Copied %n presigned link(s).", "", len(urls))
            + " "
            + truth,
        )

    def _on_link_failed(self, err: AppError) -> None:
        self._status(error_text(err), 0)

    def open_share_dialog(self, fmt: LinkFormat = LinkFormat.URL) -> ShareDialog | None:
        """The share dialog for the selected objects (non-modal; copies on accept)."""
        context = self._place.context
        objects = self._selection.objects()
        if context is None or not objects:
            return None
        if not isinstance(fmt, LinkFormat):
            fmt = LinkFormat.URL
        if self.share_dialog is not None:
            self.share_dialog.deleteLater()
        dialog = ShareDialog(len(objects), fmt, parent=self._parent)
        dialog.accepted.connect(self._on_share_accepted)
        self.share_dialog = dialog
        self._share_objects = objects
        dialog.open()
        call_for(
            self,
            self._pool,
            functools.partial(credential_info, context),
            Sharing._on_credentials,
            Sharing._on_link_failed,
            name="credentials",
        )
        return dialog

    def _on_credentials(self, info: CredentialInfo) -> None:
        self._last_credentials = info
        if self.share_dialog is not None:
            self.share_dialog.set_credentials(info)

    @Slot()
    def _on_share_accepted(self) -> None:
        dialog = self.share_dialog
        context = self._place.context
        if dialog is None or context is None:
            return
        self._link_seconds = dialog.seconds
        self._share_format = dialog.link_format
        self._share_public = dialog.public
        call_for(
            self,
            self._pool,
            functools.partial(
                _links,
                context,
                list(self._share_objects),
                dialog.public,
                dialog.seconds,
                self._base_url(),
            ),
            Sharing._on_share_links,
            Sharing._on_link_failed,
            name="links",
        )

    def _on_share_links(self, links: list[tuple[str, str]]) -> None:
        text = format_links(links, self._share_format)
        if self._share_public:
            message = QCoreApplication.translate(
                "BrowserPane", "Copied %n public link(s).", "", len(links)
            )
        else:
            truth = describe_lifetime(self._link_seconds, self._last_credentials)
            message = (
                QCoreApplication.translate(
                    "BrowserPane", "Copied %n presigned link(s).", "", len(links)
                )
                + " "
                + truth
            )
        self._copy(text, message)
