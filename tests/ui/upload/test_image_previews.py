"""Image previews in the upload pane: thumbnails, the preview panel, options, overrides."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPixmap

from s3uploader_gui.core.imaging.options import ImageOptions, MetadataPolicy, OutputFormat
from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.ui.browser.gc_policy import settle, unsettle
from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.upload.image_options import options_from_settings
from s3uploader_gui.ui.upload.queue_model import Column
from tests.helpers.images import photo
from tests.helpers.qt import GapRecorder
from tests.ui.test_main_window import drop_paths


@pytest.fixture
def offline(qtbot) -> Iterator[MainWindow]:
    """A shown main window with no connection (files stay queued)."""
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.shutdown()
    qtbot.waitUntil(lambda: win.pool.active == 0, timeout=10000)


def _decoration(win: MainWindow, row: int) -> object:
    queue = win.upload_pane.queue
    return queue.data(queue.index(row, Column.NAME), Qt.ItemDataRole.DecorationRole)


def test_200_image_drop_keeps_the_window_responsive(qtbot, offline, tmp_path: Path) -> None:
    src = photo(tmp_path / "src.jpg", (1600, 1200))
    folder = tmp_path / "Holiday"
    folder.mkdir()
    for i in range(200):
        shutil.copyfile(src, folder / f"IMG_{i:04d}.jpg")
    pane = offline.upload_pane
    # The app freezes what start-up made (app.py, ui/browser/gc_policy.py), so its
    # collections never walk it. Here what the earlier tests left in this process stands
    # for that: unfrozen, one full collection over it (over 100 ms with moto and Flask
    # loaded) lands in the window or not depending on which tests ran before.
    settle()
    try:
        with GapRecorder() as loop:
            assert drop_paths(offline, [folder])
            qtbot.waitUntil(lambda: pane.queue.rowCount() == 200, timeout=20000)
            # What scrolling through the whole queue does: every row asks for its thumbnail.
            for row in range(200):
                _decoration(offline, row)
            qtbot.waitUntil(lambda: pane.queue_thumbnails.count == 200, timeout=60000)
    finally:
        unsettle()
    assert len(loop.gaps) > 20
    assert loop.worst < 0.100, f"the event loop stalled for {loop.worst * 1000:.0f} ms"
    assert all(isinstance(_decoration(offline, r), QPixmap) for r in range(200))


def test_thumbnails_and_preview(qtbot, offline, tmp_path: Path) -> None:
    img = photo(tmp_path / "beach.jpg", (640, 480), orientation=6)
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    pane = offline.upload_pane
    assert drop_paths(offline, [img, txt])
    qtbot.waitUntil(lambda: pane.queue.rowCount() == 2, timeout=10000)
    pane.queue_view.viewport().repaint()  # painting the rows asks for their thumbnails
    qtbot.waitUntil(lambda: isinstance(_decoration(offline, 0), QPixmap), timeout=10000)
    icon = _decoration(offline, 0)
    assert icon.height() > icon.width()  # upright: the photo is portrait once turned
    assert _decoration(offline, 1) is None  # not an image

    pane.queue_view.selectRow(0)
    qtbot.waitUntil(lambda: pane.preview.info is not None, timeout=10000)
    info = pane.preview.info
    assert (info.width, info.height) == (480, 640)
    text = pane.preview.details_text()
    for expected in ("480 × 640", "JPEG", "Canon EOS R5", "2024-05-01 10:20:30", "Yes"):
        assert expected in text, text
    assert not pane.preview.picture.pixmap().isNull()
    pane.queue_view.selectRow(1)
    assert "notes.txt" in pane.preview.details_text()


def test_preview_says_what_the_upload_does(qtbot, offline, tmp_path: Path) -> None:
    img = photo(tmp_path / "beach.jpg", (640, 480), orientation=6)  # turned, with GPS
    pane = offline.upload_pane
    pane.image_options.set_options(ImageOptions())  # original size, same format, no GPS
    assert drop_paths(offline, [img])
    qtbot.waitUntil(lambda: pane.queue.rowCount() == 1, timeout=10000)
    pane.queue_view.selectRow(0)
    qtbot.waitUntil(lambda: pane.preview.changes is not None, timeout=10000)
    text = pane.preview.details_text()
    assert "Uploaded as is (GPS removed, no re-encoding)" in text, text
    assert not pane.preview.changes.will_reencode
    assert pane.preview.changes.keeps_orientation_tag

    def shows(line: str) -> bool:
        return line in pane.preview.details_text()

    pane.image_options.set_options(ImageOptions(max_edge=200))
    qtbot.waitUntil(
        lambda: shows("Resized to 200 px and re-encoded as JPEG (quality 85); GPS removed"),
        timeout=10000,
    )
    pane.image_options.set_options(ImageOptions(metadata=MetadataPolicy.KEEP))
    qtbot.waitUntil(lambda: shows("Uploaded as is"), timeout=10000)
    assert "Yes (kept)" in pane.preview.details_text()
    pane.set_item_options([0], ImageOptions(format=OutputFormat.WEBP, quality=70))
    qtbot.waitUntil(lambda: shows("Converted to WebP (quality 70); GPS removed"), timeout=10000)
    pane.image_options.set_options(ImageOptions())


def test_broken_image_preview_says_why(qtbot, offline, tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff" + b"garbage" * 10)
    pane = offline.upload_pane
    assert drop_paths(offline, [bad])
    qtbot.waitUntil(lambda: pane.queue.rowCount() == 1, timeout=10000)
    pane.queue_view.selectRow(0)
    qtbot.waitUntil(lambda: "broken.jpg is" in pane.preview.details_text(), timeout=10000)


def test_options_persist_across_windows(qtbot, offline) -> None:
    wanted = ImageOptions(
        max_edge=1280,
        format=OutputFormat.WEBP,
        quality=70,
        metadata=MetadataPolicy.STRIP_ALL,
        to_srgb=True,
        background=(10, 20, 30),
    )
    offline.upload_pane.image_options.set_options(wanted)
    assert offline.upload_pane.image_options.options() == wanted
    offline.close()
    assert options_from_settings(QSettings()) == wanted
    second = MainWindow()
    qtbot.addWidget(second)
    try:
        assert second.upload_pane.image_options.options() == wanted
        custom = ImageOptions(max_edge=777)
        second.upload_pane.image_options.set_options(custom)
        assert second.upload_pane.image_options.editor.custom_spin.isVisibleTo(second)
    finally:
        second.shutdown()
    third = MainWindow()
    qtbot.addWidget(third)
    try:
        assert third.upload_pane.image_options.options().max_edge == 777
        third.upload_pane.image_options.set_options(ImageOptions())
    finally:
        third.shutdown()


def test_per_item_override_is_used(qtbot, window, seaweed_context, seaweed_bucket, tmp_path):
    a = photo(tmp_path / "a.jpg", (800, 600))
    b = photo(tmp_path / "b.jpg", (800, 600))
    pane = window.upload_pane
    pane.image_options.set_options(ImageOptions(max_edge=200))
    pane.autostart_box.setChecked(False)
    assert drop_paths(window, [a, b])
    qtbot.waitUntil(lambda: pane.queue.rowCount() == 2, timeout=10000)
    row_b = next(r for r in range(2) if pane.queue.item(r).path.name == "b.jpg")
    pane.set_item_options([row_b], ImageOptions(max_edge=100, format=OutputFormat.PNG))
    with qtbot.waitSignal(pane.uploadsFinished, timeout=30000):
        pane.retry_and_upload()
    assert [pane.queue.item(r).status for r in range(2)] == [ItemStatus.DONE] * 2
    assert pane.queue.item(row_b).key == "b.png"
    client = seaweed_context.client

    def get(key: str) -> tuple[tuple[int, int], str]:
        answer = client.get_object(Bucket=seaweed_bucket, Key=key)
        with Image.open(io.BytesIO(answer["Body"].read())) as im:
            return im.size, answer["ContentType"]

    assert get("a.jpg") == ((200, 150), "image/jpeg")
    assert get("b.png") == ((100, 75), "image/png")
    pane.image_options.set_options(ImageOptions())


def test_the_thumbnail_warm_up_runs_one_step_per_turn_of_the_event_loop(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Importing Pillow's plugins at once froze the window for ~65 ms (cold ~100 ms) after
    start; in steps the event loop runs between them."""
    from PySide6.QtCore import QTimer

    from s3uploader_gui.ui.upload import local_thumbnails

    log: list[str] = []

    def step(name: str):
        def run() -> None:
            log.append(name)
            # Something else the event loop has to do: it must come before the next step.
            QTimer.singleShot(0, lambda: log.append(f"other after {name}"))

        return run

    monkeypatch.setattr(local_thumbnails, "_WARM_UP_STEPS", [step(n) for n in "abcd"])
    monkeypatch.setattr(local_thumbnails, "_warmed_up", False)
    local_thumbnails._warm_up_step()
    assert log == ["a"]
    qtbot.waitUntil(lambda: local_thumbnails._warmed_up, timeout=5000)
    qtbot.waitUntil(lambda: len(log) == 8, timeout=5000)
    assert log == [
        "a", "other after a", "b", "other after b", "c", "other after c", "d", "other after d"
    ]  # fmt: skip


def test_a_thumbnail_asked_for_early_finishes_the_warm_up_at_once(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from s3uploader_gui.ui.upload import local_thumbnails

    ran: list[str] = []
    monkeypatch.setattr(
        local_thumbnails, "_WARM_UP_STEPS", [lambda n=n: ran.append(n) for n in "abc"]
    )
    monkeypatch.setattr(local_thumbnails, "_warmed_up", False)
    loader = local_thumbnails.LocalThumbnailLoader()
    try:
        path = tmp_path / "a.png"
        Image.new("RGB", (40, 30), "red").save(path)
        with qtbot.waitSignal(loader.thumbnailReady, timeout=10_000):
            loader.request(path, 64)
        assert ran == ["a", "b", "c"]
        assert local_thumbnails._warmed_up
    finally:
        loader.shutdown()
