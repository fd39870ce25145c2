"""Queue controls of the upload pane: pause/resume, cancel selected, retry failed, clear
finished, transfer settings, the "ask" conflict dialog and the resume offer at start.

Kept apart from the pane so the pane only wires it in: ``TransferControls`` owns its
buttons and slots and works on the queue model and the running ``UploadWorker``. What it
needs from the pane is ``UploadHost``, not the pane itself: the pane imports the controls,
never the other way round.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QSettings, Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QStyle,
    QToolButton,
    QWidget,
)

from s3uploader_gui.core.formatting import format_bytes, format_duration
from s3uploader_gui.core.naming import UploadSource, render_key
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import Conflict, ConflictPolicy, ItemStatus
from s3uploader_gui.core.transfers.progress import ProgressSnapshot
from s3uploader_gui.ui.upload.queue_model import QueueItem, UploadQueueModel
from s3uploader_gui.ui.upload.transfer_settings import TransferPrefs, TransferSettingsDialog
from s3uploader_gui.ui.upload.worker import UploadWorker
from s3uploader_gui.ui.workers import WorkerPool

if TYPE_CHECKING:
    from s3uploader_gui.core.transfers.journal import JournalItem
    from s3uploader_gui.ui.session import Connection


class UploadHost(Protocol):
    """What the transfer controls need from the upload pane."""

    @property
    def upload_worker(self) -> UploadWorker | None:
        """The running batch's worker (None: no batch runs)."""

    @property
    def uploading(self) -> bool: ...

    @property
    def connection(self) -> Connection | None:
        """The session's current connection (None: not connected)."""

    def selected_rows(self) -> list[int]: ...

    def update_state(self) -> None:
        """Recount the queue and enable the buttons that apply."""

    def start_uploads(self, *, retry_failed: bool = False) -> None: ...

    def cancel_uploads(self) -> None: ...

    def clear_finished(self) -> None: ...

    def destination(self) -> tuple[str, str]: ...

    def set_destination(self, bucket: str, prefix: str) -> None: ...


