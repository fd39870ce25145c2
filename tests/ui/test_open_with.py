"""The window's side of "Open with" and of a second launch: queue, upload, come forward."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget

from s3uploader_gui.ui import single_instance as si
from s3uploader_gui.ui.single_instance import LaunchRequest
from tests.helpers.files import make_jpeg

#: The offscreen platform cannot stack windows; raising is checked for real under Xvfb
#: (tests/e2e/test_open_with.py).
offscreen_raise = pytest.mark.qt_log_ignore("This plugin does not support raise")


@offscreen_raise
def test_a_later_launch_queues_uploads_and_raises_the_window(
    qtbot, window, seaweed_context, seaweed_bucket, tmp_path
) -> None:
    photo = make_jpeg(tmp_path / "Holiday" / "beach.jpg")
    notes = tmp_path / "notes.txt"
    notes.write_text("from the file manager")
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized)

    with qtbot.waitSignal(window.upload_pane.uploadsFinished, timeout=20000) as done:
        si.deliver(window, LaunchRequest((str(photo.parent), str(notes))))
    assert done.args == [2, 0]  # "Start uploading when files are added" is on by default
    assert not window.isMinimized()
    assert window.isVisible()
    client = seaweed_context.client
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=seaweed_bucket)["Contents"])
    assert keys == ["Holiday/beach.jpg", "notes.txt"]


def test_with_autostart_off_the_files_wait_in_the_queue(qtbot, window, tmp_path) -> None:
    window.upload_pane.autostart_box.setChecked(False)
    notes = tmp_path / "notes.txt"
    notes.write_text("later")
    si.queue_paths(window, [str(notes), str(tmp_path / "gone.txt")])
    queue = window.upload_pane.queue
    qtbot.waitUntil(lambda: queue.rowCount() == 2, timeout=10000)
    assert not window.upload_pane.uploading
    assert window.act_upload.isEnabled()


@offscreen_raise
def test_an_empty_request_only_raises_the_window(qtbot, window) -> None:
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized)
    si.deliver(window, LaunchRequest())
    assert not window.isMinimized()
    assert window.upload_pane.queue.rowCount() == 0
