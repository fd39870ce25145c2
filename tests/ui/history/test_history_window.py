"""The History window over a real SeaweedFS: uploads through the window are recorded and
shown; copy link, open in browser, download, delete, remove and clear work on them."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from s3uploader_gui.core.history import HistoryEntry, HistoryStore, default_history_path
from s3uploader_gui.core.history_thumbnails import THUMBNAIL_EDGE
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.operations.links import LinkKind
from s3uploader_gui.core.sharing import LinkFormat
from s3uploader_gui.ui.history.window import HistoryWindow
from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.upload.history_recording import notifier
from tests.helpers.files import make_random
from tests.helpers.images import photo
from tests.ui.test_main_window import drop_paths


@pytest.fixture
def clipboard():
    """The clipboard, cleared afterwards (an offscreen run crashes at exit otherwise)."""
    board = QGuiApplication.clipboard()
    yield board
    board.clear()


def upload(qtbot, win: MainWindow, paths: list[Path]) -> None:
    """Drop ``paths`` on the window and wait until the batch is in the history."""
    with qtbot.waitSignals([win.upload_pane.uploadsFinished, notifier().recorded], timeout=20000):
        assert drop_paths(win, paths)


def open_history(qtbot, win: MainWindow) -> HistoryWindow:
    assert win.act_history.shortcut().toString() == "Ctrl+H"
    win.act_history.trigger()
    history = win.history_window
    assert history is not None and history.isVisible()
    qtbot.waitExposed(history)
    return history


def row_of(history: HistoryWindow, key: str) -> int:
    model = history.model
    return next(r for r in range(model.rowCount()) if model.entry(r).key == key)


@pytest.fixture
def uploaded(
    qtbot, window: MainWindow, tmp_path: Path, seaweed_context, seaweed_bucket: str
) -> dict[str, bytes]:
    """A photo (its GPS removed on the way) and a file uploaded through the window, under
    inbox/: the objects' bytes by key."""
    window.upload_pane.prefix_edit.setText("inbox")
    photo(tmp_path / "beach.jpg", (900, 600))
    make_random(tmp_path / "data.bin", 50_000)
    upload(qtbot, window, [tmp_path / "beach.jpg", tmp_path / "data.bin"])
    client = seaweed_context.client
    return {
        key: client.get_object(Bucket=seaweed_bucket, Key=key)["Body"].read()
        for key in ("inbox/beach.jpg", "inbox/data.bin")
    }


def test_uploads_are_recorded_and_copy_link_gives_a_working_presigned_url(
    qtbot, window: MainWindow, uploaded, seaweed: LocalServerInfo, seaweed_bucket: str, clipboard
) -> None:
    history = open_history(qtbot, window)
    model = history.model
    assert {model.entry(r).key for r in range(model.rowCount())} == set(uploaded)
    assert history.count_label.text() == "2 uploads"
    beach = model.entry(row_of(history, "inbox/beach.jpg"))
    assert beach.bucket == seaweed_bucket and beach.profile == "Test SeaweedFS"
    assert beach.size == len(uploaded["inbox/beach.jpg"]) and beach.has_thumbnail
    assert beach.content_type == "image/jpeg"

    history.select_rows([row_of(history, "inbox/beach.jpg")])
    assert history.act_copy.isEnabled()
    with qtbot.waitSignal(history.commands.linkCopied, timeout=10000) as blocker:
        history.act_copy.trigger()
    url = clipboard.text()
    assert url == blocker.args[0]
    assert url.startswith(seaweed.endpoint_url) and "X-Amz-Expires=3600" in url
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == uploaded["inbox/beach.jpg"]

    # Markdown and the s3:// address, from the same menu.
    with qtbot.waitSignal(history.commands.linkCopied, timeout=10000):
        history.copy_links(LinkKind.PRESIGNED, LinkFormat.MARKDOWN)
    assert clipboard.text().startswith("![beach.jpg](" + seaweed.endpoint_url)
    history.copy_links(LinkKind.S3_URI, LinkFormat.URL)
    assert clipboard.text() == f"s3://{seaweed_bucket}/inbox/beach.jpg"

    # No secret in the history file.
    path = default_history_path()
    for f in path.parent.glob(path.name + "*"):
        assert seaweed.secret_access_key.encode() not in f.read_bytes()


def test_the_history_takes_the_queues_thumbnail_not_a_second_decode(
    qtbot, window: MainWindow, uploaded, tmp_path: Path
) -> None:
    """The batch's history thumbnail of a photo is the one in the window's thumbnail
    cache (the queue's size is the history's), so the photo is decoded once."""
    cache = window.upload_pane.thumb_loader.cache
    cached = cache.peek(tmp_path / "beach.jpg", THUMBNAIL_EDGE)
    assert cached is not None and cached.format == "JPEG"
    with HistoryStore(default_history_path()) as store:
        (entry,) = (e for e in store.query() if e.key == "inbox/beach.jpg")
        assert store.thumbnail(entry.id) == cached.data


