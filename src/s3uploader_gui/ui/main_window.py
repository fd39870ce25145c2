"""The main window: upload queue with drop area on the left, bucket browser on the right."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QToolBar,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.naming import UploadSource, normalize_prefix, plan_uploads, relative_key
from s3uploader_gui.core.profiles import Profile
from s3uploader_gui.core.progress import format_bytes, format_duration
from s3uploader_gui.core.sharing import presigned_get_url
from s3uploader_gui.core.transfers import ItemStatus
from s3uploader_gui.ui.browser_model import BucketModel, Kind, Role
from s3uploader_gui.ui.drop_area import DropArea
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.queue_model import Column as QueueColumn
from s3uploader_gui.ui.queue_model import ProgressDelegate, UploadQueueModel
from s3uploader_gui.ui.session import Connection, Session
from s3uploader_gui.ui.upload_worker import UploadWorker
from s3uploader_gui.ui.workers import WorkerPool

log = logging.getLogger(__name__)

#: (label, seconds) for "Copy presigned link".
EXPIRY_CHOICES = [("1 hour", 3600), ("1 day", 86400), ("7 days", 7 * 86400)]


def _plan(paths: list[Path]) -> tuple[list[UploadSource], list[tuple[Path, str]]]:
    """Worker body: expand dropped paths (walking folders is disk I/O)."""
    sources, problems = plan_uploads(paths, "")
    return sources, [(p, err.message) for p, err in problems]


class MainWindow(QMainWindow):
    """The application window.

    Signals:
        uploadsFinished(int, int): a batch ended with (succeeded, failed) items.
        linkCopied(str): a presigned link was put on the clipboard.
        statusMessage(str): a message was shown in the status bar (for tests and logs).
    """

    uploadsFinished = Signal(int, int)
    linkCopied = Signal(str)
    statusMessage = Signal(str)

    def __init__(self, session: Session | None = None, pool: WorkerPool | None = None) -> None:
        super().__init__()
        self.pool = pool or WorkerPool(self)
        self.session = session or Session(self.pool, self)
        self.settings = QSettings()
        self.queue = UploadQueueModel(self)
        self.browser = BucketModel(self.pool, self)
        self._upload: UploadWorker | None = None
        self._batch_started = 0.0
        self._planning = 0
        self._closing = False
        self.setWindowTitle(self.tr("S3 Uploader"))
        self.setWindowIcon(_app_icon())
        self.resize(1180, 720)
        self._build_actions()
        self._build_toolbar()
        self._build_central()
        self._build_status_bar()
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(250)
        self._progress_timer.timeout.connect(self._on_progress_tick)
        self.session.connecting.connect(self._on_connecting)
        self.session.connected.connect(self._on_connected)
        self.session.connectionFailed.connect(self._on_connection_failed)
        self.browser.error.connect(self._on_browser_error)
        self.browser.bucketsLoaded.connect(self._on_buckets_loaded)
        self.browser.loadingChanged.connect(self._on_browser_loading)
        self._populate_profiles()
        self._update_actions()

    # -- construction ------------------------------------------------------------------
    def _build_actions(self) -> None:
        style = self.style()
        self.act_add_files = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_FileIcon), self.tr("Add files…"), self
        )
        self.act_add_files.setShortcut(QKeySequence.StandardKey.Open)
        self.act_add_files.setToolTip(self.tr("Choose files to upload (Ctrl+O)"))
        self.act_add_files.triggered.connect(self.choose_files)
        self.act_add_folder = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_DirIcon), self.tr("Add folder…"), self
        )
        self.act_add_folder.setToolTip(self.tr("Choose a folder to upload with its structure"))
        self.act_add_folder.triggered.connect(self.choose_folder)
        self.act_upload = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_ArrowUp), self.tr("Upload"), self
        )
        self.act_upload.setShortcut(QKeySequence("Ctrl+U"))
        self.act_upload.setToolTip(self.tr("Upload the queued files (Ctrl+U)"))
        self.act_upload.triggered.connect(self._on_upload_clicked)
        self.act_cancel = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_BrowserStop), self.tr("Cancel"), self
        )
        self.act_cancel.setShortcut(QKeySequence("Ctrl+."))
        self.act_cancel.setToolTip(self.tr("Stop the uploads in progress"))
        self.act_cancel.triggered.connect(self.cancel_uploads)
        self.act_clear = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_DialogResetButton),
            self.tr("Clear finished"),
            self,
        )
        self.act_clear.setToolTip(self.tr("Remove uploaded and cancelled files from the list"))
        self.act_clear.triggered.connect(self._on_clear_finished)
        self.act_refresh = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload), self.tr("Refresh"), self
        )
        self.act_refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        self.act_refresh.setToolTip(self.tr("Reload the bucket browser (F5)"))
        self.act_refresh.triggered.connect(self.refresh_browser)
        self.act_copy_link = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_FileLinkIcon),
            self.tr("Copy link"),
            self,
        )
        self.act_copy_link.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.act_copy_link.setToolTip(
            self.tr("Copy a presigned link to the selected object (valid 1 hour)")
        )
        self.act_copy_link.triggered.connect(lambda: self.copy_presigned_link(3600))
        self.act_quit = QAction(self.tr("Quit"), self)
        self.act_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.act_quit.triggered.connect(self.close)
        self.addAction(self.act_quit)

    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("Main"), self)
        bar.setObjectName("mainToolBar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(bar)
        bar.addWidget(QLabel(self.tr(" Profile: "), bar))
        self.profile_combo = QComboBox(bar)
        self.profile_combo.setMinimumWidth(220)
        self.profile_combo.setAccessibleName(self.tr("Connection profile"))
        self.profile_combo.setToolTip(self.tr("Where files are uploaded"))
        self.profile_combo.activated.connect(self._on_profile_chosen)
        bar.addWidget(self.profile_combo)
        bar.addSeparator()
        bar.addAction(self.act_add_files)
        bar.addAction(self.act_add_folder)
        bar.addSeparator()
        bar.addAction(self.act_upload)
        bar.addAction(self.act_cancel)
        bar.addAction(self.act_clear)
        bar.addSeparator()
        bar.addAction(self.act_refresh)
        link_menu = QMenu(self)
        for label, seconds in EXPIRY_CHOICES:
            act = link_menu.addAction(self.tr("Valid for %s") % self.tr(label))
            act.triggered.connect(lambda _=False, s=seconds: self.copy_presigned_link(s))
        self.act_copy_link.setMenu(link_menu)
        bar.addAction(self.act_copy_link)
        button = bar.widgetForAction(self.act_copy_link)
        if isinstance(button, QToolButton):
            button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)

    def _build_central(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("mainSplitter")
        splitter.setChildrenCollapsible(False)

        # Left: destination, drop area / queue, progress.
        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 4, 8)
        heading = QLabel(self.tr("<b>Upload</b>"), left)
        left_layout.addWidget(heading)
        dest = QHBoxLayout()
        dest.addWidget(QLabel(self.tr("Bucket:"), left))
        self.bucket_combo = QComboBox(left)
        self.bucket_combo.setEditable(False)
        self.bucket_combo.setMinimumWidth(160)
        self.bucket_combo.setAccessibleName(self.tr("Destination bucket"))
        dest.addWidget(self.bucket_combo, 1)
        dest.addWidget(QLabel(self.tr("Folder:"), left))
        self.prefix_edit = QLineEdit(left)
        self.prefix_edit.setPlaceholderText(self.tr("(bucket root)  e.g. photos/2026/"))
        self.prefix_edit.setAccessibleName(self.tr("Destination folder"))
        self.prefix_edit.setToolTip(self.tr("Key prefix the files are uploaded under"))
        dest.addWidget(self.prefix_edit, 2)
        left_layout.addLayout(dest)

        self.queue_view = QTableView(left)
        self.queue_view.setModel(self.queue)
        self.queue_view.setAccessibleName(self.tr("Upload queue"))
        self.queue_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.queue_view.setAlternatingRowColors(True)
        self.queue_view.setShowGrid(False)
        self.queue_view.verticalHeader().hide()
        self.queue_view.verticalHeader().setDefaultSectionSize(24)
        self.queue_view.setItemDelegateForColumn(QueueColumn.PROGRESS, ProgressDelegate(self))
        header = self.queue_view.horizontalHeader()
        # Fixed widths: ResizeToContents measures every row on every change, which
        # freezes the window once the queue holds hundreds of files.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        metrics = self.queue_view.fontMetrics()
        header.resizeSection(QueueColumn.NAME, 200)
        header.resizeSection(QueueColumn.SIZE, metrics.horizontalAdvance("0000.0 MiB") + 16)
        header.resizeSection(QueueColumn.STATUS, metrics.horizontalAdvance("Downloading") + 16)
        header.resizeSection(QueueColumn.PROGRESS, 110)
        self.queue_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.drop_area = DropArea(self.queue_view, left)
        self.drop_area.pathsDropped.connect(self.add_paths)
        self.drop_area.addFilesRequested.connect(self.choose_files)
        left_layout.addWidget(self.drop_area, 1)
        self.queue.rowsInserted.connect(self._on_queue_rows_changed)
        self.queue.rowsRemoved.connect(self._on_queue_rows_changed)

        bottom = QHBoxLayout()
        self.autostart_box = QCheckBox(self.tr("Start uploading when files are added"), left)
        self.autostart_box.setChecked(self.settings.value("autostart", True, type=bool))
        self.autostart_box.toggled.connect(lambda on: self.settings.setValue("autostart", on))
        bottom.addWidget(self.autostart_box)
        bottom.addStretch(1)
        self.upload_button = QPushButton(self.act_upload.icon(), self.tr("Upload"), left)
        self.upload_button.clicked.connect(self._on_upload_clicked)
        self.cancel_button = QPushButton(self.act_cancel.icon(), self.tr("Cancel"), left)
        self.cancel_button.clicked.connect(self.cancel_uploads)
        bottom.addWidget(self.upload_button)
        bottom.addWidget(self.cancel_button)
        left_layout.addLayout(bottom)
        progress_row = QHBoxLayout()
        self.total_progress = QProgressBar(left)
        self.total_progress.setRange(0, 1000)
        self.total_progress.setValue(0)
        self.total_progress.setTextVisible(False)
        self.total_progress.setAccessibleName(self.tr("Total upload progress"))
        self.progress_label = QLabel(self.tr("Nothing queued"), left)
        progress_row.addWidget(self.total_progress, 3)
        progress_row.addWidget(self.progress_label, 2)
        left_layout.addLayout(progress_row)

        # Right: bucket browser.
        right = QWidget(splitter)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 8, 8, 8)
        head = QHBoxLayout()
        head.addWidget(QLabel(self.tr("<b>Bucket browser</b>"), right))
        head.addStretch(1)
        self.browser_state = QLabel("", right)
        self.browser_state.setEnabled(False)
        head.addWidget(self.browser_state)
        refresh = QToolButton(right)
        refresh.setDefaultAction(self.act_refresh)
        refresh.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        head.addWidget(refresh)
        right_layout.addLayout(head)
        self.browser_view = QTreeView(right)
        self.browser_view.setModel(self.browser)
        self.browser_view.setAccessibleName(self.tr("Bucket browser"))
        self.browser_view.setUniformRowHeights(True)
        self.browser_view.setAlternatingRowColors(True)
        self.browser_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.browser_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.browser_view.customContextMenuRequested.connect(self._on_browser_menu)
        bheader = self.browser_view.header()
        bheader.setStretchLastSection(False)
        bheader.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        bmetrics = self.browser_view.fontMetrics()
        bheader.resizeSection(1, bmetrics.horizontalAdvance("0000.0 MiB") + 16)
        bheader.resizeSection(2, bmetrics.horizontalAdvance("2026-12-31 23:59") + 16)
        self.browser_view.selectionModel().selectionChanged.connect(self._on_browser_selection)
        right_layout.addWidget(self.browser_view, 1)

        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([620, 560])
        self.splitter = splitter
        self.setCentralWidget(splitter)

    def _build_status_bar(self) -> None:
        self.connection_label = QLabel(self.tr("Not connected"), self)
        self.statusBar().addPermanentWidget(self.connection_label)
        self.statusBar().setSizeGripEnabled(True)

    # -- status ------------------------------------------------------------------------
    def show_status(self, text: str, timeout_ms: int = 8000) -> None:
        self.statusBar().showMessage(text, timeout_ms)
        self.statusMessage.emit(text)

    def _update_actions(self) -> None:
        running = self._upload is not None
        queued = bool(self.queue.rows_with_status(ItemStatus.QUEUED, ItemStatus.FAILED))
        connected = self.session.connection is not None
        self.act_upload.setEnabled(connected and queued and not running)
        self.upload_button.setEnabled(self.act_upload.isEnabled())
        self.act_cancel.setEnabled(running)
        self.cancel_button.setEnabled(running)
        self.act_clear.setEnabled(not running and self.queue.rowCount() > 0)
        self.act_refresh.setEnabled(connected)
        self.act_copy_link.setEnabled(connected and bool(self._selected_objects()))

    # -- profiles and connection -------------------------------------------------------
    def _populate_profiles(self) -> None:
        self.profile_combo.clear()
        for profile in self.session.available_profiles():
            self.profile_combo.addItem(profile.name, profile)

    def connect_initial(self) -> None:
        """Connect to the last used profile, or to the local storage."""
        profile = self.session.initial_profile()
        self._select_profile_in_combo(profile.name)
        self.session.connect_profile(profile)

    def _select_profile_in_combo(self, name: str, profile: Profile | None = None) -> None:
        i = self.profile_combo.findText(name)
        if i < 0 and profile is not None:
            self.profile_combo.addItem(name, profile)
            i = self.profile_combo.count() - 1
        if i >= 0:
            self.profile_combo.setCurrentIndex(i)

    @Slot(int)
    def _on_profile_chosen(self, row: int) -> None:
        profile = self.profile_combo.itemData(row)
        if not isinstance(profile, Profile):
            return
        current = self.session.connection
        if current is not None and current.profile.name == profile.name:
            return
        if self._upload is not None:
            self.show_status(self.tr("Finish or cancel the uploads before switching profiles."))
            if current is not None:
                self._select_profile_in_combo(current.profile.name)
            return
        self.session.connect_profile(profile)

    @Slot(str)
    def _on_connecting(self, name: str) -> None:
        self.connection_label.setText(self.tr("Connecting to %s…") % name)
        self.browser.set_context(None)
        self._update_actions()

    @Slot(object)
    def _on_connected(self, connection: Connection) -> None:
        endpoint = connection.context.settings.endpoint_url or self.tr("AWS")
        self.connection_label.setText(f"● {connection.label} — {endpoint}")
        self._select_profile_in_combo(connection.profile.name, connection.profile)
        self.prefix_edit.setText(connection.profile.default_prefix)
        self._wanted_bucket = connection.profile.default_bucket
        self.browser.set_context(connection.context)
        self.show_status(self.tr("Connected to %s.") % connection.label)
        self._update_actions()
        if self.autostart_box.isChecked() and self.queue.rows_with_status(ItemStatus.QUEUED):
            self.start_uploads()

    @Slot(object)
    def _on_connection_failed(self, err: object) -> None:
        text = error_text(err)
        self.connection_label.setText(self.tr("Not connected"))
        self.show_status(text, 0)
        self._update_actions()
        if not self._closing:
            QMessageBox.warning(self, self.tr("Cannot connect"), text)

    @Slot(list)
    def _on_buckets_loaded(self, names: list[str]) -> None:
        current = self.bucket_combo.currentText() or getattr(self, "_wanted_bucket", "")
        self.bucket_combo.clear()
        self.bucket_combo.addItems(names)
        if current in names:
            self.bucket_combo.setCurrentText(current)
        elif names:
            self.bucket_combo.setCurrentIndex(0)
        if not names:
            self.show_status(self.tr("No buckets are visible with this profile."))
        self._update_actions()

    @Slot(bool)
    def _on_browser_loading(self, loading: bool) -> None:
        self.browser_state.setText(self.tr("Loading…") if loading else "")

    @Slot(str)
    def _on_browser_error(self, text: str) -> None:
        self.show_status(text, 0)

    # -- adding files ------------------------------------------------------------------
    @Slot()
    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            self.tr("Add files to upload"),
            str(self.settings.value("lastDir", str(Path.home()))),
        )
        if files:
            self.settings.setValue("lastDir", str(Path(files[0]).parent))
            self.add_paths([Path(f) for f in files])

    @Slot()
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self,
            self.tr("Add a folder to upload"),
            str(self.settings.value("lastDir", str(Path.home()))),
        )
        if folder:
            self.settings.setValue("lastDir", str(Path(folder).parent))
            self.add_paths([Path(folder)])

    @Slot(list)
    def add_paths(self, paths: list[Path]) -> None:
        """Queue files and folders (folders are walked in a worker)."""
        self._planning += 1
        self.show_status(self.tr("Adding %n item(s)…", "", len(paths)))
        self.pool.run(_plan, list(paths), on_result=self._on_planned, name="plan")

    @Slot(object)
    def _on_planned(self, value: object) -> None:
        self._planning -= 1
        sources, problems = value  # type: ignore[misc]
        self.queue.add_sources(sources)
        for path, message in problems:
            self.queue.add_failed(path, message)
        total = sum(s.size for s in sources)
        text = self.tr("Added %n file(s)", "", len(sources)) + f" ({format_bytes(total)})"
        if problems:
            text += " — " + self.tr("%n could not be added", "", len(problems))
        self.show_status(text)
        self._update_actions()
        if sources and self.autostart_box.isChecked() and self.session.connection is not None:
            self.start_uploads()

    @Slot()
    def _on_queue_rows_changed(self) -> None:
        self.drop_area.show_content(self.queue.rowCount() > 0)

    @Slot()
    def _on_clear_finished(self) -> None:
        self.queue.clear_finished()
        self._update_actions()
        self._update_progress_label()

    # -- uploading ---------------------------------------------------------------------
    def destination(self) -> tuple[str, str]:
        """(bucket, prefix) chosen in the destination bar."""
        return self.bucket_combo.currentText(), normalize_prefix(self.prefix_edit.text())

    @Slot()
    def _on_upload_clicked(self) -> None:
        self.start_uploads(retry_failed=True)

    def start_uploads(self, *, retry_failed: bool = False) -> None:
        """Upload the queued rows (and the failed ones, on request) to the destination."""
        if self._upload is not None:
            return  # the running batch picks up new rows when it ends
        connection = self.session.connection
        if connection is None:
            self.show_status(self.tr("Not connected yet: the files stay queued."))
            return
        bucket, prefix = self.destination()
        if not bucket:
            self.show_status(self.tr("Choose a destination bucket first."), 0)
            return
        statuses = (ItemStatus.QUEUED, ItemStatus.FAILED) if retry_failed else (ItemStatus.QUEUED,)
        rows = self.queue.rows_with_status(*statuses)
        if not rows:
            return
        sources: list[UploadSource] = []
        for row in rows:
            item = self.queue.item(row)
            key = relative_key(prefix, [item.relative])
            self.queue.set_destination(row, bucket, key)
            self.queue.set_status(row, ItemStatus.QUEUED)
            sources.append(UploadSource(path=item.path, key=key, size=item.size))
        worker = UploadWorker(connection.engine, bucket, sources, rows)
        worker.itemStarted.connect(self._on_item_started)
        worker.itemFinished.connect(self._on_item_finished)
        worker.batchFailed.connect(self._on_batch_failed)
        worker.finished.connect(self._on_batch_finished)
        self._upload = worker
        self._upload_dest = (bucket, prefix)
        self._batch_started = time.monotonic()
        self.pool.start(worker)
        self._progress_timer.start()
        self._update_actions()
        self.show_status(
            self.tr("Uploading %n file(s) to s3://", "", len(rows)) + f"{bucket}/{prefix}"
        )

    @Slot()
    def cancel_uploads(self) -> None:
        if self._upload is not None:
            self._upload.cancel()
            self.show_status(self.tr("Cancelling…"))

    @Slot(int)
    def _on_item_started(self, row: int) -> None:
        self.queue.set_status(row, ItemStatus.UPLOADING)

    @Slot(int, str, str)
    def _on_item_finished(self, row: int, status: str, error: str) -> None:
        self.queue.set_status(row, ItemStatus(status), error)
        if status == ItemStatus.DONE:
            self.queue.set_progress(row, self.queue.item(row).size)

    @Slot(str)
    def _on_batch_failed(self, text: str) -> None:
        self.show_status(text, 0)

    @Slot()
    def _on_batch_finished(self) -> None:
        worker, self._upload = self._upload, None
        self._progress_timer.stop()
        if worker is None:
            return
        self._on_progress_tick(worker)
        results = worker.results
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
        self.show_status(" — ".join(parts), 0)
        bucket, prefix = self._upload_dest
        if ok:
            self.browser.refresh_prefix(bucket, prefix)
        self._update_actions()
        self.uploadsFinished.emit(ok, failed)
        more = self.queue.rows_with_status(ItemStatus.QUEUED)
        if more and not cancelled and self.autostart_box.isChecked() and not self._closing:
            self.start_uploads()

    @Slot()
    def _on_progress_tick(self, worker: UploadWorker | None = None) -> None:
        worker = worker or self._upload
        if worker is None:
            return
        snap = worker.progress.snapshot(changed_only=True)
        for index, done in snap.item_bytes.items():
            self.queue.set_progress(worker.rows[index], done)
        self.total_progress.setValue(int(snap.fraction * 1000))
        if self._upload is not None:
            self.progress_label.setText(
                self.tr("%1 of %2 files — %3 of %4 — %5/s — %6 left")
                .replace("%1", str(snap.items_finished))
                .replace("%2", str(snap.items_total))
                .replace("%3", format_bytes(snap.done_bytes))
                .replace("%4", format_bytes(snap.total_bytes))
                .replace("%5", format_bytes(snap.bytes_per_second))
                .replace("%6", format_duration(snap.eta_seconds))
            )
        else:
            self._update_progress_label()

    def _update_progress_label(self) -> None:
        counts = self.queue.counts()
        if not self.queue.rowCount():
            self.progress_label.setText(self.tr("Nothing queued"))
            self.total_progress.setValue(0)
            return
        self.progress_label.setText(
            self.tr("%1 uploaded, %2 failed, %3 queued")
            .replace("%1", str(counts[ItemStatus.DONE]))
            .replace("%2", str(counts[ItemStatus.FAILED]))
            .replace("%3", str(counts[ItemStatus.QUEUED]))
        )

    # -- browser -----------------------------------------------------------------------
    @Slot()
    def refresh_browser(self) -> None:
        self.browser.refresh_buckets()
        for index in self._selected_nodes()[:1]:
            self.browser.refresh(index)

    def _selected_nodes(self) -> list[QModelIndex]:
        return (
            self.browser_view.selectionModel().selectedRows()
            if self.browser_view.selectionModel()
            else []
        )

    def _selected_objects(self) -> list[tuple[str, str]]:
        return [
            (i.data(Role.BUCKET), i.data(Role.KEY))
            for i in self._selected_nodes()
            if i.data(Role.KIND) == Kind.OBJECT
        ]

    @Slot()
    def _on_browser_selection(self) -> None:
        nodes = self._selected_nodes()
        if len(nodes) == 1 and nodes[0].data(Role.KIND) in (Kind.BUCKET, Kind.FOLDER):
            bucket, key = nodes[0].data(Role.BUCKET), nodes[0].data(Role.KEY)
            if self._upload is None:
                self.bucket_combo.setCurrentText(bucket)
                self.prefix_edit.setText(key)
        self._update_actions()

    @Slot(QPoint)
    def _on_browser_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        objects = self._selected_objects()
        if objects:
            for label, seconds in EXPIRY_CHOICES:
                act = menu.addAction(self.tr("Copy presigned link (%s)") % self.tr(label))
                act.triggered.connect(lambda _=False, s=seconds: self.copy_presigned_link(s))
            act = menu.addAction(self.tr("Copy s3:// URI"))
            act.triggered.connect(self.copy_s3_uri)
            menu.addSeparator()
        nodes = self._selected_nodes()
        if len(nodes) == 1 and nodes[0].data(Role.KIND) != Kind.OBJECT:
            act = menu.addAction(self.tr("Upload files here…"))
            act.triggered.connect(self.choose_files)
        menu.addAction(self.act_refresh)
        menu.exec(self.browser_view.viewport().mapToGlobal(pos))

    @Slot()
    def copy_s3_uri(self) -> None:
        lines = [f"s3://{b}/{k}" for b, k in self._selected_objects()]
        if lines:
            QGuiApplication.clipboard().setText("\n".join(lines))
            self.show_status(self.tr("Copied %n address(es).", "", len(lines)))

    def copy_presigned_link(self, seconds: int = 3600) -> None:
        """Put presigned GET links to the selected objects on the clipboard (one per line)."""
        connection = self.session.connection
        objects = self._selected_objects()
        if connection is None or not objects:
            self.show_status(self.tr("Select an object in the bucket browser first."))
            return
        client = connection.context.client
        self.pool.run(
            lambda: [presigned_get_url(client, b, k, seconds) for b, k in objects],
            on_result=self._on_links_ready,
            on_failed=self._on_link_failed,
            name="presign",
        )
        self._link_seconds = seconds

    @Slot(object)
    def _on_links_ready(self, urls: object) -> None:
        assert isinstance(urls, list)
        text = "\n".join(urls)
        QGuiApplication.clipboard().setText(text)
        label = next((lbl for lbl, s in EXPIRY_CHOICES if s == self._link_seconds), "")
        self.show_status(self.tr("Presigned link copied (valid for %s).") % self.tr(label))
        self.linkCopied.emit(text)

    @Slot(object)
    def _on_link_failed(self, err: object) -> None:
        self.show_status(error_text(err), 0)

    # -- lifetime ----------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self._upload is not None and not self._closing:
            answer = QMessageBox.question(
                self,
                self.tr("Uploads in progress"),
                self.tr("Uploads are still running. Cancel them and quit?"),
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self._closing = True
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop workers, close the connection and the local server (idempotent)."""
        self._closing = True
        self._progress_timer.stop()
        self.pool.shutdown(timeout_ms=5000)
        self.session.shutdown()

    def restore_layout(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("splitter")
        if state is not None:
            self.splitter.restoreState(state)


def _app_icon() -> QIcon:
    from importlib import resources

    try:
        path = resources.files("s3uploader_gui") / "resources" / "s3uploader-gui.svg"
        if path.is_file():
            return QIcon(str(path))
    except (FileNotFoundError, ModuleNotFoundError):
        pass
    return QIcon()
