"""Paging a big folder into the browser: what each page costs the GUI thread, the flat
folder model behind the views, pipelined listing streams, and the rows' memory.

The listing itself is replaced by a fake stream (no server): these tests count what the
views and models do, which does not depend on timing.
"""

from __future__ import annotations

import collections
import datetime as dt
import gc
import sys
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction

from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.listing_types import BucketInfo, ObjectInfo, Page
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.ui.browser import folder_model, paging, views
from s3uploader_gui.ui.browser.folder_model import FolderModel
from s3uploader_gui.ui.browser.node import Column, Kind, Node
from s3uploader_gui.ui.browser.pane import BrowserPane
from s3uploader_gui.ui.workers import WorkerPool

PAGE = 1000
TOTAL = 20 * PAGE
WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


class FakeStream:
    """Pages of TOTAL keys under ``prefix``, like ``PageStream`` (no network)."""

    made: ClassVar[list[FakeStream]] = []

    def __init__(self, client: object, bucket: str, prefix: str = "", token: str | None = None,
                 *, page_size: int = 1000, **_kw: object) -> None:  # fmt: skip
        self.prefix = prefix
        self.token = token
        self.page_size = page_size
        self.done = False
        self.closed = False
        self.pages = 0
        FakeStream.made.append(self)

    def next_page(self) -> Page:
        assert not self.closed and not self.done
        start = int(self.token or 0)
        end = min(TOTAL, start + self.page_size)
        objects = [
            ObjectInfo(f"{self.prefix}obj-{i:06}.txt", i % 997, WHEN, f"e{i}")
            for i in range(start, end)
        ]
        folders = [f"{self.prefix}dir{i}/" for i in range(3)] if start == 0 else []
        self.token = str(end) if end < TOTAL else None
        self.done = self.token is None
        self.pages += 1
        return Page(prefixes=folders, objects=objects, next_token=self.token)

    def close(self) -> None:
        self.closed = True


class Calls:
    """Counts every call Qt makes into the browser's Python models and delegates."""

    METHODS: ClassVar[dict[type, tuple[str, ...]]] = {
        paging.BucketModel: (
            "index", "parent", "data", "flags", "rowCount", "columnCount", "hasChildren",
            "canFetchMore", "headerData",
        ),
        folder_model.FolderModel: (
            "index", "data", "flags", "rowCount", "columnCount", "hasChildren", "canFetchMore",
            "headerData",
        ),
        folder_model.BrowserFilterModel: ("canFetchMore", "_accepts_row"),
        views.NodeDelegate: ("initStyleOption",),
    }  # fmt: skip

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        for cls, names in self.METHODS.items():
            for name in names:
                monkeypatch.setattr(cls, name, self._counting(cls, name))

    def _counting(self, cls: type, name: str) -> Any:
        original = getattr(cls, name)
        key = f"{cls.__name__}.{name}"

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.counts[key] += 1
            return original(*args, **kwargs)

        return counted

    def total(self) -> int:
        return sum(self.counts.values())


@pytest.fixture
def fake_listing(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeStream]]:
    FakeStream.made = []
    monkeypatch.setattr(paging, "PageStream", FakeStream)
    monkeypatch.setattr(paging, "list_buckets", lambda client: [BucketInfo("b", WHEN)])
    monkeypatch.setattr(paging, "bucket_region", lambda client, name: "us-east-1")
    yield FakeStream


@pytest.fixture
def context() -> S3Context:
    # Never contacted: the listing is faked.
    return S3Context(
        ConnectionSettings(
            endpoint_url="http://127.0.0.1:9",
            region="us-east-1",
            access_key_id="unused",
            secret_access_key="unused",
            addressing_style="path",
        )
    )


@pytest.fixture
def pool(qtbot: Any) -> Iterator[WorkerPool]:
    p = WorkerPool()
    yield p
    p.shutdown()


def _pane(qtbot: Any, pool: WorkerPool, context: S3Context) -> BrowserPane:
    pane = BrowserPane(pool, QAction("Refresh"))
    qtbot.addWidget(pane)
    pane.resize(760, 520)
    pane.show()
    with qtbot.waitSignal(pane.bucketsLoaded, timeout=10000):
        pane.set_context(context)
    return pane


