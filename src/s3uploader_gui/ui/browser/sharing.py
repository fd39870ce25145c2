"""Links to the selected objects: s3:// URIs, public URLs, presigned links (the share
dialog says how long they really last: temporary credentials cut them short). The links
are made by ``core.operations.links.make_links``, off the GUI thread when presigned."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.operations.links import LinkKind, Links, make_links
from s3uploader_gui.core.sharing import CredentialInfo, LinkFormat, credential_info
from s3uploader_gui.ui.browser.delivery import call_for
from s3uploader_gui.ui.browser.dialogs import ShareDialog, describe_lifetime
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

    @Slot()
    def on_copy_link_action(self) -> None:
        """A "Copy presigned link (…)" entry: its data is the expiry in seconds."""
        action = self.sender()
        seconds = action.data() if isinstance(action, QAction) else 3600
        self.copy_presigned_link(int(seconds))

    def copy_s3_uri(self) -> None:
        context = self._place.context
        objects = self._selection.objects()
        if context is None or not objects:
            return
        # s3:// addresses and public URLs are put together locally: no request, no wait.
        links = make_links(context, objects, kind=LinkKind.S3_URI)
        self._copy(
            links.text,
            QCoreApplication.translate(
                "BrowserPane", "Copied %n address(es).", "", len(links.links)
            ),
        )

    def copy_public_url(self) -> None:
        context = self._place.context
        objects = self._selection.objects()
        if context is None or not objects:
            return
        links = make_links(context, objects, kind=LinkKind.PUBLIC, base_url=self._base_url())
        self._copy(
            links.text,
            QCoreApplication.translate(
                "BrowserPane",
                "Copied %n public URL(s); they work only for publicly readable objects.",
                "",
                len(links.links),
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
            functools.partial(
                make_links, context, objects, kind=LinkKind.PRESIGNED, seconds=seconds
            ),
            Sharing._on_links_ready,
            Sharing._on_link_failed,
            name="presign",
        )

    def _on_links_ready(self, links: Links) -> None:
        self._last_credentials = links.credentials
        truth = describe_lifetime(links.seconds or self._link_seconds, links.credentials)
        self._copy(
            links.text,
            QCoreApplication.translate(
                "BrowserPane", "Copied %n presigned link(s).", "", len(links.links)
            )
            + " "
            + truth
            + self._failed_text(links),
        )

    @staticmethod
    def _failed_text(links: Links) -> str:
        """The sentence naming the first object that got no link, or an empty string."""
        if not links.failed:
            return ""
        key, err = links.failed[0]
        return " " + tr("No link for “%1”: %2").replace("%1", key).replace("%2", err.message)

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
        call_for(
            self,
            self._pool,
            functools.partial(
                make_links,
                context,
                list(self._share_objects),
                kind=LinkKind.PUBLIC if dialog.public else LinkKind.PRESIGNED,
                seconds=dialog.seconds,
                base_url=self._base_url(),
                fmt=self._share_format,
            ),
            Sharing._on_share_links,
            Sharing._on_link_failed,
            name="links",
        )

    def _on_share_links(self, links: Links) -> None:
        count = len(links.links)
        if links.kind == LinkKind.PUBLIC:
            message = QCoreApplication.translate(
                "BrowserPane", "Copied %n public link(s).", "", count
            )
        else:
            self._last_credentials = links.credentials or self._last_credentials
            truth = describe_lifetime(links.seconds or self._link_seconds, self._last_credentials)
            message = (
                QCoreApplication.translate("BrowserPane", "Copied %n presigned link(s).", "", count)
                + " "
                + truth
            )
        self._copy(links.text, message + self._failed_text(links))
