"""What looking at the window showed (issue 16, item 8), each checked where a test can see
it: one home for Upload and Cancel, destination keys whose distinguishing end shows, a
preview whose details get the room, thumbnails in the browser's list view, a grid that
fills its width, and a window still usable at 1024 × 640."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAction, QColor, QIcon
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QToolBar, QToolButton, QWidget

from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.ui.browser.node import Column as BrowserColumn
from s3uploader_gui.ui.browser.pane import BrowserPane
from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.upload.queue_model import Column
from s3uploader_gui.ui.workers import WorkerPool
from tests.helpers.files import jpeg_bytes, make_jpeg, put_objects
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


@pytest.fixture
def browser(qtbot, seaweed_context, seaweed_bucket) -> Iterator[BrowserPane]:
    pool = WorkerPool()
    pane = BrowserPane(pool, QAction("Refresh"))
    qtbot.addWidget(pane)
    pane.resize(560, 520)
    pane.show()
    with qtbot.waitSignal(pane.bucketsLoaded, timeout=10000):
        pane.set_context(seaweed_context)
    yield pane
    pane.shutdown()
    pool.shutdown()


def toolbar_texts(win: MainWindow) -> list[str]:
    bar = win.findChild(QToolBar, "mainToolBar")
    assert bar is not None
    return [a.text() for a in bar.actions() if a.text()]


# -- Upload and Cancel: one home each ---------------------------------------------------
def test_upload_and_cancel_live_in_the_queue_footer_only(qtbot, offline):
    pane = offline.upload_pane
    texts = toolbar_texts(offline)
    for twice in ("Upload", "Cancel", "Clear finished"):
        assert twice not in texts, texts  # the queue's footer has them
    # The footer buttons are the window's actions: one enabled state, one shortcut.
    assert pane.upload_button.defaultAction() is offline.act_upload
    assert pane.cancel_button.defaultAction() is offline.act_cancel
    assert offline.act_upload.shortcut().toString() == "Ctrl+U"
    assert offline.act_cancel.shortcut().toString() == "Esc"
    assert not pane.upload_button.isEnabled()  # not connected: nothing can upload


def test_footer_upload_button_and_shortcut_start_the_queue(qtbot, window, tmp_path):
    pane = window.upload_pane
    pane.autostart_box.setChecked(False)
    drop_paths(window, [make_jpeg(tmp_path / "a.jpg"), make_jpeg(tmp_path / "b.jpg")])
    qtbot.waitUntil(lambda: pane.queue.rowCount() == 2, timeout=10000)
    qtbot.waitUntil(pane.upload_button.isEnabled, timeout=5000)
    with qtbot.waitSignal(pane.uploadsFinished, timeout=30000):
        qtbot.mouseClick(pane.upload_button, Qt.MouseButton.LeftButton)
    assert all(pane.queue.item(r).status == ItemStatus.DONE for r in range(2))
    drop_paths(window, [make_jpeg(tmp_path / "c.jpg")])
    qtbot.waitUntil(lambda: pane.queue.rowCount() == 3, timeout=10000)
    qtbot.waitUntil(pane.upload_button.isEnabled, timeout=5000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    with qtbot.waitSignal(pane.uploadsFinished, timeout=30000):
        qtbot.keyClick(window, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    pane.autostart_box.setChecked(True)


# -- the Destination column ---------------------------------------------------------------
def shown_text(view, index, width: int) -> str:
    """The text the view draws in a cell ``width`` pixels wide (after any elision)."""
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = QRect(0, 0, width, view.rowHeight(index.row()))
    delegate = view.itemDelegateForIndex(index)
    delegate.initStyleOption(option, index)
    style = view.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    return option.fontMetrics.elidedText(option.text, option.textElideMode, width - 2 * margin)


def test_destination_shows_the_end_of_the_key(qtbot, window, seaweed_bucket, tmp_path):
    pane = window.upload_pane
    pane.prefix_edit.setText("clients/2026/spring-campaign/final-selection/")
    with qtbot.waitSignal(pane.uploadsFinished, timeout=30000):
        drop_paths(
            window, [make_jpeg(tmp_path / "IMG_0001.jpg"), make_jpeg(tmp_path / "IMG_0002.jpg")]
        )
    view = pane.queue_view
    for row in range(2):
        index = pane.queue.index(row, Column.KEY)
        key = pane.queue.item(row).key
        name = key.rsplit("/", 1)[-1]
        for width in (120, 180, 260):
            text = shown_text(view, index, width)
            assert text.endswith(name), (width, text)  # the name, not "s3://u…02.jpg"
        assert shown_text(view, index, 900) == key  # room enough: the whole key
        assert index.data(Qt.ItemDataRole.ToolTipRole) == f"s3://{seaweed_bucket}/{key}"


# -- the preview panel ------------------------------------------------------------------
@pytest.mark.parametrize("size", [(1180, 720), (1024, 640)])
def test_preview_details_get_half_the_panel(qtbot, offline, tmp_path, size):
    offline.resize(*size)
    pane = offline.upload_pane
    preview = pane.preview
    qtbot.waitUntil(lambda: preview.width() > 0)
    assert preview.details.width() >= preview.width() / 2  # "No selection" hint
    pane.autostart_box.setChecked(False)
    drop_paths(offline, [make_jpeg(tmp_path / "IMG_0001.jpg", (1600, 1200))])
    qtbot.waitUntil(lambda: pane.queue.rowCount() == 1, timeout=10000)
    pane.queue_view.selectRow(0)
    qtbot.waitUntil(lambda: preview.info is not None, timeout=10000)
    qtbot.wait(50)  # the new rows are laid out
    assert preview.details.width() >= preview.width() / 2
    assert "1600 × 1200" in preview.details_text()
    # Short values stay on one line: the value column is wide enough for them.
    metrics = preview.details.fontMetrics()
    for value in preview.value_labels():
        if metrics.horizontalAdvance(value.text()) < value.width():
            assert value.height() < 2 * metrics.lineSpacing(), value.text()
    pane.autostart_box.setChecked(True)


# -- the browser's list view and grid -----------------------------------------------------
def _center_color(icon: QIcon) -> QColor:
    pixmap = icon.pixmap(24, 24)
    image = pixmap.toImage()
    return image.pixelColor(image.width() // 2, image.height() // 2)


def _is_blue(color: QColor) -> bool:
    """The colour of ``jpeg_bytes`` (the generic file icon is white and grey)."""
    return color.blue() > 200 and color.red() < 80 and color.green() < 80


def test_list_view_shows_thumbnails_of_visible_images(
    qtbot, browser, seaweed_context, seaweed_bucket
):
    images = {f"pics/img{i:03}.jpg": jpeg_bytes((120, 90)) for i in range(60)}
    put_objects(seaweed_context, seaweed_bucket, images | {"pics/readme.txt": b"hi"})
    browser.navigate(seaweed_bucket, "pics/")
    node = browser.current_node
    qtbot.waitUntil(lambda: node.fetched and not node.fetching, timeout=10000)
    browser.show_list()
    view = browser.view
    first = browser.proxy.index(0, BrowserColumn.NAME)
    generic = first.data(Qt.ItemDataRole.DecorationRole)  # before it is painted
    assert isinstance(generic, QIcon)
    view.grab()  # painting asks for the visible rows' thumbnails
    decoration = Qt.ItemDataRole.DecorationRole

    def thumbnail_shown() -> bool:
        view.grab()
        return _is_blue(_center_color(first.data(decoration)))

    qtbot.waitUntil(thumbnail_shown, timeout=15000)  # blue: the picture itself
    qtbot.waitUntil(lambda: not browser.thumbnails.busy, timeout=15000)
    assert 0 < browser.thumbnails.started < 60  # the visible rows only
    readme = browser.proxy.index(browser.proxy.rowCount() - 1, BrowserColumn.NAME)
    assert readme.data(Qt.ItemDataRole.DisplayRole) == "readme.txt"
    icon = readme.data(decoration)
    assert isinstance(icon, QIcon) and not _is_blue(_center_color(icon))  # its kind's icon
    assert view.iconSize().height() >= 20  # a thumbnail one can make out


def grid_slack(grid) -> tuple[int, int]:
    """(pixels right of the last column, columns) of the grid as laid out, not counting
    the room QListView keeps for its scroll bar."""
    model = grid.model()
    columns = len({grid.visualRect(model.index(r, 0)).x() for r in range(model.rowCount())})
    bar = grid.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, grid)
    room = grid.maximumViewportSize().width() - bar
    return room - columns * grid.gridSize().width(), columns


def test_grid_fills_its_width(qtbot, browser, seaweed_context, seaweed_bucket):
    images = {f"grid/img{i:03}.jpg": jpeg_bytes((120, 90)) for i in range(40)}
    put_objects(seaweed_context, seaweed_bucket, images)
    browser.navigate(seaweed_bucket, "grid/")
    node = browser.current_node
    qtbot.waitUntil(lambda: node.fetched and not node.fetching, timeout=10000)
    browser.show_grid()
    grid = browser.grid
    for width in (420, 560, 700, 905):
        browser.resize(width, 520)
        qtbot.waitUntil(lambda w=width: browser.width() == w)
        qtbot.wait(50)  # the delayed relayout of a resized QListView
        slack, columns = grid_slack(grid)
        assert columns >= 2
        assert 0 <= slack <= columns, (width, slack, columns)  # no empty strip
        assert grid.gridSize().width() >= grid.iconSize().width() + 16


# -- 1024 × 640 ----------------------------------------------------------------------------
def inside(widget: QWidget, window: QWidget) -> bool:
    top_left = widget.mapTo(window, QPoint(0, 0))
    return window.rect().contains(QRect(top_left, widget.size()))


def test_window_is_usable_at_1024_by_640(qtbot, offline):
    # A deep folder in a long-named bucket: its breadcrumb must not widen the window.
    crumbs = offline.browser_pane.crumbs
    crumbs.show_location("photos-of-the-studio-2026", "clients/2026/spring-campaign/final/raw/")
    offline.resize(1024, 640)
    qtbot.waitUntil(lambda: (offline.width(), offline.height()) == (1024, 640))
    qtbot.wait(50)
    assert offline.minimumSizeHint().width() <= 1024
    assert offline.minimumSizeHint().height() <= 640
    bar = offline.findChild(QToolBar, "mainToolBar")
    for action in bar.actions():
        button = bar.widgetForAction(action)
        assert button is not None and button.isVisible(), action.text()  # no "»" overflow
        assert bar.rect().contains(button.geometry()), action.text()
    pane, browser = offline.upload_pane, offline.browser_pane
    key_widgets = [
        pane.bucket_combo,
        pane.prefix_edit,
        pane.drop_area,
        pane.preview,
        pane.image_options,
        pane.autostart_box,
        pane.upload_button,
        pane.cancel_button,
        pane.total_progress,
        browser.filter_edit,
        browser.view,
    ]
    for widget in key_widgets:
        assert widget.isVisible(), widget
        assert inside(widget, offline), widget
        assert widget.width() >= widget.minimumSizeHint().width(), widget
    current = [b for b in crumbs.findChildren(QToolButton) if b.text() == "raw"]
    assert len(current) == 1 and current[0].isVisible() and inside(current[0], crumbs)
    upload, right = offline.splitter.sizes()
    assert upload >= 500 and right >= 380, (upload, right)
    assert not pane.queue_view.horizontalScrollBar().isVisible()
    assert not browser.view.horizontalScrollBar().isVisible()
    assert pane.preview.details.width() >= pane.preview.width() / 2
