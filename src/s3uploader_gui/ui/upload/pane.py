"""The upload pane: destination, drop area and queue, Upload/Cancel, total progress.

The pane places and wires its parts (queue view, transfer controls, image options,
preview, progress) and runs one batch at a time; each part lives in its own module.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.formatting import format_bytes
from s3uploader_gui.core.imaging.options import ImageOptions
from s3uploader_gui.core.imaging.prepare import ImagePreparer
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.operations import uploads as upload_ops
from s3uploader_gui.core.operations.uploads import ExpandedPaths
from s3uploader_gui.core.transfers.model import ConflictPolicy, ItemStatus
from s3uploader_gui.ui.session import Connection, Session
from s3uploader_gui.ui.upload.after_upload import AfterUploadLinks
from s3uploader_gui.ui.upload.batch_progress import BatchProgress
from s3uploader_gui.ui.upload.controls import TransferControls
from s3uploader_gui.ui.upload.destination_bar import DestinationBar
from s3uploader_gui.ui.upload.drop_area import DropArea
from s3uploader_gui.ui.upload.history_recording import record_history
from s3uploader_gui.ui.upload.image_options import UploadOptionsPanel
from s3uploader_gui.ui.upload.item_events import ItemEventQueue
from s3uploader_gui.ui.upload.item_options import ItemImageOptions
from s3uploader_gui.ui.upload.local_thumbnails import LocalThumbnailLoader, QueueThumbnails
from s3uploader_gui.ui.upload.preview_panel import PreviewPanel
from s3uploader_gui.ui.upload.queue_model import UploadQueueModel
from s3uploader_gui.ui.upload.queue_view import QueueView
from s3uploader_gui.ui.upload.worker import UploadWorker
from s3uploader_gui.ui.workers import WorkerPool


def _plan(
    files: list[tuple[Path, str, int, str]],
    key: Callable[[Path, str, str], str],
    preparer: Callable[[list[UploadSource]], ImagePreparer | None],
    policy: ConflictPolicy,
    taken: dict[str, Path],
) -> tuple[upload_ops.UploadPlan, ImagePreparer | None]:
    """A batch's plan from its rows' (path, relative key, size, fixed key): each row's key,
    the image preparer, and the core's decision of which row goes to which key (unique
    in the batch, and apart from other files this queue already stored in the bucket)."""
    candidates = [
        UploadSource(path=path, key=key(path, relative, fixed), size=size)
        for path, relative, size, fixed in files
    ]
    prepare = preparer(candidates)
    plan = upload_ops.plan_uploads(candidates, policy=policy, convert=prepare, taken=taken)
    return plan, prepare


class UploadPane(QWidget):
    """Queue files, upload them to the chosen bucket and folder, show progress.

    Signals:
        uploadsFinished(int, int): a batch ended with (succeeded, failed) items.
        uploadedTo(str, str): (bucket, prefix) that received new objects.
        statusMessage(str, int): text for the status bar and how long to show it (0: until
            replaced).
        stateChanged(): uploading started or stopped, or the queue changed.
    """

    uploadsFinished = Signal(int, int)
    uploadedTo = Signal(str, str)
    statusMessage = Signal(str, int)
    stateChanged = Signal()

    def __init__(
        self, session: Session, pool: WorkerPool, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.pool = pool
        self.settings = settings
        self.queue = UploadQueueModel(self)
        # Image previews: thumbnails made on a thread pool, shown as the rows' decoration.
        self.thumb_loader = LocalThumbnailLoader(parent=self)
        self.queue_thumbnails = QueueThumbnails(self.queue, self.thumb_loader, self)
        self.queue.decoration_provider = self.queue_thumbnails.decoration
        self.upload_worker: UploadWorker | None = None
        #: Pause/resume, cancel selected, retry, settings, conflicts, resume offer.
        self.transfer = TransferControls(self, self.queue, settings, pool, self)
        self.item_events = ItemEventQueue(
            self.queue, self.transfer.apply_item_state, self.update_state, self
        )
        #: Copies the links of a finished batch when the Preferences ask for it.
        self.after_upload = AfterUploadLinks(settings, pool, self)
        self.after_upload.statusMessage.connect(self.statusMessage)
        self._upload_dest = ("", "")
        self._batch_started = 0.0
        self._closing = False
        self._build()
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(250)
        self._progress_timer.timeout.connect(self._on_progress_tick)
        self.queue.rowsInserted.connect(self._on_queue_rows_changed)
        self.queue.rowsRemoved.connect(self._on_queue_rows_changed)
        self.update_state()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.addWidget(QLabel(self.tr("<b>Upload</b>"), self))
        self.destination_bar = DestinationBar(self)
        #: Reached by the window and the tests as the pane's own.
        self.bucket_combo = self.destination_bar.bucket_combo
        self.prefix_edit = self.destination_bar.prefix_edit
        layout.addWidget(self.destination_bar)

        self.queue_view = QueueView(self.queue, self)
        self.queue_view.customContextMenuRequested.connect(self._on_queue_context_menu)
        self.drop_area = DropArea(self.queue_view, self)
        self.drop_area.pathsDropped.connect(self.add_paths)
        self.drop_area.addFilesRequested.connect(self.choose_files)
        layout.addWidget(self.drop_area, 1)

        images = QHBoxLayout()
        self.preview = PreviewPanel(self.thumb_loader, self)
        self.image_options = UploadOptionsPanel(self.settings, self)
        self.item_images = ItemImageOptions(
            self.queue, self.queue_view, self.image_options, self.preview, self
        )
        images.addWidget(self.preview, 1)
        images.addWidget(self.image_options, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(images)

        bottom = QHBoxLayout()
        self.autostart_box = QCheckBox(self.tr("Start uploading when files are added"), self)
        self.autostart_box.setChecked(bool(self.settings.value("autostart", True, type=bool)))
        self.autostart_box.toggled.connect(self._on_autostart_toggled)
        bottom.addWidget(self.autostart_box)
        bottom.addStretch(1)
        layout.addLayout(bottom)
        bottom = QHBoxLayout()
        self.transfer.add_buttons(bottom)
        bottom.addStretch(1)
        # Upload and Cancel have one home, here by the queue they act on: the window
        # binds them to its actions (use_actions), which carry the shortcuts and the
        # enabled state, and the menu entries.
        self.upload_button = self._footer_button()
        self.cancel_button = self._footer_button()
        bottom.addWidget(self.upload_button)
        bottom.addWidget(self.cancel_button)
        layout.addLayout(bottom)

        self.progress = BatchProgress(self)
        #: The bar and its text, reached by the window (title, tests) as the pane's own.
        self.total_progress, self.progress_label = self.progress.bar, self.progress.label
        layout.addWidget(self.progress)

    def _footer_button(self) -> QToolButton:
        button = QToolButton(self)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setEnabled(False)  # until use_actions binds it
        return button

    def use_actions(self, upload: QAction, cancel: QAction) -> None:
        """Show ``upload`` and ``cancel`` (the window's actions) as the footer's buttons."""
        self.upload_button.setDefaultAction(upload)
        self.cancel_button.setDefaultAction(cancel)

    # -- state -------------------------------------------------------------------------
    @property
    def uploading(self) -> bool:
        return self.upload_worker is not None

    @property
    def connection(self) -> Connection | None:
        """The session's current connection (None: not connected)."""
        return self.session.connection

    def can_upload(self) -> bool:
        queued = self.queue.has_status(ItemStatus.QUEUED, ItemStatus.FAILED)
        return self.session.connection is not None and queued and not self.uploading

    def update_state(self) -> None:
        self.transfer.update_state()
        self.stateChanged.emit()

    def _status(self, text: str, timeout_ms: int = 8000) -> None:
        self.statusMessage.emit(text, timeout_ms)

    @Slot(bool)
    def _on_autostart_toggled(self, on: bool) -> None:
        self.settings.setValue("autostart", on)

    # -- destination -------------------------------------------------------------------
    def destination(self) -> tuple[str, str]:
        """(bucket, prefix) chosen in the destination bar."""
        return self.destination_bar.destination()

    def set_destination(self, bucket: str, prefix: str) -> None:
        """Point uploads at ``bucket``/``prefix`` (ignored while a batch runs)."""
        if self.uploading:
            return
        self.destination_bar.set_destination(bucket, prefix)

    def set_buckets(self, names: list[str], preferred: str = "") -> None:
        """Offer ``names``; keep the current choice, else ``preferred``, else the first."""
        self.destination_bar.set_buckets(names, preferred)
        self.update_state()

    def on_connected(self, default_bucket: str, default_prefix: str) -> None:
        """A new connection is ready: reset the destination, start what waits."""
        self.destination_bar.reset(default_bucket, default_prefix)
        self.update_state()
        if self.session.connection is not None:
            self.transfer.offer_resume(self.session.connection)
        if self.autostart_box.isChecked() and self.queue.rows_with_status(ItemStatus.QUEUED):
            self.start_uploads()

    # -- adding files ------------------------------------------------------------------
    def _last_dir(self) -> str:
        return str(self.settings.value("lastDir", str(Path.home())))

    @Slot()
    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Add files to upload"), self._last_dir()
        )
        if files:
            self.settings.setValue("lastDir", str(Path(files[0]).parent))
            self.add_paths([Path(f) for f in files])

    @Slot()
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Add a folder to upload"), self._last_dir()
        )
        if folder:
            self.settings.setValue("lastDir", str(Path(folder).parent))
            self.add_paths([Path(folder)])

    @Slot(list)
    def add_paths(self, paths: list[Path]) -> None:
        """Queue files and folders (folders are walked in a worker)."""
        self._status(self.tr("Adding %n item(s)…", "", len(paths)))
        self.pool.call(
            functools.partial(upload_ops.expand_paths, list(paths)), self._on_planned, name="plan"
        )

    def _on_planned(self, planned: ExpandedPaths) -> None:
        sources, problems = list(planned.candidates), planned.problems
        self.queue.add_sources(sources)
        for path, err in problems:
            self.queue.add_failed(path, err.message)
        total = sum(s.size for s in sources)
        text = self.tr("Added %n file(s)", "", len(sources)) + f" ({format_bytes(total)})"
        if problems:
            text += " — " + self.tr("%n could not be added", "", len(problems))
        self._status(text)
        self.update_state()
        self._update_progress_label()
        if sources and self.autostart_box.isChecked() and self.session.connection is not None:
            self.start_uploads()

    @Slot()
    def _on_queue_rows_changed(self) -> None:
        self.drop_area.show_content(self.queue.rowCount() > 0)

    @Slot()
    def clear_finished(self) -> None:
        self.queue.clear_finished()
        self.update_state()
        self._update_progress_label()

    # -- uploading ---------------------------------------------------------------------
    @Slot()
    def retry_and_upload(self) -> None:
        """Upload the queued rows and try the failed ones again."""
        self.start_uploads(retry_failed=True)

    def start_uploads(self, *, retry_failed: bool = False) -> None:
        """Upload the queued rows (and the failed ones, on request) to the destination."""
        if self.uploading:
            return  # the running batch picks up new rows when it ends
        connection = self.session.connection
        if connection is None:
            self._status(self.tr("Not connected yet: the files stay queued."))
            return
        bucket, prefix = self.destination()
        if not bucket:
            self._status(self.tr("Choose a destination bucket first."), 0)
            return
        statuses = (ItemStatus.QUEUED, ItemStatus.FAILED) if retry_failed else (ItemStatus.QUEUED,)
        rows = self.queue.rows_with_status(*statuses)
        if not rows:
            return
        # A batch goes to one bucket: resumed uploads keep theirs, and rows for another
        # bucket wait for the next batch (started when this one ends).
        chosen = bucket
        bucket = self.transfer.bucket_for(chosen, self.queue.item(rows[0]))
        batch: list[int] = []
        later: list[int] = []
        for row in rows:
            same = self.transfer.bucket_for(chosen, self.queue.item(row)) == bucket
            (batch if same else later).append(row)
        rows = batch
        with self.queue.batched():
            for row in later:
                self.queue.set_status(row, ItemStatus.QUEUED)  # a retried one waits its turn
            for row in rows:
                self.queue.set_status(row, ItemStatus.QUEUED)
                self.queue.set_destination(row, bucket, self.queue.item(row).key)
        # The keys and the plan are made on the worker's thread, from what the rows and
        # settings say now: for a batch of hundreds of files they held the window up
        # when Upload was clicked. The rows get their keys from the worker's first events.
        planner = functools.partial(
            _plan,
            [(i.path, i.relative, i.size, i.fixed_key) for i in map(self.queue.item, rows)],
            self.transfer.key_maker(prefix),
            self.item_images.preparer_maker(rows),
            self.transfer.prefs.conflict,
            self._stored_keys(bucket, {self.queue.item(r).path for r in rows}),
        )
        self.transfer.configure(connection.engine)
        # Per-file events go straight into the item event queue from the worker's thread
        # and are applied on its beat (item_events), not one queued signal each.
        worker = UploadWorker(
            connection.engine, bucket, planner, rows, events=self.item_events.post
        )
        self.transfer.attach(worker)
        worker.batchFailed.connect(self._on_batch_failed)
        worker.notice.connect(self._on_batch_notice)
        worker.finished.connect(self._on_batch_finished)
        self.upload_worker = worker
        self._upload_dest = (bucket, prefix)
        self._batch_started = time.monotonic()
        self.pool.start(worker)
        self._progress_timer.start()
        self.item_events.follow()
        self.update_state()
        self._status(self.tr("Uploading %n file(s) to ", "", len(rows)) + f"s3://{bucket}/{prefix}")

    # -- image options of the queue's rows (item_options) -------------------------------
    def _stored_keys(self, bucket: str, batch_paths: set[Path]) -> dict[str, Path]:
        """Keys that other files of this queue were uploaded to in ``bucket``."""
        stored: dict[str, Path] = {}
        for row in self.queue.rows_with_status(ItemStatus.DONE):
            item = self.queue.item(row)
            if item.bucket == bucket and item.key and item.path not in batch_paths:
                stored[item.key] = item.path
        return stored

    def image_preparer(self, sources: list[UploadSource], rows: list[int]) -> ImagePreparer | None:
        """The engine's prepare step for these rows, or None when no image changes."""
        return self.item_images.preparer(sources, rows)

    def item_options(self, row: int) -> tuple[ImageOptions, bool]:
        """The image options row ``row`` uploads with, and whether they are its own."""
        return self.item_images.options_for(row)

    def set_item_options(self, rows: list[int], options: ImageOptions | None) -> None:
        """Give ``rows`` their own image options (None: back to the panel's)."""
        self.item_images.set_options(rows, options)

    def selected_rows(self) -> list[int]:
        """The queue rows selected in the view."""
        return self.queue_view.selected_rows()

    @Slot(QPoint)
    def _on_queue_context_menu(self, pos: QPoint) -> None:
        selected = self.selected_rows()
        menu = QMenu(self)
        if selected:
            self.transfer.add_menu_actions(menu, selected)
        rows = self.item_images.image_rows(selected)
        if not rows:
            if selected:
                menu.popup(self.queue_view.viewport().mapToGlobal(pos))
            return
        menu.addSeparator()
        menu.addAction(
            self.tr("Image options for %n item(s)…", "", len(rows)), self.item_images.edit_selected
        )
        reset = menu.addAction(
            self.tr("Use the panel's image options"), self.item_images.reset_selected
        )
        reset.setEnabled(any(self.item_options(r)[1] for r in rows))
        menu.popup(self.queue_view.viewport().mapToGlobal(pos))

    @Slot()
    def cancel_uploads(self) -> None:
        if self.upload_worker is not None:
            self.upload_worker.cancel()
            self._status(self.tr("Cancelling…"))

    # -- the worker's item events (applied in slices: item_events) -----------------------
    def queue_item_event(self, kind: str, row: int, status: str = "", text: str = "") -> None:
        """Queue a change of a row's state, applied at the item events' next beat."""
        self.item_events.push(kind, row, status, text)

    @Slot(str)
    def _on_batch_failed(self, text: str) -> None:
        self._status(text, 0)

    @Slot(str)
    def _on_batch_notice(self, text: str) -> None:
        """What the batch as a whole must tell (resuming is off): kept in view."""
        self._status(text, 0)

    @Slot()
    def _on_batch_finished(self) -> None:
        self.item_events.flush()  # every item's last state before the batch's summary
        worker, self.upload_worker = self.upload_worker, None
        self._progress_timer.stop()
        if worker is None:
            return
        self._sample(worker)
        results = worker.results
        if self.session.connection is not None:  # what was stored goes to the history
            record_history(
                self.pool,
                self.session.connection,
                worker.bucket,
                results,
                thumbnails=self.thumb_loader.cache,
            )
        ok = sum(1 for r in results if r.status == ItemStatus.DONE)
        failed = sum(1 for r in results if r.status == ItemStatus.FAILED)
        cancelled = sum(1 for r in results if r.status == ItemStatus.CANCELLED)
        elapsed = time.monotonic() - self._batch_started
        size = sum(r.bytes for r in results)
        parts = [
            self.tr("Uploaded %n file(s)", "", ok) + f" ({format_bytes(size)}, {elapsed:.1f} s)"
        ]
        if failed:
            parts.append(self.tr("%n failed", "", failed))
        if cancelled:
            parts.append(self.tr("%n cancelled", "", cancelled))
        parts.extend(worker.notices)  # e.g. the journal failed: it stays in view
        self._status(" — ".join(parts), 0)
        self._update_progress_label()
        self.update_state()
        if ok:
            self.uploadedTo.emit(*self._upload_dest)
            self.after_upload.batch_done(self.session.connection, worker.bucket, results)
        self.uploadsFinished.emit(ok, failed)
        more = self.queue.rows_with_status(ItemStatus.QUEUED)
        resumed = self.transfer.batch_finished() or any(
            self.queue.item(r).fixed_bucket for r in more
        )
        autostart = self.autostart_box.isChecked() and not cancelled
        if more and (autostart or resumed) and not self._closing:
            self.start_uploads()

    @Slot()
    def _on_progress_tick(self) -> None:
        if self.upload_worker is not None:
            self._sample(self.upload_worker)

    def _sample(self, worker: UploadWorker) -> None:
        snap = worker.progress.snapshot(changed_only=True)
        with self.queue.batched():
            for index, done in snap.item_bytes.items():
                self.queue.set_progress(worker.rows[index], done)
            self.transfer.sample(snap, worker.rows)
        self.progress.show_snapshot(snap)

    def _update_progress_label(self) -> None:
        self.progress.show_counts(self.queue.counts() if self.queue.rowCount() else None)

    def shutdown(self) -> None:
        """Stop sampling; the pool cancels the running batch."""
        self._closing = True
        self._progress_timer.stop()
        self.thumb_loader.shutdown()
