"""Watched folders in the window: a scan every second on a worker, new files to the queue.

The rules (complete, once, baselines, waiting for a profile) are ``core.watching``'s; this
drives its ``Watcher.tick`` through ``WorkerPool.call`` (one tick at a time, never on the
GUI thread), queues what it returns in the upload pane with a fixed bucket and key, and
says in the status bar what it must say once.
"""

from __future__ import annotations

import functools
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.imaging.options import ImageOptions, MetadataPolicy
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.watching import (
    FileState,
    ImageChoice,
    NewFile,
    WatchedFolder,
    Watcher,
    WatchTick,
    default_state_path,
)
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.watch.settings import PAUSED_KEY, load_folders

if TYPE_CHECKING:
    from s3uploader_gui.ui.session import Session
    from s3uploader_gui.ui.upload.pane import UploadPane
    from s3uploader_gui.ui.watch.page import WatchedFoldersPage
    from s3uploader_gui.ui.workers import WorkerPool

log = logging.getLogger(__name__)

#: "As is": no resize, no conversion, metadata kept, so the upload is the file's bytes.
AS_IS_OPTIONS = ImageOptions(metadata=MetadataPolicy.KEEP)


class FolderWatcher(QObject):
    """Scans the enabled watched folders every ``interval_ms`` while not paused.

    Signals:
        statusMessage(str, int): text for the status bar and how long to show it.
        scanned(): a tick's result was handled (tests wait on it).
        queued(list): the paths just queued for upload.
    """

    statusMessage = Signal(str, int)
    scanned = Signal()
    queued = Signal(list)

    def __init__(
        self,
        pane: UploadPane,
        session: Session,
        pool: WorkerPool,
        settings: QSettings,
        parent: QObject | None = None,
        *,
        interval_ms: int = 1000,
        store_path: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self._pane = pane
        self._session = session
        self._pool = pool
        self._settings = settings
        #: The core's state; touched only by the tick running on a worker.
        self._watcher = Watcher(store_path or default_state_path())
        self.folders: tuple[WatchedFolder, ...] = ()
        self._busy = False
        self._closing = False
        self._rebaseline = False
        self._give_back: list[FileState] = []
        self._waiting_told: dict[Path, int] = {}
        self.ticks = 0
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)
        self.pause_action = QAction(self.tr("Pause watching"), self)
        self.pause_action.setCheckable(True)
        self.pause_action.setToolTip(
            self.tr(
                "Stop uploading new files from the watched folders (Preferences → Watched "
                "folders). Files added while paused are not uploaded."
            )
        )
        self.pause_action.setChecked(bool(settings.value(PAUSED_KEY, False, type=bool)))
        self.pause_action.toggled.connect(self._on_pause_toggled)
        self.reload()

    # -- state -------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self.pause_action.isChecked()

    @property
    def busy(self) -> bool:
        """A scan runs on a worker."""
        return self._busy

    @Slot()
    def reload(self) -> None:
        """Read the folders from the settings again (the preferences changed them)."""
        self.folders = load_folders(self._settings)
        self._update_timer()
        # One tick now, even with no folder enabled: a folder disabled or removed is
        # forgotten at once, so enabling it again starts from what it holds then.
        if not self.paused and not self._closing:
            QTimer.singleShot(0, self.tick)

    def _update_timer(self) -> None:
        wanted = not self.paused and not self._closing and any(f.enabled for f in self.folders)
        if wanted and not self.timer.isActive():
            self.timer.start()
        elif not wanted:
            self.timer.stop()

    @Slot(bool)
    def _on_pause_toggled(self, paused: bool) -> None:
        self._settings.setValue(PAUSED_KEY, paused)
        if paused:
            text = self.tr("Watching paused: files added to watched folders are not uploaded.")
        else:
            # What arrived during the pause stays where it is (the user paused for it).
            self._rebaseline = True
            text = self.tr("Watching resumed.")
        self._update_timer()
        self.statusMessage.emit(text, 8000)
        if not paused:
            QTimer.singleShot(0, self.tick)

    def stop(self) -> None:
        """No more ticks (the window is closing); a tick under way is dropped."""
        self._closing = True
        self.timer.stop()

    def prepare_page(self, page: WatchedFoldersPage) -> None:
        """Offer the profiles and the current profile's buckets in the preferences page,
        and watch what it saves."""
        profiles = [p.name for p in self._session.available_profiles()]
        combo = self._pane.bucket_combo
        # The bucket the upload pane shows comes first: a new folder's default.
        current = combo.currentText()
        others = [combo.itemText(i) for i in range(combo.count())]
        buckets = ([current] if current else []) + [b for b in others if b != current]
        page.set_choices(profiles, self.connected_profile() or "", buckets)
        page.changed.connect(self.reload)

    def add_to_menu(self, menu: QMenu) -> None:
        menu.addSeparator()
        menu.addAction(self.pause_action)

    def add_to_tray(self, tray: QSystemTrayIcon, window: QWidget) -> None:
        """Pause and resume from the tray icon's menu too."""
        menu = QMenu(window)
        menu.addAction(self.pause_action)
        tray.setContextMenu(menu)

    def connected_profile(self) -> str | None:
        """The name watched folders give for the current connection (None: not connected)."""
        connection = self._session.connection
        if connection is None:
            return None
        return connection.profile.name if connection.profile is not None else connection.label

    # -- ticks -------------------------------------------------------------------------
    @Slot()
    def tick(self) -> None:
        """Start one scan on a worker unless one runs, watching is paused or closing."""
        if self._busy or self.paused or self._closing:
            return
        self._busy = True
        give_back, self._give_back = self._give_back, []
        rebaseline, self._rebaseline = self._rebaseline, False
        self._pool.call(
            functools.partial(
                self._watcher.tick,
                self.folders,
                time.monotonic(),
                self.connected_profile(),
                give_back=give_back,
                rebaseline=rebaseline,
            ),
            self._on_tick,
            self._on_tick_failed,
            name="watch-folders",
        )

    def _on_tick(self, result: WatchTick) -> None:
        self._busy = False
        self.ticks += 1
        if self._closing:
            return
        for text in result.problems:
            self.statusMessage.emit(text, 0)
        for folder in result.recovered:
            self.statusMessage.emit(
                self.tr("The watched folder %s is back: watching it again.") % folder, 8000
            )
        self._tell_waiting(result)
        if result.ready:
            self._queue(list(result.ready))
        self.scanned.emit()

    def _on_tick_failed(self, err: AppError) -> None:
        self._busy = False
        self.statusMessage.emit(error_text(err), 0)
        self.scanned.emit()

    def _tell_waiting(self, result: WatchTick) -> None:
        """Once per folder and count: new files wait for their profile."""
        told = {w.folder.path: w.count for w in result.waiting}
        for waiting in result.waiting:
            if self._waiting_told.get(waiting.folder.path) == waiting.count:
                continue
            # No count in the sentence: a plural would need the translation catalogue.
            text = self.tr(
                "New files in the watched folder %1 wait for the profile “%2”: they upload "
                "once it is connected."
            )
            text = text.replace("%1", str(waiting.folder.path))
            self.statusMessage.emit(text.replace("%2", waiting.folder.profile), 0)
        self._waiting_told = told

    def _queue(self, files: list[NewFile]) -> None:
        """Queue the new files with their folder's bucket and key, and upload them."""
        profile = self.connected_profile()
        wrong = [n for n in files if n.folder.profile != profile]
        if wrong:  # the connection changed while the tick ran: offered again later
            self._give_back.extend(n.file for n in wrong)
            files = [n for n in files if n.folder.profile == profile]
        if not files:
            return
        pane = self._pane
        queue = pane.queue
        sources = [
            UploadSource(path=n.file.path, key=n.file.path.name, size=n.file.size) for n in files
        ]
        rows = queue.add_sources(sources)
        for row, new in zip(rows, files, strict=True):
            item = queue.item(row)
            item.fixed_bucket = new.folder.bucket
            item.fixed_key = pane.transfer.key_for(new.folder.prefix, item)
            if new.folder.images is ImageChoice.AS_IS:
                item.image_options = AS_IS_OPTIONS
            queue.set_destination(row, item.fixed_bucket, item.fixed_key)
        pane.update_state()
        names = ", ".join(n.file.path.name for n in files[:3]) + ("…" if len(files) > 3 else "")
        self.queued.emit([n.file.path for n in files])
        pane.start_uploads()  # a batch under way picks them up when it ends
        if pane.uploading:  # said after the pane's own line, which names its prefix
            self.statusMessage.emit(self.tr("Watched folders: uploading %s") % names, 8000)
