"""The history's lazy model: a page at a time from SQLite, searched and sorted in SQL,
consistent by ``qtmodeltester``'s checks."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QIcon

from s3uploader_gui.core.history import HistoryEntry, HistoryStore
from s3uploader_gui.ui.history.model import ENTRY_ROLE, Column, HistoryModel


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def store(tmp_path: Path):
    with HistoryStore(tmp_path / "h.sqlite3") as s:
        yield s


def _fill(store: HistoryStore, n: int) -> None:
    thumb = _jpeg()
    store.record(
        HistoryEntry(
            bucket="pics" if i % 2 else "docs",
            key=f"folder/{i:06d}.{'jpg' if i % 2 else 'txt'}",
            size=i,
            time=1_700_000_000.0 + i // 3,
            content_type="image/jpeg" if i % 2 else "text/plain",
            profile="Test",
            thumbnail=thumb if i % 2 else None,
        )
        for i in range(n)
    )


def test_qtmodeltester(qtmodeltester: Any, store: HistoryStore) -> None:
    """Qt's own checker (C++), which follows every page, search, order and reset."""
    _fill(store, 45)
    model = HistoryModel(store, page_size=10)
    qtmodeltester.check(model)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 45
    model.set_search("pics")
    assert model.rowCount() == 10 and model.canFetchMore(QModelIndex())
    model.sort(Column.UPLOADED, Qt.SortOrder.AscendingOrder)
    model.set_images_only(True)
    store.record([HistoryEntry("pics", "new.jpg", 1, 2e9, content_type="image/jpeg")])
    model.reload()
    assert model.entry(model.rowCount() - 1).key != "new.jpg"


def test_qtmodeltester_python_checks_every_page(qtmodeltester: Any, store: HistoryStore) -> None:
    """pytest-qt's Python checker, through every page and a search."""
    _fill(store, 45)
    model = HistoryModel(store, page_size=10)
    qtmodeltester.check(model, force_py=True)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 45
    assert len({model.entry(r).id for r in range(45)}) == 45
    model.set_search("docs")
    assert model.rowCount() == 10


def test_100_000_entries_open_with_one_page(store: HistoryStore) -> None:
    _fill(store, 100_000)
    model = HistoryModel(store, page_size=200)
    assert model.rowCount() <= 200
    assert model.canFetchMore(QModelIndex())
    assert model.entry(0).key == "folder/099999.jpg"  # newest first
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 400
    keys = [model.entry(r).key for r in range(400)]
    assert len(set(keys)) == 400 and keys == sorted(keys, reverse=True)
    assert model.total() == 100_000

    model.set_search("folder/0999")
    assert model.rowCount() == 100 and not model.canFetchMore(QModelIndex())
    model.set_search("")
    model.set_images_only(True)
    assert all(model.entry(r).is_image for r in range(model.rowCount()))
    assert model.total() == 50_000

    model.sort(Column.UPLOADED, Qt.SortOrder.AscendingOrder)
    assert model.entry(0).key == "folder/000001.jpg"
    model.sort(Column.NAME, Qt.SortOrder.DescendingOrder)  # only time sorts: kept
    assert model.entry(0).key == "folder/000001.jpg"


def test_rows_show_the_entry(store: HistoryStore) -> None:
    _fill(store, 2)
    model = HistoryModel(store)
    image, text = model.entry(0), model.entry(1)
    assert image.key == "folder/000001.jpg" and text.key == "folder/000000.txt"

    def cell(row: int, column: Column, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return model.data(model.index(row, column), role)

    assert cell(0, Column.NAME) == "000001.jpg"
    assert cell(0, Column.LOCATION) == "s3://pics/folder/"
    assert cell(0, Column.SIZE) == "1 B"
    assert cell(0, Column.PROFILE) == "Test"
    assert cell(0, Column.NAME, ENTRY_ROLE) == image
    assert "s3://pics/folder/000001.jpg" in cell(0, Column.NAME, Qt.ItemDataRole.ToolTipRole)
    thumb = cell(0, Column.NAME, Qt.ItemDataRole.DecorationRole)
    assert isinstance(thumb, QIcon) and thumb.availableSizes()[0].width() == 40  # squared
    generic = cell(1, Column.NAME, Qt.ItemDataRole.DecorationRole)
    assert isinstance(generic, QIcon) and not generic.isNull()
    assert thumb.cacheKey() != generic.cacheKey()
