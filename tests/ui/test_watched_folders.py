"""Watched folders in the window, against SeaweedFS: a file written slowly into a watched
folder ends in the bucket whole, once; pausing stops it and survives a restart; a folder
that disappears is told once; the preferences page saves what the watcher uses."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from s3uploader_gui.core.watching import ImageChoice, WatchedFolder, default_state_path
from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.watch.service import FolderWatcher
from s3uploader_gui.ui.watch.settings import PAUSED_KEY, load_folders, save_folders

PROFILE = "Test SeaweedFS"  # the profile of tests.ui.conftest.seaweed_connection


def wait_ticks(qtbot, watcher: FolderWatcher, count: int = 1) -> None:
    """Wait until ``count`` more scans have been handled (the watcher scans every second)."""
    start = watcher.ticks
    qtbot.waitUntil(lambda: watcher.ticks >= start + count, timeout=5000 + 2000 * count)


def keys(context, bucket: str) -> list[str]:
    listing = context.client.list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def png_bytes() -> bytes:
    """A real PNG of some 200 KiB (noise does not compress), so it is written in chunks."""
    from PIL import Image

    image = Image.frombytes("RGB", (260, 260), os.urandom(260 * 260 * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def watched(window: MainWindow, tmp_path: Path, seaweed_bucket: str) -> Iterator[Path]:
    """A watched folder going to the test bucket under ``watched/``, as is."""
    folder = tmp_path / "Screenshots"
    folder.mkdir()
    (folder / "old.jpg").write_bytes(b"there before watching started")
    spec = WatchedFolder(folder, PROFILE, seaweed_bucket, "watched/", ImageChoice.AS_IS)
    save_folders(window.settings, (spec,))
    window.watcher.reload()
    yield folder
    save_folders(window.settings, ())


def test_a_file_written_slowly_uploads_once_complete(
    qtbot, window: MainWindow, watched: Path, seaweed_context, seaweed_bucket: str
):
    watcher = window.watcher
    wait_ticks(qtbot, watcher)  # the folder's baseline: old.jpg stays where it is
    data = png_bytes()
    chunks = [data[i : i + 32768] for i in range(0, len(data), 32768)]
    assert len(chunks) > 4
    target = watched / "shot.png"
    with target.open("wb") as fh:

        def write_next_chunk() -> None:
            # Right after a scan saw the file: the next scan always finds it grown.
            if chunks:
                fh.write(chunks.pop(0))
                fh.flush()

        watcher.scanned.connect(write_next_chunk)
        qtbot.waitUntil(lambda: not chunks, timeout=60000)
        watcher.scanned.disconnect(write_next_chunk)
    assert window.upload_pane.queue.rowCount() == 0, "queued before it was complete"

    def stored() -> bool:
        return "watched/shot.png" in keys(seaweed_context, seaweed_bucket)

    qtbot.waitUntil(stored, timeout=20000)
    qtbot.waitUntil(lambda: not window.upload_pane.uploading, timeout=10000)
    body = seaweed_context.client.get_object(Bucket=seaweed_bucket, Key="watched/shot.png")
    assert body["Body"].read() == data
    wait_ticks(qtbot, watcher, 3)
    queue = window.upload_pane.queue
    assert [queue.item(r).path for r in range(queue.rowCount())] == [target]
    assert keys(seaweed_context, seaweed_bucket) == ["watched/shot.png"]
    assert default_state_path().stat().st_mode & 0o777 == 0o600


def test_pause_stops_watching_and_survives_a_restart(
    qtbot, window: MainWindow, watched: Path, seaweed_context, seaweed_bucket: str
):
    watcher = window.watcher
    wait_ticks(qtbot, watcher)
    assert watcher.timer.isActive()
    watcher.pause_action.trigger()
    assert watcher.paused and not watcher.timer.isActive()
    assert QSettings().value(PAUSED_KEY, type=bool) is True
    ticks = watcher.ticks
    qtbot.waitUntil(lambda: not watcher.busy, timeout=5000)  # a scan under way ends
    (watched / "private.png").write_bytes(png_bytes())
    for _ in range(3):
        watcher.tick()  # what the timer would do: nothing while paused
    assert not watcher.busy
    assert watcher.ticks <= ticks + 1  # at most the scan that was under way
    assert window.upload_pane.queue.rowCount() == 0

    # The app started again: still paused.
    again = FolderWatcher(
        window.upload_pane, window.session, window.pool, QSettings(), window, interval_ms=1000
    )
    assert again.paused and not again.timer.isActive()
    again.stop()

    watcher.pause_action.trigger()  # resume: what came during the pause stays
    assert QSettings().value(PAUSED_KEY, type=bool) is False
    wait_ticks(qtbot, watcher, 3)
    assert window.upload_pane.queue.rowCount() == 0
    (watched / "after.png").write_bytes(b"after the pause")
    qtbot.waitUntil(
        lambda: "watched/after.png" in keys(seaweed_context, seaweed_bucket), timeout=20000
    )
    qtbot.waitUntil(lambda: not window.upload_pane.uploading, timeout=10000)
    assert keys(seaweed_context, seaweed_bucket) == ["watched/after.png"]


def test_a_vanished_folder_is_told_once_and_watched_again_when_back(
    qtbot, window: MainWindow, watched: Path, tmp_path: Path
):
    watcher = window.watcher
    wait_ticks(qtbot, watcher)
    messages: list[str] = []
    watcher.statusMessage.connect(lambda text, _ms: messages.append(text))
    watched.rename(tmp_path / "away")
    wait_ticks(qtbot, watcher, 3)
    missing = [m for m in messages if "is missing" in m]
    assert len(missing) == 1 and str(watched) in missing[0]
    assert window.statusBar().currentMessage() == missing[0]
    (tmp_path / "away").rename(watched)
    qtbot.waitUntil(lambda: any("is back" in m for m in messages), timeout=5000)


def test_a_folder_for_another_profile_waits_and_says_so_once(
    qtbot, window: MainWindow, tmp_path: Path, seaweed_context, seaweed_bucket: str
):
    folder = tmp_path / "for-work"
    folder.mkdir()
    spec = WatchedFolder(folder, "Work R2", seaweed_bucket)
    save_folders(window.settings, (spec,))
    window.watcher.reload()
    wait_ticks(qtbot, window.watcher)
    messages: list[str] = []
    window.watcher.statusMessage.connect(lambda text, _ms: messages.append(text))
    (folder / "a.png").write_bytes(b"a")
    qtbot.waitUntil(lambda: any("Work R2" in m for m in messages), timeout=10000)
    wait_ticks(qtbot, window.watcher, 2)
    assert len([m for m in messages if "Work R2" in m]) == 1
    assert "wait" in messages[0] and str(folder) in messages[0]
    assert window.upload_pane.queue.rowCount() == 0
    assert keys(seaweed_context, seaweed_bucket) == []
    save_folders(window.settings, ())


def test_the_preferences_page_saves_folders_for_the_watcher(
    qtbot, window: MainWindow, tmp_path: Path, seaweed_bucket: str
):
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert window.watcher.pause_action in menus["&Transfers"].actions()
    window.show_preferences()
    dialog = window.preferences_dialog
    assert dialog is not None
    page = dialog.watch_page
    editor = page.open_editor(page.new_folder(tmp_path))
    assert editor.profile_combo.currentText() == PROFILE
    assert editor.bucket_combo.currentText() == seaweed_bucket
    assert seaweed_bucket in [
        editor.bucket_combo.itemText(i) for i in range(editor.bucket_combo.count())
    ]
    editor.prefix_edit.setText("shots")
    editor.images_combo.setCurrentIndex(editor.images_combo.findData(ImageChoice.AS_IS.value))
    editor.accept()
    expected = WatchedFolder(tmp_path, PROFILE, seaweed_bucket, "shots/", ImageChoice.AS_IS)
    assert load_folders(QSettings()) == (expected,)
    assert window.watcher.folders == (expected,)
    assert window.watcher.timer.isActive()

    page.table.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    assert load_folders(QSettings())[0].enabled is False
    assert not window.watcher.timer.isActive()
    page.table.selectRow(0)
    page.remove_button.click()
    assert load_folders(QSettings()) == ()
    dialog.accept()


def test_the_editor_needs_a_folder_a_profile_and_a_bucket(qtbot, tmp_path: Path):
    from PySide6.QtWidgets import QDialogButtonBox

    from s3uploader_gui.ui.watch.page import WatchedFoldersPage

    page = WatchedFoldersPage(QSettings())
    qtbot.addWidget(page)
    page.set_choices(["Local", "Work"], "Work", ["b1", "b2"])
    editor = page.open_editor(page.new_folder(tmp_path))
    ok = editor.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled() and editor.bucket_combo.currentText() == "b1"
    editor.bucket_combo.setEditText("")
    assert not ok.isEnabled()
    editor.profile_combo.setCurrentText("Local")  # not connected: no bucket list, type one
    assert editor.bucket_combo.count() == 0
    editor.bucket_combo.setEditText("elsewhere")
    assert ok.isEnabled()
    editor.accept()
    assert page.folders() == (WatchedFolder(tmp_path, "Local", "elsewhere"),)
    assert load_folders(QSettings()) == page.folders()