class TransferControls(QObject):
    """The pane's transfer actions. Buttons live in the pane's bottom row.

    ``parent`` is the widget the buttons and dialogs belong to (the pane).
    """

    def __init__(
        self,
        host: UploadHost,
        queue: UploadQueueModel,
        settings: QSettings,
        pool: WorkerPool,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.queue = queue
        self.settings = settings
        self.pool = pool
        self._widget = parent
        self.prefs = TransferPrefs.load(settings)
        self._index_of_row: dict[int, int] = {}
        self._resume_offered: set[str] = set()
        self._restart_after_batch = False
        self._offer: QMessageBox | None = None
        self._offered_items: list[JournalItem] = []

    # -- widgets -------------------------------------------------------------------------
    def add_buttons(self, row: QHBoxLayout) -> None:
        pane, sp = self._widget, QStyle.StandardPixmap
        style = pane.style()

        def button(icon: QStyle.StandardPixmap, text: str, tip: str) -> QToolButton:
            # Icon-only, so the pane (and the window) stays usable on a narrow screen;
            # the name is in the tooltip and for screen readers.
            b = QToolButton(pane)
            b.setIcon(style.standardIcon(icon))
            b.setText(text)
            b.setToolTip(f"<b>{text}</b><br>{tip}")
            b.setAccessibleName(text)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            row.addWidget(b)
            return b

        self.pause_button = button(
            sp.SP_MediaPause,
            self.tr("Pause"),
            self.tr("Pause the selected uploads (all when none is selected)"),
        )
        self.resume_button = button(
            sp.SP_MediaPlay, self.tr("Resume"), self.tr("Resume paused uploads")
        )
        self.cancel_selected_button = button(
            sp.SP_DialogCancelButton,
            self.tr("Cancel selected"),
            self.tr("Cancel the selected uploads"),
        )
        self.retry_button = button(
            sp.SP_BrowserReload, self.tr("Retry failed"), self.tr("Upload the failed files again")
        )
        self.clear_button = button(
            sp.SP_DialogResetButton,
            self.tr("Clear finished"),
            self.tr("Remove uploaded, skipped and cancelled files from the list"),
        )
        self.settings_button = button(
            sp.SP_FileDialogDetailedView,
            self.tr("Settings…"),
            self.tr("Parallel transfers, bandwidth, conflicts, object settings, key names"),
        )
        self.pause_button.clicked.connect(self.pause_selected)
        self.resume_button.clicked.connect(self.resume)
        self.cancel_selected_button.clicked.connect(self.cancel_selected)
        self.retry_button.clicked.connect(self.retry_failed)
        self.clear_button.clicked.connect(self.host.clear_finished)
        self.settings_button.clicked.connect(self.edit_settings)

    def add_menu_actions(self, menu: QMenu, rows: list[int]) -> None:
        """The queue's context menu entries for ``rows``."""
        q = self.queue
        statuses = {q.item(r).status for r in rows}
        busy = {ItemStatus.QUEUED, ItemStatus.PREPARING, ItemStatus.UPLOADING}
        act = menu.addAction(self.tr("Pause"), self.pause_selected)
        act.setEnabled(bool(statuses & busy))
        act = menu.addAction(self.tr("Resume"), self.resume)
        act.setEnabled(ItemStatus.PAUSED in statuses)
        act = menu.addAction(self.tr("Cancel"), self.cancel_selected)
        act.setEnabled(bool(statuses & (busy | {ItemStatus.PAUSED})))
        act = menu.addAction(self.tr("Retry"), self.retry_failed)
        act.setEnabled(ItemStatus.FAILED in statuses)
        menu.addSeparator()
        menu.addAction(self.tr("Clear finished"), self.host.clear_finished)
        menu.addAction(self.tr("Transfer settings…"), self.edit_settings)

    def update_state(self) -> None:
        if not hasattr(self, "pause_button"):
            return
        counts = self.queue.counts()
        running = self.host.uploading
        active = counts[ItemStatus.QUEUED] + counts[ItemStatus.UPLOADING]
        active += counts[ItemStatus.PREPARING]
        self.pause_button.setEnabled(bool(active))
        self.resume_button.setEnabled(bool(counts[ItemStatus.PAUSED]))
        self.cancel_selected_button.setEnabled(bool(active + counts[ItemStatus.PAUSED]))
        self.retry_button.setEnabled(bool(counts[ItemStatus.FAILED]) and not running)
        finished = counts[ItemStatus.DONE] + counts[ItemStatus.SKIPPED]
        finished += counts[ItemStatus.CANCELLED]
        self.clear_button.setEnabled(bool(finished) and not running)

    # -- batches -------------------------------------------------------------------------
    @staticmethod
    def bucket_for(bucket: str, item: QueueItem) -> str:
        """The bucket ``item`` uploads to: its fixed bucket, else the pane's ``bucket``."""
        return item.fixed_bucket or bucket

    def key_for(self, prefix: str, item: QueueItem) -> str:
        """The key ``item`` uploads to: its fixed key, else the key template's."""
        return self.key_maker(prefix)(item.path, item.relative, item.fixed_key)

    def key_maker(self, prefix: str) -> Callable[[Path, str, str], str]:
        """``key_for`` as a function of (path, relative key, fixed key) that reads no
        setting when called: safe on a worker thread while the settings change."""
        template = self.prefs.key_template
        # A stat per queued file only when the template shows the time the file was
        # modified: thousands of them take long on a slow disk.
        wants_mtime = "mtime" in template

        def key(path: Path, relative: str, fixed_key: str) -> str:
            if fixed_key:
                return fixed_key
            mtime: float | None = None
            if wants_mtime:
                try:
                    mtime = path.stat().st_mtime
                except OSError:
                    mtime = None
            return render_key(template, prefix, relative, mtime=mtime)

        return key

    def configure(self, engine: TransferEngine) -> None:
        """Apply the settings to the connection's engine before a batch."""
        engine.configure(self.prefs.engine_settings(engine.settings))

    def attach(self, worker: UploadWorker) -> None:
        """Follow a new batch."""
        self._index_of_row = {row: i for i, row in enumerate(worker.rows)}
        worker.conflictAsked.connect(self._on_conflict_asked)

    def sample(self, snap: ProgressSnapshot, rows: list[int]) -> None:
        """Per-file speed and time left, from a progress snapshot."""
        q = self.queue
        for index, speed in snap.item_speed.items():
            row = rows[index]
            item = q.item(row)
            if item.status != ItemStatus.UPLOADING or item.detail == self.tr("retrying…"):
                continue
            eta = snap.item_eta(index)
            if speed > 0 and eta is not None and eta > 0:
                q.set_detail(row, f"{format_bytes(speed)}/s · {format_duration(eta)}")

    def batch_finished(self) -> bool:
        """The batch ended; True when resumed rows want a new batch at once."""
        self._index_of_row = {}
        again, self._restart_after_batch = self._restart_after_batch, False
        return again

    # -- actions -------------------------------------------------------------------------
    def _targets(self) -> list[int]:
        rows = self.host.selected_rows()
        return rows or list(range(self.queue.rowCount()))

    @Slot()
    def pause_selected(self) -> None:
        q, worker = self.queue, self.host.upload_worker
        selected = self.host.selected_rows()
        for row in self._targets():
            item = q.item(row)
            if item.status not in (ItemStatus.QUEUED, ItemStatus.PREPARING, ItemStatus.UPLOADING):
                continue
            index = self._index_of_row.get(row)
            if worker is not None and index is not None:
                if not selected:
                    worker.control.pause()
                else:
                    worker.control.pause(index)
                q.set_detail(row, self.tr("pausing…"))
            else:
                q.set_status(row, ItemStatus.PAUSED)
        self.host.update_state()

    @Slot()
    def resume(self) -> None:
        q = self.queue
        resumed = 0
        for row in self._targets():
            if q.item(row).status == ItemStatus.PAUSED:
                q.set_status(row, ItemStatus.QUEUED)
                resumed += 1
        if not resumed:
            return
        if self.host.uploading:
            self._restart_after_batch = True
        else:
            self.host.start_uploads()
        self.host.update_state()

    @Slot()
    def cancel_selected(self) -> None:
        q, worker = self.queue, self.host.upload_worker
        rows = self.host.selected_rows()
        if not rows:
            self.host.cancel_uploads()
            for row in q.rows_with_status(ItemStatus.PAUSED):
                q.set_status(row, ItemStatus.CANCELLED)
            self.host.update_state()
            return
        for row in rows:
            item = q.item(row)
            index = self._index_of_row.get(row)
            if worker is not None and index is not None and not item.status.finished:
                worker.control.cancel(index)
                q.set_detail(row, self.tr("cancelling…"))
            elif item.status in (ItemStatus.QUEUED, ItemStatus.PAUSED):
                q.set_status(row, ItemStatus.CANCELLED)
        self.host.update_state()

    @Slot()
    def retry_failed(self) -> None:
        if self.host.uploading:
            return
        self.host.start_uploads(retry_failed=True)

    @Slot()
    def edit_settings(self) -> None:
        dialog = TransferSettingsDialog(self.prefs, self._widget)
        if dialog.exec():
            self.prefs = dialog.prefs()
            self.prefs.save(self.settings)

    # -- worker signals -------------------------------------------------------------------
    def apply_item_state(self, row: int, state: ItemStatus, detail: str) -> None:
        """A row's state (and "retrying…") as the engine reported it."""
        q = self.queue
        if q.item(row).status != state:
            q.set_status(row, state)
        text = self.tr("retrying…") if detail == "retrying…" else detail
        q.set_detail(row, text)

    @Slot(object)
    def _on_conflict_asked(self, conflict: Conflict) -> None:
        worker = self.host.upload_worker
        if worker is None:
            return
        box = QMessageBox(self._widget)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("The object exists"))
        box.setText(
            self.tr("“%1” already exists in the bucket (%2). Replace it with %3 (%4)?")
            .replace("%1", conflict.key)
            .replace("%2", format_bytes(conflict.remote_size))
            .replace("%3", conflict.path.name)
            .replace("%4", format_bytes(conflict.local_size))
        )
        overwrite = box.addButton(self.tr("Overwrite"), QMessageBox.ButtonRole.AcceptRole)
        rename = box.addButton(self.tr("Keep both"), QMessageBox.ButtonRole.ActionRole)
        box.addButton(self.tr("Skip"), QMessageBox.ButtonRole.RejectRole)
        apply_all = QCheckBox(self.tr("Do the same for every conflict in this batch"), box)
        box.setCheckBox(apply_all)
        box.exec()
        clicked = box.clickedButton()
        if clicked is overwrite:
            policy = ConflictPolicy.OVERWRITE
        elif clicked is rename:
            policy = ConflictPolicy.RENAME
        else:
            policy = ConflictPolicy.SKIP
        worker.answer_conflict(policy, apply_all.isChecked())

    # -- resuming after a quit or crash --------------------------------------------------------
    def offer_resume(self, connection: Connection) -> None:
        """Offer (once per connection) to resume uploads the journal shows unfinished.

        Only uploads whose program is gone (quit or crashed) are offered: another
        instance still running keeps its own (the core decides, ``Journal.resumable``).
        """
        engine = connection.engine
        name = engine.connection_id
        if name in self._resume_offered:
            return
        self._resume_offered.add(name)
        try:
            items = engine.journal.resumable(name)
        except Exception:  # a broken journal must not stop the app
            return
        items = [i for i in items if i.path.is_file() and not i.options.get("temporary")]
        if not items:
            return
        self._offered_items = items
        total = sum(i.size for i in items)
        buckets = len({i.bucket for i in items})
        box = QMessageBox(self._widget)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Resume uploads?"))
        where = f"{format_bytes(total)}"
        if buckets > 1:
            where += ", " + self.tr("to %n bucket(s)", "", buckets)
        box.setText(
            self.tr("%n upload(s) did not finish last time", "", len(items))
            + f" ({where}). "
            + self.tr("Resume them? Large files continue from the parts already stored.")
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(self._on_resume_answer)
        self._offer = box
        box.open()  # window-modal, does not block the event loop

    @Slot(int)
    def _on_resume_answer(self, result: int) -> None:
        items, self._offered_items = self._offered_items, []
        self._offer = None
        connection = self.host.connection
        if connection is None or not items:
            return
        if result != QMessageBox.StandardButton.Yes:
            self.pool.call(
                functools.partial(connection.engine.discard, items),
                _nothing_to_show,
                name="discard-journal",
            )
            return
        self.resume_journaled(items)

    def resume_journaled(self, items: list[JournalItem]) -> None:
        """Queue journaled uploads with their saved buckets and keys, and start them (one
        batch per bucket, one after the other)."""
        q = self.queue
        items = sorted(items, key=lambda i: i.bucket)  # stable: each bucket's order kept
        if items:
            self.host.set_destination(items[0].bucket, self.host.destination()[1])
        rows = q.add_sources(
            [UploadSource(path=i.path, key=i.key.rsplit("/", 1)[-1], size=i.size) for i in items]
        )
        for row, item in zip(rows, items, strict=True):
            q.item(row).fixed_key = item.key
            q.item(row).fixed_bucket = item.bucket
            q.set_destination(row, item.bucket, item.key)
        self.host.update_state()
        self.host.start_uploads()


def _nothing_to_show(_result: None) -> None:
    """The journal forgot the uploads the user declined: nothing to tell."""
