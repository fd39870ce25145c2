"""What the History window does to its selected entries: copy links, open in the browser,
download, delete from the bucket, remove from the history, clear it.

Everything that reaches the server runs on a worker through a core function
(``operations.links.make_links``, ``operations.history.delete_uploaded`` /
``download_uploaded``); the objects are reached through the current connection, so an
entry can be acted on when that connection is the one it was uploaded with (its profile).
An ``s3://`` address needs no connection.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.operations.links import LinkKind, Links
from s3uploader_gui.core.sharing import LinkFormat, format_link
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.workers import WorkerPool

if TYPE_CHECKING:
    from s3uploader_gui.core.history import HistoryEntry
    from s3uploader_gui.core.operations.connect import Connection
    from s3uploader_gui.core.operations.downloads import DownloadOutcome
    from s3uploader_gui.core.operations.objects import DeleteOutcome
    from s3uploader_gui.ui.browser.pane import BrowserPane
    from s3uploader_gui.ui.history.model import HistoryModel
    from s3uploader_gui.ui.history.reveal import BrowserReveal
    from s3uploader_gui.ui.session import Session

#: (title, text) → True to go ahead.
Confirm = Callable[[str, str], bool]
#: The folder to download into, or None when the person cancelled.
ChooseFolder = Callable[[], Path | None]


def bring_to_front(window: QWidget) -> None:
    """Raise and activate ``window`` (the offscreen platform of tests and screenshots
    cannot raise a window, and warns when asked to)."""
    if QGuiApplication.platformName() != "offscreen":
        window.raise_()
    window.activateWindow()


class HistoryCommands(QObject):
    """The window's commands; ``status`` shows a sentence.

    Signals:
        linkCopied(str): the text put on the clipboard.
        done(str): a command that ran on a worker has finished (its name).
    """

    linkCopied = Signal(str)
    done = Signal(str)

    def __init__(
        self,
        model: HistoryModel,
        session: Session,
        pool: WorkerPool,
        settings: QSettings,
        browser: BrowserPane | None,
        status: Callable[[str], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._session = session
        self._pool = pool
        self._settings = settings
        self._browser = browser
        self._status = status
        self._parent = parent
        self._reveal: BrowserReveal | None = None
        self._cancel = CancelToken()

    @property
    def can_open(self) -> bool:
        """True when there is a browser to open entries in."""
        return self._browser is not None

    # -- the connection an entry can be reached through ----------------------------------
    def connection_for(self, entries: Sequence[HistoryEntry], what: str) -> Connection | None:
        """The current connection when every entry was uploaded through it; else None,
        with a sentence naming the profile to choose (``what``: "copy its link"...)."""
        connection = self._session.connection
        profiles = sorted({e.profile for e in entries})
        if connection is not None and profiles == [connection.label]:
            return connection
        if len(profiles) == 1:
            text = self.tr("This upload went to “%s”: choose that profile to %s.")
            self._status(text % (profiles[0], what))
        else:
            self._status(
                self.tr(
                    "The selected uploads went to different profiles: select those of one profile."
                )
            )
        return None

    # -- links ---------------------------------------------------------------------------
    def copy_links(self, entries: Sequence[HistoryEntry], kind: LinkKind, fmt: LinkFormat) -> None:
        """Put the entries' links on the clipboard, one per line (presigned ones with the
        default lifetime, made on a worker)."""
        if not entries:
            return
        if kind == LinkKind.S3_URI:
            self._copy("\n".join(format_link(e.name, e.s3_uri, fmt) for e in entries))
            return
        connection = self.connection_for(entries, self.tr("copy its link"))
        if connection is None:
            return
        from s3uploader_gui.core.operations.links import make_links
        from s3uploader_gui.ui.preferences_dialog import default_link_expiry

        profile = connection.profile
        base_url = profile.public_base_url if profile is not None else ""
        self._status(self.tr("Making links…"))
        self._pool.call(
            functools.partial(
                make_links,
                connection.context,
                [(e.bucket, e.key) for e in entries],
                kind=kind,
                seconds=default_link_expiry(self._settings),
                base_url=base_url or None,
                fmt=fmt,
            ),
            self._on_links,
            self._on_failed,
            name="history-links",
        )

    def _on_links(self, links: Links) -> None:
        if links.failed:
            key, err = links.failed[0]
            self._status(f"{key}: {error_text(err)}")
        if links.links:
            self._copy(links.text)
        self.done.emit("links")

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        count = text.count("\n") + 1
        self._status(self.tr("Copied %n link(s) to the clipboard.", "", count))
        self.linkCopied.emit(text)

    def _on_failed(self, err: AppError) -> None:
        self._status(error_text(err))
        self.done.emit("failed")

    # -- the browser ---------------------------------------------------------------------
    def open_in_browser(self, entry: HistoryEntry) -> None:
        """Show the entry's folder in the bucket browser with the object selected."""
        if self._browser is None:
            return
        if self.connection_for([entry], self.tr("open it")) is None:
            return
        if self._reveal is None:
            from s3uploader_gui.ui.history.reveal import BrowserReveal

            self._reveal = BrowserReveal(self._browser, self)
            self._reveal.notFound.connect(self._on_not_found)
        if not self._reveal.reveal(entry.bucket, entry.key):
            self._status(self.tr("The bucket “%s” is not listed in the browser.") % entry.bucket)
            return
        bring_to_front(self._browser.window())

    def _on_not_found(self, bucket: str, key: str) -> None:
        self._status(self.tr("s3://%s/%s is not in the bucket any more.") % (bucket, key))

    # -- download and delete ---------------------------------------------------------------
    def download(self, entries: Sequence[HistoryEntry], dest: Path) -> None:
        """Download the entries' objects into ``dest`` (existing files are kept: the
        download is saved beside them)."""
        connection = self.connection_for(entries, self.tr("download it"))
        if connection is None or not entries:
            return
        from s3uploader_gui.core.operations.history import download_uploaded

        self._status(self.tr("Downloading %n file(s)…", "", len(entries)))
        self._pool.call(
            functools.partial(
                download_uploaded, connection.context, list(entries), dest, cancel=self._cancel
            ),
            functools.partial(self._on_downloaded, dest),
            self._on_failed,
            name="history-download",
            receiver=self,
        )

    def _on_downloaded(self, dest: Path, outcomes: list[DownloadOutcome]) -> None:
        done = sum(len(o.downloaded) for o in outcomes)
        failed = [row for o in outcomes for row in o.failed]
        text = self.tr("Downloaded %n file(s) to ", "", done) + str(dest)
        if failed:
            first = failed[0]
            why = error_text(first.error) if first.error is not None else first.key
            text += " — " + self.tr("%n failed", "", len(failed)) + f": {why}"
        self._status(text)
        self.done.emit("download")

    def delete(self, entries: Sequence[HistoryEntry], confirm: Confirm) -> None:
        """Delete the entries' objects from their buckets, after a confirmation; the
        deleted ones leave the history too."""
        if not entries:
            return
        connection = self.connection_for(entries, self.tr("delete it"))
        if connection is None:
            return
        names = "\n".join(e.s3_uri for e in entries[:10])
        if len(entries) > 10:
            names += "\n" + self.tr(" (and %n more)", "", len(entries) - 10).strip()
        question = (
            self.tr("Delete %n object(s) from the bucket? This cannot be undone.", "", len(entries))
            + "\n\n"
            + names
        )
        if not confirm(self.tr("Delete from the bucket"), question):
            return
        from s3uploader_gui.core.operations.history import delete_uploaded

        self._status(self.tr("Deleting…"))
        self._pool.call(
            functools.partial(
                delete_uploaded, connection.context, list(entries), cancel=self._cancel
            ),
            functools.partial(self._on_deleted, list(entries)),
            self._on_failed,
            name="history-delete",
            receiver=self,
        )

    def _on_deleted(self, entries: list[HistoryEntry], outcomes: list[DeleteOutcome]) -> None:
        gone = {(o.bucket, key) for o in outcomes for key in o.deleted}
        failed = [(o.bucket, key, err) for o in outcomes for key, err in o.failed]
        self._forget([e.id for e in entries if (e.bucket, e.key) in gone])
        text = self.tr("Deleted %n object(s).", "", len(gone))
        if failed:
            bucket, key, err = failed[0]
            text += " " + self.tr("%n failed", "", len(failed)) + f": s3://{bucket}/{key}: "
            text += error_text(err)
        self._status(text)
        if self._browser is not None:
            for folder in {(e.bucket, e.folder) for e in entries if (e.bucket, e.key) in gone}:
                self._browser.refresh_prefix(*folder)
        self.done.emit("delete")

    # -- the history itself ----------------------------------------------------------------
    def remove(self, entries: Sequence[HistoryEntry]) -> None:
        """Forget the entries (the objects stay in their buckets)."""
        removed = self._forget([e.id for e in entries])
        if removed:
            self._status(self.tr("Removed %n upload(s) from the history.", "", removed))

    def clear(self, confirm: Confirm) -> None:
        """Forget every entry, after a confirmation (the objects stay)."""
        question = self.tr("Forget every upload in the history? The objects stay in their buckets.")
        if not confirm(self.tr("Clear the history"), question):
            return
        try:
            self._model.store.clear()
        except AppError as err:
            self._status(error_text(err))
            return
        self._model.reload()
        self._status(self.tr("The history is empty."))

    def _forget(self, ids: list[int]) -> int:
        if not ids:
            return 0
        try:
            removed = self._model.store.remove(ids)
        except AppError as err:
            self._status(error_text(err))
            return 0
        self._model.reload()
        return removed

    def shutdown(self) -> None:
        """Stop a download or delete still running."""
        self._cancel.cancel()
