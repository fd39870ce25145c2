"""The main window: toolbar and profile switcher, upload pane, bucket browser, status bar."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStyle,
    QSystemTrayIcon,
    QToolBar,
    QToolButton,
)

from s3uploader_gui.core.naming import normalize_prefix
from s3uploader_gui.core.profiles import Profile
from s3uploader_gui.ui.actions import make_action
from s3uploader_gui.ui.browser.dialogs import EXPIRY_CHOICES
from s3uploader_gui.ui.browser.gc_policy import settle
from s3uploader_gui.ui.browser.pane import BrowserPane
from s3uploader_gui.ui.connection_box import connection_failed_box
from s3uploader_gui.ui.help_actions import open_about, open_log
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.session import Connection, Session
from s3uploader_gui.ui.theme import app_icon
from s3uploader_gui.ui.upload.pane import UploadPane
from s3uploader_gui.ui.upload.paste import ClipboardPaste
from s3uploader_gui.ui.watch.service import FolderWatcher
from s3uploader_gui.ui.workers import WorkerPool

if TYPE_CHECKING:
    from s3uploader_gui.ui.history.window import HistoryWindow
    from s3uploader_gui.ui.preferences_dialog import PreferencesDialog
    from s3uploader_gui.ui.profiles.dialog import ProfilesDialog

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The application window.

    Signals:
        statusMessage(str): a message was shown in the status bar (for tests and logs).
        notified(str, str): a desktop notification (title, text) was given.
    """

    statusMessage = Signal(str)
    notified = Signal(str, str)

    #: A batch at least this long gets a notification when it ends in the background.
    notify_after_ms = 10_000

    def __init__(self, session: Session | None = None, pool: WorkerPool | None = None) -> None:
        super().__init__()
        self.pool = pool or WorkerPool(self)
        self.session = session or Session(self.pool, self)
        self.settings = QSettings()
        self._closing = False
        self._wanted_bucket = ""
        self._batch_clock = QElapsedTimer()
        self._tray: QSystemTrayIcon | None = None
        self.connection_error_box: QMessageBox | None = None
        self.preferences_dialog: PreferencesDialog | None = None
        self.profiles_dialog: ProfilesDialog | None = None
        self.setWindowTitle(self.tr("S3 Uploader"))
        self.setWindowIcon(app_icon())
        self.resize(1180, 720)
        self._build_actions()
        self.upload_pane = UploadPane(self.session, self.pool, self.settings)
        self.browser_pane = BrowserPane(self.pool, self.act_refresh)
        self.paster = ClipboardPaste(self, self.upload_pane, self.settings, self.pool)
        self.act_paste = self.paster.action  # Edit → Paste, Ctrl+V
        self.watcher = FolderWatcher(self.upload_pane, self.session, self.pool, self.settings, self)
        self._build_toolbar()
        self._build_menus()
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.upload_pane)
        self.splitter.addWidget(self.browser_pane)
        # The upload pane has the wider share: its queue, preview and image options sit
        # side by side; the browser's list and grid stay usable at 40 % (1024 px wide).
        self.splitter.setSizes([708, 472])
        self.setCentralWidget(self.splitter)
        self.connection_label = QLabel(self.tr("Not connected"), self)
        self.statusBar().addPermanentWidget(self.connection_label)

        self.upload_pane.statusMessage.connect(self.show_status)
        # The upload pane's state changes with every few files uploaded: only the actions
        # that depend on it are recomputed then (not the browser's selection).
        self.upload_pane.stateChanged.connect(self._update_upload_actions)
        self.upload_pane.total_progress.valueChanged.connect(self._update_title)
        self.upload_pane.stateChanged.connect(self._update_title)
        self.upload_pane.uploadsFinished.connect(self._on_uploads_finished)
        self.upload_pane.after_upload.notifyRequested.connect(self.notify)
        self.upload_pane.uploadedTo.connect(self.browser_pane.refresh_prefix)
        self.browser_pane.statusMessage.connect(self.show_status)
        self.watcher.statusMessage.connect(self.show_status)
        self.browser_pane.selectionChanged.connect(self._update_actions)
        self.browser_pane.destinationChosen.connect(self.upload_pane.set_destination)
        self.browser_pane.bucketsLoaded.connect(self._on_buckets_loaded)
        self.browser_pane.filesDropped.connect(self._on_browser_drop)
        self.session.connecting.connect(self._on_connecting)
        self.session.connected.connect(self._on_connected)
        self.session.connectionFailed.connect(self._on_connection_failed)
        self._populate_profiles()
        self._update_actions()

    # -- construction ------------------------------------------------------------------
    def _action(
        self, icon: QStyle.StandardPixmap, text: str, tip: str, shortcut: QKeySequence | None
    ) -> QAction:
        context = Qt.ShortcutContext.WindowShortcut
        return make_action(self, icon, text, None, shortcut, context, tip=tip)

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self.act_add_files = self._action(
            sp.SP_FileIcon,
            self.tr("Add files…"),
            self.tr("Choose files to upload (Ctrl+O)"),
            QKeySequence(QKeySequence.StandardKey.Open),
        )
        self.act_add_folder = self._action(
            sp.SP_DirIcon,
            self.tr("Add folder…"),
            self.tr("Choose a folder to upload with its structure (Ctrl+Shift+O)"),
            QKeySequence("Ctrl+Shift+O"),
        )
        self.act_upload = self._action(
            sp.SP_ArrowUp,
            self.tr("Upload"),
            self.tr("Upload the queued files, retrying failed ones (Ctrl+U)"),
            QKeySequence("Ctrl+U"),
        )
        self.act_cancel = self._action(
            sp.SP_BrowserStop,
            self.tr("Cancel"),
            self.tr("Stop the uploads in progress (Esc)"),
            QKeySequence(Qt.Key.Key_Escape),
        )
        self.act_clear = self._action(
            sp.SP_DialogResetButton,
            self.tr("Clear finished"),
            self.tr("Remove uploaded and cancelled files from the list"),
            None,
        )
        self.act_refresh = self._action(
            sp.SP_BrowserReload,
            self.tr("Refresh"),
            self.tr("Reload the bucket browser (F5)"),
            QKeySequence(QKeySequence.StandardKey.Refresh),
        )
        self.act_copy_link = self._action(
            sp.SP_FileLinkIcon,
            self.tr("Copy link"),
            self.tr("Copy a presigned link to the selected objects, valid 1 hour (Ctrl+Shift+C)"),
            QKeySequence("Ctrl+Shift+C"),
        )
        self.act_profiles = self._action(
            sp.SP_FileDialogDetailedView,
            self.tr("Manage profiles…"),
            self.tr("Add, edit, test or delete connection profiles"),
            None,
        )
        self.act_quit = self._action(
            sp.SP_DialogCloseButton,
            self.tr("Quit"),
            self.tr("Quit"),
            # StandardKey.Quit is empty on some Linux platforms; Qt maps Ctrl to ⌘ on macOS.
            QKeySequence("Ctrl+Q"),
        )

    def _build_toolbar(self) -> None:
        pane, browser = self.upload_pane, self.browser_pane
        self.act_add_files.triggered.connect(pane.choose_files)
        self.act_add_folder.triggered.connect(pane.choose_folder)
        self.act_upload.triggered.connect(pane.retry_and_upload)
        self.act_cancel.triggered.connect(pane.cancel_uploads)
        self.act_clear.triggered.connect(pane.clear_finished)
        self.act_refresh.triggered.connect(browser.refresh)
        self.act_copy_link.triggered.connect(self._on_copy_link)
        self.act_quit.triggered.connect(self.close)

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
        self.act_profiles.triggered.connect(self.manage_profiles)
        bar.addAction(self.act_profiles)
        bar.addSeparator()
        for action in (self.act_add_files, self.act_add_folder):
            bar.addAction(action)
        # Upload, Cancel and Clear finished are the queue's: its footer shows them (Upload
        # and Cancel as these very actions), the Transfers menu lists them.
        pane.use_actions(self.act_upload, self.act_cancel)
        bar.addSeparator()
        bar.addAction(self.act_refresh)
        link_menu = QMenu(self)
        for label, seconds in EXPIRY_CHOICES:
            act = link_menu.addAction(self.tr("Valid for %s") % self.tr(label))
            act.setData(seconds)
            act.triggered.connect(self._on_copy_link)
        self.act_copy_link.setMenu(link_menu)
        bar.addAction(self.act_copy_link)
        button = bar.widgetForAction(self.act_copy_link)
        if isinstance(button, QToolButton):
            button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addAction(self.act_add_files)
        file_menu.addAction(self.act_add_folder)
        file_menu.addSeparator()
        self.act_preferences = file_menu.addAction(self.tr("&Preferences…"), self.show_preferences)
        self.act_preferences.setShortcut(QKeySequence("Ctrl+,"))
        self.act_preferences.setToolTip(
            self.tr("Defaults for images, transfers, conflicts and shared links")
        )
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        bar.addMenu(self.tr("&Edit")).addAction(self.act_paste)
        transfers = bar.addMenu(self.tr("&Transfers"))
        for action in (self.act_upload, self.act_cancel, self.act_clear):
            transfers.addAction(action)
        self.watcher.add_to_menu(transfers)
        browser = bar.addMenu(self.tr("&Browser"))
        browser.addAction(self.act_refresh)
        browser.addAction(self.act_copy_link)
        browser.addSeparator()
        self.browser_pane.add_actions_to(browser)
        view_menu = bar.addMenu(self.tr("&View"))
        self.act_history = view_menu.addAction(self.tr("&History…"), self.show_history)
        self.act_history.setShortcut(QKeySequence("Ctrl+H"))
        self.act_history.setToolTip(self.tr("Every upload, with its links (Ctrl+H)"))
        self.history_window: HistoryWindow | None = None
        help_menu = bar.addMenu(self.tr("&Help"))
        self.act_show_log = help_menu.addAction(self.tr("Show &log"), lambda: open_log(self))
        self.act_show_log.setToolTip(self.tr("Show the application log (no secrets are logged)"))
        help_menu.addSeparator()
        self.act_about = help_menu.addAction(
            self.tr("&About S3 Uploader"), lambda: open_about(self)
        )

    @Slot()
    def show_preferences(self) -> None:
        """Open the preferences; the upload pane shows the new defaults when it closes."""
        from s3uploader_gui.ui.preferences_dialog import PreferencesDialog

        pane = self.upload_pane
        dialog = PreferencesDialog(self.settings, pane.transfer.edit_settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._on_preferences_closed)
        self.watcher.prepare_page(dialog.watch_page)
        self.preferences_dialog = dialog
        dialog.open()

    @Slot(int)
    def _on_preferences_closed(self, _result: int) -> None:
        dialog, self.preferences_dialog = self.preferences_dialog, None
        if dialog is not None:
            self.upload_pane.image_options.set_options(dialog.image_options.options())
            self.upload_pane.autostart_box.setChecked(dialog.autostart_box.isChecked())

    @Slot()
    def show_history(self) -> None:
        """Open the History window (or bring it to the front)."""
        from s3uploader_gui.ui.history.window import open_history_window

        self.history_window = open_history_window(
            self.history_window, self.session, self.pool, self.settings, self.browser_pane, self
        )

    # -- title and notifications --------------------------------------------------------
    @Slot()
    def _update_title(self) -> None:
        """'S3 Uploader — profile', with the upload progress in front while uploading."""
        title = self.tr("S3 Uploader")
        connection = self.session.connection
        if connection is not None:
            title = self.tr("S3 Uploader — %s") % connection.label
        if self.upload_pane.uploading:
            if not self._batch_clock.isValid():
                self._batch_clock.start()
            percent = self.upload_pane.total_progress.value() // 10
            title = f"{percent} % — {title}"
        self.setWindowTitle(title)

    @Slot(int, int)
    def _on_uploads_finished(self, ok: int, failed: int) -> None:
        elapsed = self._batch_clock.elapsed() if self._batch_clock.isValid() else -1
        long_batch = elapsed >= self.notify_after_ms
        self._batch_clock.invalidate()
        self._update_title()
        if long_batch and not self.isActiveWindow():
            text = self.tr("%n file(s) uploaded", "", ok)
            if failed:
                text += " — " + self.tr("%n failed", "", failed)
            self.notify(self.tr("Uploads finished"), text)

    def notify(self, title: str, text: str) -> None:
        """Tell someone working in another window (tray message where there is a tray)."""
        QApplication.alert(self)
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self.windowIcon(), self)
                self.watcher.add_to_tray(self._tray, self)
            self._tray.show()
            self._tray.showMessage(title, text, self.windowIcon(), 8000)
        self.notified.emit(title, text)

    # -- status ------------------------------------------------------------------------
    @Slot(str, int)
    def show_status(self, text: str, timeout_ms: int = 8000) -> None:
        self.statusBar().showMessage(text, timeout_ms)
        self.statusMessage.emit(text)

    @Slot()
    def _update_actions(self) -> None:
        connected = self.session.connection is not None
        self._update_upload_actions()
        self.act_refresh.setEnabled(connected)
        self.act_copy_link.setEnabled(connected and bool(self.browser_pane.selected_objects()))

    @Slot()
    def _update_upload_actions(self) -> None:
        pane = self.upload_pane
        self.act_upload.setEnabled(pane.can_upload())
        self.act_cancel.setEnabled(pane.uploading)
        self.act_clear.setEnabled(not pane.uploading and pane.queue.rowCount() > 0)

    @Slot()
    def _on_copy_link(self) -> None:
        action = self.sender()
        from s3uploader_gui.ui.preferences_dialog import default_link_expiry

        data = action.data() if isinstance(action, QAction) else None
        seconds = int(data) if data else default_link_expiry(self.settings)
        self.browser_pane.copy_presigned_link(seconds)

    # -- profiles and connection -------------------------------------------------------
    @Slot()
    def manage_profiles(self) -> None:
        """Open the profiles dialog; the profile box is refreshed when it closes."""
        from s3uploader_gui.ui.profiles.dialog import ProfilesDialog

        if self.profiles_dialog is not None:
            self.profiles_dialog.deleteLater()
        current = self.session.connection
        select = current.label if current is not None else self.profile_combo.currentText()
        dialog = ProfilesDialog(
            self.session.profiles, self.session.credentials, self.pool, self, select=select
        )
        dialog.finished.connect(self._on_profiles_dialog_closed)
        self.profiles_dialog = dialog
        dialog.open()

    @Slot(int)
    def _on_profiles_dialog_closed(self, _result: int) -> None:
        renamed = self.profiles_dialog.renamed if self.profiles_dialog is not None else {}
        self._populate_profiles()
        if not self.upload_pane.uploading:
            self.session.profiles_edited(renamed)  # follows an edited or deleted current one
        if self.session.connection is not None:
            self._select_profile_in_combo(self.session.connection.profile)

    def _populate_profiles(self) -> None:
        self.profile_combo.clear()
        for profile in self.session.available_profiles():
            self.profile_combo.addItem(profile.name, profile)

    def connect_initial(self) -> None:
        """Connect to the last used profile, or to the local storage."""
        profile = self.session.initial_profile()
        self._select_profile_in_combo(profile)
        self.session.connect_profile(profile)

    def _select_profile_in_combo(self, profile: Profile | None) -> None:
        if profile is None:  # boto3's standard chain: no profile to show
            return
        i = self.profile_combo.findText(profile.name)
        if i < 0:
            self.profile_combo.addItem(profile.name, profile)
            i = self.profile_combo.count() - 1
        self.profile_combo.setCurrentIndex(i)

    @Slot(int)
    def _on_profile_chosen(self, row: int) -> None:
        profile = self.profile_combo.itemData(row)
        if not isinstance(profile, Profile):
            return
        current = self.session.connection
        current_profile = current.profile if current is not None else None
        if current_profile is not None and current_profile.name == profile.name:
            return
        if self.upload_pane.uploading:
            self.show_status(self.tr("Finish or cancel the uploads before switching profiles."))
            if current is not None:
                self._select_profile_in_combo(current.profile)
            return
        self.session.connect_profile(profile)

    @Slot(str)
    def _on_connecting(self, name: str) -> None:
        self.connection_label.setText(self.tr("Connecting to %s…") % name)
        self.browser_pane.set_context(None)
        self._update_actions()

    @Slot(object)
    def _on_connected(self, connection: Connection) -> None:
        endpoint = connection.context.settings.endpoint_url or self.tr("AWS")
        self.connection_label.setText(f"● {connection.label} — {endpoint}")
        self._update_title()
        self._select_profile_in_combo(connection.profile)
        profile = connection.profile or Profile(name=connection.label)  # no defaults
        self._wanted_bucket = profile.default_bucket
        self.browser_pane.set_context(
            connection.context,
            public_base_url=profile.public_base_url,
            start_bucket=profile.default_bucket,
            start_prefix=normalize_prefix(profile.default_prefix),
        )
        self.upload_pane.on_connected(profile.default_bucket, profile.default_prefix)
        self.show_status(self.tr("Connected to %s.") % connection.label)
        self._update_actions()
        settle()  # the connection's libraries and client stay for the session

    @Slot(str, str, list)
    def _on_browser_drop(self, bucket: str, prefix: str, paths: list[object]) -> None:
        """Files dropped on the browser: upload them into that bucket and folder."""
        self.upload_pane.set_destination(bucket, prefix)
        self.upload_pane.add_paths(paths)  # type: ignore[arg-type]

    @Slot(object)
    def _on_connection_failed(self, err: object) -> None:
        text = error_text(err)
        self.connection_label.setText(self.tr("Not connected"))
        self.show_status(text, 0)
        self._update_actions()
        if not self._closing:  # with "Manage profiles…", and how to install local storage
            self.connection_error_box = connection_failed_box(self, err, self.manage_profiles)

    @Slot(list)
    def _on_buckets_loaded(self, names: list[str]) -> None:
        self.upload_pane.set_buckets(names, self._wanted_bucket)
        if not names:
            self.show_status(self.tr("No buckets are visible with this profile."))

    # -- lifetime ----------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.upload_pane.uploading and not self._closing:
            answer = QMessageBox.question(
                self,
                self.tr("Uploads in progress"),
                self.tr("Uploads are still running. Cancel them and quit?"),
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop workers, close the connection and the local server (idempotent)."""
        self._closing = True
        self.watcher.stop()
        self.upload_pane.shutdown()
        self.browser_pane.shutdown()
        self.pool.shutdown(timeout_ms=5000)
        self.paster.clear()  # the pasted pictures not uploaded yet
        self.session.shutdown()

    def restore_layout(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("splitter")
        if state is not None:
            self.splitter.restoreState(state)