def test_grid_search_and_a_new_batch_while_open(
    qtbot, window: MainWindow, uploaded, tmp_path: Path
) -> None:
    history = open_history(qtbot, window)
    history.show_grid()
    assert [history.model.entry(r).key for r in range(history.model.rowCount())] == [
        "inbox/beach.jpg"
    ]
    assert history.grid.isVisible()
    history.show_list()
    history.search_edit.setText("DATA")
    qtbot.waitUntil(lambda: history.model.rowCount() == 1)
    assert history.model.entry(0).key == "inbox/data.bin"
    history.search_edit.clear()
    qtbot.waitUntil(lambda: history.model.rowCount() == 2)

    (tmp_path / "late.txt").write_text("late")
    upload(qtbot, window, [tmp_path / "late.txt"])
    assert history.model.rowCount() == 3
    assert history.model.entry(0).key == "inbox/late.txt"  # newest first


def test_open_in_browser_selects_the_object(
    qtbot, window: MainWindow, uploaded, seaweed_bucket: str
) -> None:
    window.browser_pane.navigate("")  # somewhere else first
    history = open_history(qtbot, window)
    history.select_rows([row_of(history, "inbox/data.bin")])
    assert history.act_open.isEnabled()
    history.act_open.trigger()
    reveal = history.commands._reveal
    assert reveal is not None
    qtbot.waitUntil(
        lambda: window.browser_pane.selected_objects() == [(seaweed_bucket, "inbox/data.bin")],
        timeout=10000,
    )
    assert window.browser_pane.location == (seaweed_bucket, "inbox/")

    # A folder listed before the object arrived is listed again to find it.
    window.browser_pane.navigate("")
    with HistoryStore() as store:
        store.record(
            [HistoryEntry(seaweed_bucket, "inbox/gone.txt", 1, 3e9, profile="Test SeaweedFS")]
        )
    history.model.reload()
    history.select_rows([row_of(history, "inbox/gone.txt")])
    with qtbot.waitSignal(reveal.notFound, timeout=10000) as blocker:
        history.act_open.trigger()
    assert blocker.args == [seaweed_bucket, "inbox/gone.txt"]
    assert "not in the bucket any more" in history.status_label.text()


def test_download_delete_remove_and_clear(
    qtbot, window: MainWindow, uploaded, seaweed_context, seaweed_bucket: str, tmp_path: Path
) -> None:
    history = open_history(qtbot, window)
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "data.bin").write_bytes(b"mine")  # kept: the download goes beside it
    history.choose_folder = lambda: dest
    history.select_rows([row_of(history, "inbox/data.bin")])
    with qtbot.waitSignal(history.commands.done, timeout=20000) as blocker:
        history.act_download.trigger()
    assert blocker.args == ["download"]
    assert (dest / "data.bin").read_bytes() == b"mine"
    assert (dest / "data (1).bin").read_bytes() == uploaded["inbox/data.bin"]

    # Delete: asked first; "no" leaves everything as it was.
    questions: list[str] = []
    history.confirm = lambda title, text: questions.append(text) or False
    history.act_delete.trigger()
    assert "Delete 1 object from the bucket?" in questions[0]
    seaweed_context.client.head_object(Bucket=seaweed_bucket, Key="inbox/data.bin")
    history.confirm = lambda title, text: True
    with qtbot.waitSignal(history.commands.done, timeout=20000) as blocker:
        history.act_delete.trigger()
    assert blocker.args == ["delete"]
    listed = seaweed_context.client.list_objects_v2(Bucket=seaweed_bucket, Prefix="inbox/")
    assert [o["Key"] for o in listed["Contents"]] == ["inbox/beach.jpg"]
    assert [history.model.entry(r).key for r in range(history.model.rowCount())] == [
        "inbox/beach.jpg"
    ]

    # Remove from history: the object stays.
    history.select_rows([0])
    history.act_remove.trigger()
    assert history.model.rowCount() == 0
    seaweed_context.client.head_object(Bucket=seaweed_bucket, Key="inbox/beach.jpg")

    # Clear, asked first; and the history stays cleared after a restart.
    with HistoryStore() as store:
        store.record([HistoryEntry(seaweed_bucket, "x.txt", 1, 1.0, profile="Test SeaweedFS")])
    history.model.reload()
    history.confirm = lambda title, text: False
    history.act_clear.trigger()
    assert history.model.rowCount() == 1
    history.confirm = lambda title, text: True
    history.act_clear.trigger()
    assert history.model.rowCount() == 0
    history.close()
    with HistoryStore() as store:
        assert store.count() == 0


def test_entries_of_another_profile_say_which_to_choose(
    qtbot, window: MainWindow, seaweed_bucket: str, clipboard
) -> None:
    with HistoryStore() as store:
        store.record([HistoryEntry(seaweed_bucket, "old.jpg", 1, 1.0, profile="Wasabi")])
    history = open_history(qtbot, window)
    history.select_rows([0])
    clipboard.setText("before")
    history.act_copy.trigger()
    assert clipboard.text() == "before"
    assert "“Wasabi”" in history.status_label.text()
    history.act_open.trigger()
    assert "choose that profile to open it" in history.status_label.text()


def test_history_survives_closing_and_reopening(qtbot, window: MainWindow, uploaded) -> None:
    history = open_history(qtbot, window)
    assert open_history(qtbot, window) is history  # Ctrl+H again: the same window
    history.close()
    qtbot.waitUntil(lambda: not history.isVisible())
    again = open_history(qtbot, window)
    assert again.model.rowCount() == 2
