"""Screenshots of the real window (Xvfb) in its main states; ``make screenshots`` saves
them into docs/ for the README. Each test also checks the state it shows."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QTabWidget, QWidget

from s3uploader_gui.core.credentials import _FRIENDLY_NAMES
from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.profiles.secret_store import KeyringInfo
from s3uploader_gui.ui.sharing_settings import AFTER_UPLOAD_KEY
from s3uploader_gui.ui.upload.history_recording import notifier
from s3uploader_gui.ui.watch.settings import load_folders, save_folders
from tests.helpers.files import make_jpeg, make_random
from tests.ui.test_main_window import drop_paths
from tests.ui.test_screenshot_xvfb import _distinct_colors

pytestmark = pytest.mark.xvfb


def save(qtbot, widget: QWidget, name: str, tmp_path: Path) -> Path:
    """Grab ``widget`` into SCREENSHOT_DIR (or tmp) as ``name``.png and check it is not blank."""
    qtbot.wait(300)  # let the X server paint before grabbing (black frame otherwise)
    out_dir = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.png"
    assert widget.grab().save(str(target))
    assert _distinct_colors(QImage(str(target))) > 15, f"{name}.png is blank"
    return target


def photos(folder: Path, n: int = 6, size: tuple[int, int] = (1600, 1200)) -> list[Path]:
    colors = ["tomato", "gold", "seagreen", "steelblue", "orchid", "darkorange", "teal"]
    return [make_jpeg(folder / f"IMG_{i:04}.jpg", size, colors[i % len(colors)]) for i in range(n)]


def test_empty_window(qtbot, window: MainWindow, tmp_path):
    pane = window.upload_pane
    assert pane.queue.rowCount() == 0
    assert pane.drop_area.currentWidget() is not pane.drop_area.content  # the hint shows
    save(qtbot, window, "state-empty", tmp_path)


def test_previews_before_upload(qtbot, window: MainWindow, tmp_path):
    pane = window.upload_pane
    pane.autostart_box.setChecked(False)
    drop_paths(window, photos(tmp_path / "Trip"))
    qtbot.waitUntil(lambda: pane.queue.rowCount() == 6, timeout=10000)
    pane.queue_view.selectRow(0)
    decoration = Qt.ItemDataRole.DecorationRole

    def thumbnails_shown() -> bool:
        pane.queue_view.viewport().grab()  # painting asks for the visible rows' thumbnails
        return all(pane.queue.index(r, 0).data(decoration) is not None for r in range(6))

    qtbot.waitUntil(thumbnails_shown, timeout=20000)
    save(qtbot, window, "state-previews", tmp_path)
    pane.autostart_box.setChecked(True)


def test_uploading(qtbot, window: MainWindow, tmp_path):
    pane = window.upload_pane
    files = [make_random(tmp_path / f"video-{i}.mp4", 80 * 1024 * 1024) for i in range(3)]
    drop_paths(window, files)
    qtbot.waitUntil(lambda: pane.upload_worker is not None, timeout=10000)
    qtbot.waitUntil(lambda: 80 < pane.total_progress.value() < 700, timeout=60000)
    assert window.windowTitle().split(" ")[1] == "%"
    save(qtbot, window, "state-uploading", tmp_path)
    with qtbot.waitSignal(pane.uploadsFinished, timeout=120000):
        pass


def test_browser_with_thumbnails(qtbot, window: MainWindow, seaweed_bucket, tmp_path):
    window.upload_pane.prefix_edit.setText("2026/")
    photos(tmp_path / "Holiday", 9, (900, 600))
    with qtbot.waitSignal(window.upload_pane.uploadsFinished, timeout=60000):
        drop_paths(window, [tmp_path / "Holiday"])
    browser = window.browser_pane
    browser.navigate(seaweed_bucket, "2026/Holiday/")
    browser.show_grid()
    grid = browser.grid
    qtbot.waitUntil(lambda: grid.model().rowCount(grid.rootIndex()) == 9, timeout=20000)
    browser.grid.grab()  # paint once: the visible cells ask for their thumbnails
    qtbot.waitUntil(lambda: browser.thumbnails.started > 0 and not browser.thumbnails.busy)
    save(qtbot, window, "state-browser", tmp_path)


def test_credentials_dialog(qtbot, window: MainWindow, seaweed, seaweed_bucket, tmp_path):
    """A remote profile being filled in: a provider preset chosen, the keyring named, and
    "Test connection" answered by the test SeaweedFS (its throwaway keys)."""
    window.manage_profiles()
    dialog = window.profiles_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.keyring_info is not None, timeout=10000)
    # The tests' keyring lives in memory; the README shows what a Linux desktop with a
    # Secret Service (GNOME Keyring, KWallet) is told, in the app's own words.
    dialog.form.show_keyring(KeyringInfo(_FRIENDLY_NAMES["keyring.backends.SecretService"], True))
    dialog.new_profile()
    form = dialog.form
    generic = form.preset_combo.findData("generic")
    form.preset_combo.setCurrentIndex(generic)
    form.preset_combo.activated.emit(generic)  # as a click on the provider would
    assert form.endpoint_edit.text() == "http://<host>:<port>"
    assert form.addressing_combo.currentData() == "path"
    for edit, text in (
        (form.name_edit, "Studio NAS (SeaweedFS)"),
        (form.endpoint_edit, seaweed.endpoint_url),
        (form.access_key_edit, seaweed.access_key_id),
        (form.secret_edit, seaweed.secret_access_key),
        (form.bucket_edit, seaweed_bucket),
        (form.prefix_edit, "photos/"),
        (form.public_edit, "https://photos.example.com"),
    ):
        edit.setText(text)
    with qtbot.waitSignal(dialog.testFinished, timeout=30000) as blocker:
        dialog.test_button.click()
    result = blocker.args[0]
    assert result.ok, result.message
    assert dialog.result_text().startswith("✔")
    assert "Secret Service" in form.storage_label.text()
    # The form fills the dialog: no large empty area above the buttons.
    dialog.resize(dialog.width(), dialog.minimumSizeHint().height())
    qtbot.waitUntil(lambda: dialog.height() <= dialog.minimumSizeHint().height() + 1)
    gap = dialog.button_box.geometry().top() - dialog.result_label.geometry().bottom()
    assert gap < 60, gap
    save(qtbot, dialog, "state-credentials", tmp_path)
    form.dirty = False
    dialog.reject()


def test_error_shown_in_the_queue(qtbot, window: MainWindow, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    good = make_jpeg(tmp_path / "good.jpg", (640, 480), "seagreen")
    gone = tmp_path / "vanished.jpg"
    options = window.upload_pane.image_options
    options.set_options(replace(options.options(), max_edge=800))  # images are decoded
    with qtbot.waitSignal(window.upload_pane.uploadsFinished, timeout=30000):
        drop_paths(window, [good, broken, gone])
    statuses = {
        window.upload_pane.queue.item(r).path.name: window.upload_pane.queue.item(r).status
        for r in range(window.upload_pane.queue.rowCount())
    }
    assert statuses["good.jpg"] == ItemStatus.DONE
    assert statuses["vanished.jpg"] == ItemStatus.FAILED
    assert statuses["broken.jpg"] == ItemStatus.FAILED
    save(qtbot, window, "state-error", tmp_path)


def test_history_window(qtbot, window: MainWindow, tmp_path):
    """View → History… after two batches: a thumbnail grid of what was uploaded."""
    window.upload_pane.prefix_edit.setText("shared")
    photos(tmp_path / "Monday", 4, (900, 600))
    photos(tmp_path / "Tuesday", 3)
    for day in ("Monday", "Tuesday"):  # two batches, each a folder
        with qtbot.waitSignals(
            [window.upload_pane.uploadsFinished, notifier().recorded], timeout=60000
        ):
            drop_paths(window, [tmp_path / day])
    report = make_random(tmp_path / "report.pdf", 300_000)
    with qtbot.waitSignals([window.upload_pane.uploadsFinished, notifier().recorded]):
        drop_paths(window, [report])
    window.act_history.trigger()
    history = window.history_window
    assert history is not None
    qtbot.waitExposed(history)
    history.resize(900, 560)
    history.show_grid()
    assert history.model.rowCount() == 7  # images only in the grid; the PDF is in the list
    history.select_rows([0])
    shot = save(qtbot, history, "state-history", tmp_path)
    # The selected cell is highlighted whole, above its picture too (not a band from mid-way).
    cell = history.grid.visualRect(history.grid.model().index(0, 0))
    corner = history.grid.viewport().mapTo(history, cell.topLeft()) + QPoint(3, 3)
    highlight = history.grid.palette().color(QPalette.ColorRole.Highlight)
    assert QImage(str(shot)).pixelColor(corner) == highlight
    history.show_list()
    assert history.model.rowCount() == 8
    assert history.count_label.text() == "8 uploads"
    history.close()


def test_watched_folder_preferences(
    qtbot, window: MainWindow, seaweed_bucket, tmp_path, monkeypatch
):
    """Preferences → Watched folders with one folder sending screenshots to the bucket."""
    monkeypatch.setenv("HOME", str(tmp_path))  # shown as ~/Pictures/Screenshots
    folder = tmp_path / "Pictures" / "Screenshots"
    folder.mkdir(parents=True)
    window.show_preferences()
    dialog = window.preferences_dialog
    assert dialog is not None
    page = dialog.watch_page
    tabs = page.parentWidget().parentWidget()
    assert isinstance(tabs, QTabWidget)
    tabs.setCurrentWidget(page)
    editor = page.open_editor(page.new_folder(folder))
    editor.prefix_edit.setText("screenshots")
    editor.accept()
    assert [f.path for f in load_folders(window.settings)] == [folder]
    page.table.selectRow(0)
    qtbot.waitExposed(dialog)
    assert page.table.item(0, 0).text() == "~/Pictures/Screenshots"
    # Every column in sight: no long path pushing the destination behind a scrollbar.
    assert not page.table.horizontalScrollBar().isVisible()
    header = page.table.horizontalHeader()
    assert header.sectionViewportPosition(2) + header.sectionSize(2) <= header.width() + 1
    save(qtbot, dialog, "state-watched-folders", tmp_path)
    save_folders(window.settings, ())
    dialog.accept()


def test_links_copied_after_upload(qtbot, window: MainWindow, tmp_path):
    """*After upload: copy link* (Markdown): the batch's links are on the clipboard and the
    status bar says so."""
    window.settings.setValue(AFTER_UPLOAD_KEY, "markdown")
    window.upload_pane.prefix_edit.setText("blog")
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    with qtbot.waitSignal(window.upload_pane.uploadsFinished, timeout=60000):
        drop_paths(window, photos(tmp_path / "Post", 3, (1200, 800)))
    bar = window.statusBar()
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("Copied 3 links"), timeout=10000)
    assert [line[:2] for line in clipboard.text().splitlines()] == ["![", "![", "!["]
    save(qtbot, window, "state-links-copied", tmp_path)
    clipboard.clear()
    window.settings.remove(AFTER_UPLOAD_KEY)
