"""A real X window (Xvfb): the main window after an upload, saved as a screenshot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication, QImage

from tests.helpers.files import make_jpeg
from tests.ui.test_main_window import drop_paths, wait_for_node

pytestmark = pytest.mark.xvfb


def _distinct_colors(image: QImage, step: int = 7) -> int:
    colors = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            colors.add(image.pixel(x, y))
    return len(colors)


def test_main_window_screenshot(qtbot, window, seaweed_bucket, tmp_path):
    assert QGuiApplication.platformName() == "xcb", "run under xvfb-run with QT_QPA_PLATFORM=xcb"
    photos = tmp_path / "Holiday"
    for i, color in enumerate(["tomato", "gold", "seagreen", "steelblue", "orchid"]):
        make_jpeg(photos / f"IMG_{i:04}.jpg", (800, 600), color)
    window.upload_pane.prefix_edit.setText("2026/")
    with qtbot.waitSignal(window.upload_pane.uploadsFinished, timeout=30000):
        assert drop_paths(window, [photos])
    node = wait_for_node(qtbot, window, seaweed_bucket, "2026/Holiday/IMG_0004.jpg")
    pane = window.browser_pane
    pane.navigate(seaweed_bucket, "2026/Holiday/")
    pane.show_grid()
    pane.select_nodes([node])
    pane.grid.grab()  # paint once: the visible cells ask for their thumbnails
    qtbot.waitUntil(lambda: pane.thumbnails.started > 0 and not pane.thumbnails.busy)
    qtbot.wait(300)  # let the X server paint before grabbing (black frame otherwise)

    out_dir = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "main-window.png"
    pixmap = window.grab()
    assert pixmap.save(str(target))
    image = QImage(str(target))
    assert image.width() >= 1000 and image.height() >= 600
    assert _distinct_colors(image) > 20, "the screenshot is blank"
    screen = window.screen().grabWindow(window.winId())
    assert not screen.isNull()
    assert _distinct_colors(screen.toImage()) > 20, "the real X window is blank"
