"""Desktop polish: progress in the title, a notification for long background batches,
shortcuts that trigger their actions, settings that survive a restart."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from s3uploader_gui.ui.main_window import MainWindow
from tests.helpers.files import make_random
from tests.ui.test_main_window import drop_paths


def test_title_shows_profile_and_progress(qtbot, window, tmp_path):
    assert window.windowTitle() == "S3 Uploader — Test SeaweedFS"
    titles: list[str] = []
    window.windowTitleChanged.connect(titles.append)
    big = make_random(tmp_path / "big.bin", 48 * 1024 * 1024)
    with qtbot.waitSignal(window.upload_pane.uploadsFinished, timeout=60000):
        drop_paths(window, [big])
    assert any(t.endswith("% — S3 Uploader — Test SeaweedFS") for t in titles), titles
    assert window.windowTitle() == "S3 Uploader — Test SeaweedFS"


def test_long_batch_in_background_notifies(qtbot, window, tmp_path):
    window.notify_after_ms = 0  # every batch counts as long here
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=5000)
    with qtbot.waitSignal(window.notified, timeout=30000) as blocker:
        drop_paths(window, [make_random(tmp_path / "a.bin", 1000)])
    assert blocker.args[0] == "Uploads finished"
    assert blocker.args[1].startswith("1 file")


def test_shortcuts_trigger_their_actions(qtbot, window):
    shortcuts = {
        a.shortcut().toString(): a.text()
        for a in (
            window.act_add_files,
            window.act_add_folder,
            window.act_upload,
            window.act_refresh,
            window.act_copy_link,
            window.act_quit,
        )
    }
    assert shortcuts == {
        "Ctrl+O": "Add files…",
        "Ctrl+Shift+O": "Add folder…",
        "Ctrl+U": "Upload",
        "F5": "Refresh",
        "Ctrl+Shift+C": "Copy link",
        "Ctrl+Q": "Quit",
    }
    refreshed: list[bool] = []
    window.act_refresh.triggered.connect(lambda: refreshed.append(True))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert refreshed == [True]


@pytest.mark.xvfb  # the offscreen screen is 800 × 600 and clamps restored geometry
def test_geometry_and_splitter_survive_a_restart(qtbot, window):
    window.resize(1210, 690)
    window.splitter.setSizes([300, 700])
    sizes = window.splitter.sizes()
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.restore_layout()
    again.show()
    qtbot.waitExposed(again)
    assert (again.width(), again.height()) == (1210, 690)
    assert again.splitter.sizes() == sizes
    again.shutdown()