def _next_page(qtbot: Any, pane: BrowserPane, node: Node) -> None:
    """What a user scrolling to the end does; returns once the page is shown."""
    before = len(node.children)
    pane.active_view.scrollToBottom()
    qtbot.waitUntil(lambda: len(node.children) > before, timeout=10000)
    pane.active_view.viewport().repaint()


@pytest.mark.parametrize("grid", [False, True], ids=["list", "grid"])
def test_a_page_costs_the_gui_the_same_at_2000_and_at_20000_rows(
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
    fake_listing: type[FakeStream],
    pool: WorkerPool,
    context: S3Context,
    grid: bool,
) -> None:
    calls = Calls(monkeypatch)
    pane = _pane(qtbot, pool, context)
    if grid:
        pane.show_grid()
    resets: list[str] = []
    for signal in ("modelReset", "layoutChanged"):
        getattr(pane.proxy, signal).connect(lambda *_a, s=signal: resets.append(s))
    pane.navigate("b", "many/")
    node = pane.current_node
    qtbot.waitUntil(lambda: node.fetched, timeout=10000)
    resets.clear()
    per_page: list[int] = []
    while node.next_token is not None:
        before = calls.total()
        _next_page(qtbot, pane, node)
        per_page.append(calls.total() - before)
    assert len(node.children) == TOTAL + 3
    # Every page is inserted where it belongs, never by a reset or a re-sort.
    assert resets == []
    assert [n.name for n in node.children[:4]] == ["dir0", "dir1", "dir2", "obj-000000.txt"]
    # A QTreeView, or a view rooted below the proxy's top level, called into Python for
    # every loaded row on every page: 40,000-80,000 calls at 20,000 rows.
    early, late = max(per_page[:3]), max(per_page[-3:])
    assert late < 3000, (per_page, calls.counts)
    assert late < 2 * early + 500, per_page


def test_without_a_filter_a_page_calls_no_python_filter_per_row(
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
    fake_listing: type[FakeStream],
    pool: WorkerPool,
    context: S3Context,
) -> None:
    """Qt asks the proxy's filter about every row of every page inserted: with no filter
    text that question never reaches Python (each call waited for the GIL, which the
    worker listing the next page holds); with text, the rows are filtered."""
    asked: list[int] = []
    cls = folder_model.BrowserFilterModel
    for name in ("filterAcceptsRow", "_accepts_row"):
        if name in vars(cls):
            real = vars(cls)[name]

            def counted(self: Any, row: int, parent: Any, real: Any = real) -> bool:
                asked.append(row)
                return bool(real(self, row, parent))

            monkeypatch.setattr(cls, name, counted)
    pane = _pane(qtbot, pool, context)
    pane.navigate("b", "many/")
    node = pane.current_node
    qtbot.waitUntil(lambda: node.fetched, timeout=10000)
    _next_page(qtbot, pane, node)
    assert asked == []
    pane.proxy.set_filter_text("OBJ-00000")
    assert pane.proxy.rowCount() == 10
    assert asked
    pane.proxy.set_filter_text("")
    assert pane.proxy.rowCount() == len(node.children)
    asked.clear()
    _next_page(qtbot, pane, node)
    assert asked == []
    assert pane.proxy.rowCount() == len(node.children)


