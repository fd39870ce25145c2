"""What a user sees in the list: the count while a filter is typed, and the size header
over the right-aligned sizes (a folder of mixed-case names listed in two pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from s3uploader_gui.core.s3.listing_types import BucketInfo, ObjectInfo, Page
from s3uploader_gui.ui.browser import paging
from s3uploader_gui.ui.browser.node import Column
from s3uploader_gui.ui.browser.pane import BrowserPane
from tests.ui.browser.test_paging import context, pool  # noqa: F401  (fixtures)

WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
#: One folder's keys in S3's order (bytes: every capital before any small letter).
KEYS = sorted(
    ["IMG_0002.jpg", "IMG_0001.jpg", "Zebra.txt", "apple.txt", "budget.xlsx", "img_0003.jpg"]
)
FOLDERS = sorted(["Archive/", "Invoices/", "design/"])


class MixedCaseStream:
    """The folder's listing in two pages of three keys (byte order)."""

    pages: ClassVar[list[Page]] = [
        Page(
            prefixes=FOLDERS,
            objects=[ObjectInfo(k, 10 * i, WHEN, f"e{i}") for i, k in enumerate(KEYS[:3])],
            next_token="2",
        ),
        Page(
            prefixes=[],
            objects=[ObjectInfo(k, 10 * i, WHEN, f"e{i}") for i, k in enumerate(KEYS[3:], 3)],
            next_token=None,
        ),
    ]

    def __init__(self, client: object, bucket: str, prefix: str = "", token: str | None = None,
                 **_kw: object) -> None:  # fmt: skip
        self.token = token

    def next_page(self) -> Page:
        page = self.pages[1 if self.token else 0]
        self.token = page.next_token
        return page

    def close(self) -> None:
        pass


@pytest.fixture
def pane(qtbot: Any, monkeypatch: pytest.MonkeyPatch, pool, context) -> BrowserPane:  # noqa: F811
    monkeypatch.setattr(paging, "PageStream", MixedCaseStream)
    monkeypatch.setattr(paging, "list_buckets", lambda client: [BucketInfo("b", WHEN)])
    monkeypatch.setattr(paging, "bucket_region", lambda client, name: "us-east-1")
    pane = BrowserPane(pool, QAction("Refresh"))
    qtbot.addWidget(pane)
    pane.resize(700, 500)
    pane.show()
    with qtbot.waitSignal(pane.bucketsLoaded, timeout=10000):
        pane.set_context(context)
    pane.navigate("b", "")
    node = pane.current_node
    qtbot.waitUntil(lambda: node.fetched and node.next_token is None, timeout=10000)
    qtbot.waitUntil(lambda: not pane.model.loading, timeout=10000)
    return pane


def _names(pane: BrowserPane) -> list[str]:
    proxy = pane.proxy
    return [proxy.index(r, 0).data() for r in range(proxy.rowCount())]


def test_count_says_how_many_the_filter_shows(qtbot: Any, pane: BrowserPane) -> None:
    assert pane.state_label.text() == "9 items"
    pane.filter_edit.setText("img")
    qtbot.waitUntil(lambda: pane.proxy.rowCount() == 3, timeout=5000)
    qtbot.waitUntil(lambda: pane.state_label.text() == "3 of 9 items", timeout=5000)
    pane.filter_edit.clear()
    qtbot.waitUntil(lambda: pane.state_label.text() == "9 items", timeout=5000)


def test_size_header_is_aligned_with_the_sizes(pane: BrowserPane) -> None:
    model = pane.view.model()
    right = Qt.AlignmentFlag.AlignRight
    align = model.headerData(Column.SIZE, Qt.Orientation.Horizontal,
                             Qt.ItemDataRole.TextAlignmentRole)  # fmt: skip
    cell = model.index(5, Column.SIZE).data(Qt.ItemDataRole.TextAlignmentRole)
    assert Qt.AlignmentFlag(align) & right and Qt.AlignmentFlag(cell) & right


def test_the_properties_dialog_shows_every_value_whole(qtbot) -> None:
    """The size and the location were cut off after their first line (wrapped labels in
    a form keep the height they had with "…")."""
    from s3uploader_gui.core.objects import ObjectProperties
    from s3uploader_gui.ui.browser.dialogs import PropertiesDialog

    key = "photos/2026/a rather long folder name/" + "IMG_20260101_120000-edited" * 3 + ".jpg"
    dialog = PropertiesDialog("test-bucket-with-a-long-name", key)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.set_properties(
        ObjectProperties(
            bucket="test-bucket-with-a-long-name",
            key=key,
            size=5_430_123_456,
            etag="151bfa19bc3e035d8f8f031aa656733e-12",
            content_type="image/jpeg",
            cache_control="",
            storage_class="STANDARD_IA",
            last_modified=WHEN,
        )
    )
    qtbot.waitUntil(lambda: dialog.size_label.text() != "…")
    dialog.adjustSize()
    for label in (dialog.size_label, dialog.modified_label, dialog.etag_label):
        qtbot.waitUntil(lambda label=label: label.width() >= label.sizeHint().width())
        assert label.height() >= label.sizeHint().height(), label.text()
    assert "5,430,123,456 bytes" in dialog.size_label.text()
    location = dialog.location_label
    assert location.text() == f"s3://test-bucket-with-a-long-name/{key}"
    assert location.toolTip() == location.text()
    assert location.height() >= location.sizeHint().height()