def test_folder_model_follows_the_tree(
    qtbot: Any,
    qtmodeltester: Any,
    fake_listing: type[FakeStream],
    pool: WorkerPool,
    context: S3Context,
) -> None:
    pane = _pane(qtbot, pool, context)
    pane.model.page_size = size = 50  # the tester checks every row on every change
    folder: FolderModel = pane.proxy.folder
    qtmodeltester.check(folder, force_py=True)
    pane.navigate("b", "many/")
    node = pane.current_node
    qtbot.waitUntil(lambda: node.fetched, timeout=10000)
    for _ in range(3):
        _next_page(qtbot, pane, node)
    # (a small folder on screen goes on paging by itself: its last row shows)
    assert folder.node is node and folder.rowCount() == len(node.children) >= 3 + 4 * size
    assert folder.index(0, 0).data() == "dir0"
    assert not folder.index(0, 0, folder.index(0, 0)).isValid()  # flat
    # Sorting keeps the selection on its nodes.
    picked = [node.children[5], node.children[170]]
    pane.select_nodes(picked)
    pane.sort(Column.SIZE, Qt.SortOrder.DescendingOrder)
    assert sorted(pane.selected_nodes(), key=id) == sorted(picked, key=id)
    sizes = [n.size for n in node.children if n.kind == Kind.OBJECT]
    assert sizes == sorted(sizes, reverse=True)
    assert [folder.index(r, 0).data() for r in range(3)] == ["dir2", "dir1", "dir0"]
    # Filtering happens in the proxy; the folder model keeps every row.
    pane.proxy.set_filter_text("OBJ-00000")
    assert pane.proxy.rowCount() == 10 and folder.rowCount() == len(node.children)
    pane.proxy.set_filter_text("")
    # Data changes of the shown rows are forwarded.
    changed: list[int] = []
    folder.dataChanged.connect(lambda tl, br, roles: changed.append(tl.row()))
    pane.model.notify_thumbnail(node.children[4])
    assert changed == [4]
    # Another folder: a reset; removing the shown folder: back to the top level.
    dir0 = node.children[0]
    pane.navigate("b", dir0.key)
    qtbot.waitUntil(lambda: dir0.fetched, timeout=10000)
    assert folder.node is dir0 and folder.rowCount() == len(dir0.children) >= 3 + size
    pane.model.remove_node(dir0)
    assert folder.node is pane.model.root and folder.rowCount() == 1
    assert folder.index(0, 0).data() == "b"
    assert pane.proxy.node(QModelIndex()) is pane.model.root


def test_one_stream_per_shown_listing_closed_when_left(
    qtbot: Any, fake_listing: type[FakeStream], pool: WorkerPool, context: S3Context
) -> None:
    pane = _pane(qtbot, pool, context)
    pane.navigate("b", "many/")
    node = pane.current_node
    qtbot.waitUntil(lambda: node.fetched, timeout=10000)
    _next_page(qtbot, pane, node)
    _next_page(qtbot, pane, node)
    (stream,) = fake_listing.made  # every page of the listing came through one stream
    assert stream.pages == 3 and not stream.closed
    pane.navigate("b", "")  # the folder is no longer shown: its connection is let go
    assert stream.closed
    bucket = pane.current_node
    qtbot.waitUntil(lambda: bucket.fetched, timeout=10000)
    pane.navigate("b", "many/")  # back: a new stream goes on from where paging stopped
    _next_page(qtbot, pane, node)
    assert fake_listing.made[-1].prefix == "many/" and fake_listing.made[-1].pages == 1
    assert len(node.children) == 3 + 4 * PAGE


def test_rows_are_not_walked_by_the_gc_and_are_freed_with_their_folder(
    qtbot: Any, fake_listing: type[FakeStream], pool: WorkerPool, context: S3Context
) -> None:
    pane = _pane(qtbot, pool, context)
    pane.navigate("b", "many/")
    node = pane.current_node
    qtbot.waitUntil(lambda: node.fetched, timeout=10000)
    for _ in range(3):
        _next_page(qtbot, pane, node)
    row = node.children[500]
    assert row.kind == Kind.OBJECT
    # Once a page is in, a full collection walks neither the rows nor what was alive
    # before (gc.get_objects() lists what collections walk): with 4,000 rows loaded it
    # would walk them all, and the test process's own objects (10,000s) besides.
    walked = gc.get_objects()
    assert len(walked) < PAGE, len(walked)
    assert not any(o is row or o is node for o in walked)
    assert gc.get_freeze_count() > len(node.children)
    held = sys.getrefcount(row)
    pane.navigate("b", "")
    pane.model.remove_node(node)
    # Only this test's own references are left: the folder let go of its rows.
    assert sys.getrefcount(row) == held - 1
    assert node.children == []
    del walked
    # Leaving the connection gives everything back to the collector.
    pane.set_context(None)
    assert gc.get_freeze_count() == 0
