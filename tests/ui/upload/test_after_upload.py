"""*After upload: copy link*: when a batch ends, the links of the files it uploaded are on
the clipboard, one per line in queue order, and the status bar says so (SeaweedFS)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtGui import QGuiApplication

from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.sharing_settings import AFTER_UPLOAD_KEY, LINK_EXPIRY_KEY
from tests.helpers.files import make_jpeg, make_random
from tests.ui.conftest import seaweed_connection


@pytest.fixture(autouse=True)
def clear_clipboard(qapp) -> Iterator[None]:
    """Data left on the clipboard crashes the offscreen platform at exit (RECIPES 1)."""
    QGuiApplication.clipboard().clear()
    yield
    QGuiApplication.clipboard().clear()


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        data: bytes = answer.read()
    return data


def _files(folder: Path) -> list[Path]:
    """Three files whose names sort apart from their queue order."""
    notes = folder / "notes.txt"
    folder.mkdir(parents=True, exist_ok=True)
    notes.write_text("notes")
    return [make_random(folder / "z-last.bin", 200_000), notes, make_jpeg(folder / "a.jpg")]


def _upload(qtbot, window: MainWindow, files: list[Path]) -> None:
    with qtbot.waitSignal(window.upload_pane.uploadsFinished, timeout=20000):
        window.upload_pane.add_paths(files)


def _clipboard_lines(qtbot, count: int) -> list[str]:
    clipboard = QGuiApplication.clipboard()
    qtbot.waitUntil(lambda: len(clipboard.text().splitlines()) == count, timeout=10000)
    return clipboard.text().splitlines()


def test_presigned_links_of_the_batch_are_copied_in_queue_order(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    window.settings.setValue(AFTER_UPLOAD_KEY, "presigned")
    window.settings.setValue(LINK_EXPIRY_KEY, 86400)
    files = _files(tmp_path)
    _upload(qtbot, window, files)
    lines = _clipboard_lines(qtbot, 3)
    for line, path in zip(lines, files, strict=True):
        assert urlsplit(line).path.endswith("/" + path.name)
        assert parse_qs(urlsplit(line).query)["X-Amz-Expires"] == ["86400"]  # the default
        assert _fetch(line) == path.read_bytes()
    assert window.statusBar().currentMessage().startswith("Copied 3 links. ")


def test_only_the_files_of_the_last_batch_are_copied(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    window.settings.setValue(AFTER_UPLOAD_KEY, "presigned")
    first, *rest = _files(tmp_path)
    _upload(qtbot, window, [first])
    assert len(_clipboard_lines(qtbot, 1)) == 1
    _upload(qtbot, window, rest)
    lines = _clipboard_lines(qtbot, 2)
    assert [urlsplit(line).path.rsplit("/", 1)[-1] for line in lines] == ["notes.txt", "a.jpg"]


def test_markdown_lines_embed_images_and_link_the_rest(
    qtbot, window: MainWindow, seaweed_context: S3Context, tmp_path: Path
) -> None:
    window.settings.setValue(AFTER_UPLOAD_KEY, "markdown")
    files = _files(tmp_path)
    _upload(qtbot, window, files)
    bin_line, notes_line, image_line = _clipboard_lines(qtbot, 3)
    endpoint = seaweed_context.settings.endpoint_url
    assert bin_line.startswith(f"[z-last.bin]({endpoint}/")
    assert notes_line.startswith(f"[notes.txt]({endpoint}/")
    assert image_line.startswith(f"![a.jpg]({endpoint}/")
    assert _fetch(image_line[len("![a.jpg](") : -1]) == files[2].read_bytes()


def test_html_and_public_url_use_the_profile_s_public_address(
    qtbot, window: MainWindow, seaweed: LocalServerInfo, seaweed_bucket: str, tmp_path: Path
) -> None:
    connection = seaweed_connection(seaweed, seaweed_bucket)
    assert connection.profile is not None
    profile = replace(connection.profile, public_base_url="https://cdn.example/pics")
    with qtbot.waitSignal(window.browser_pane.model.bucketsLoaded, timeout=10000):
        window.session.use_connection(replace(connection, profile=profile))
    window.upload_pane.bucket_combo.setCurrentText(seaweed_bucket)
    window.settings.setValue(AFTER_UPLOAD_KEY, "html")
    photo = make_jpeg(tmp_path / "a b.jpg")
    _upload(qtbot, window, [photo])
    assert _clipboard_lines(qtbot, 1) == [
        '<img src="https://cdn.example/pics/a%20b.jpg" alt="a b.jpg">'
    ]
    window.settings.setValue(AFTER_UPLOAD_KEY, "url")
    QGuiApplication.clipboard().clear()
    _upload(qtbot, window, [make_jpeg(tmp_path / "c.jpg")])
    assert _clipboard_lines(qtbot, 1) == ["https://cdn.example/pics/c.jpg"]


def test_off_leaves_the_clipboard_alone(qtbot, window: MainWindow, tmp_path: Path) -> None:
    QGuiApplication.clipboard().setText("mine")
    _upload(qtbot, window, [make_jpeg(tmp_path / "a.jpg")])
    qtbot.wait(200)  # links would be made on a worker: give one the time to answer
    assert QGuiApplication.clipboard().text() == "mine"


def test_in_the_background_a_notification_says_so(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.settings.setValue(AFTER_UPLOAD_KEY, "presigned")
    monkeypatch.setattr(window, "isActiveWindow", lambda: False)
    with qtbot.waitSignal(window.notified, timeout=20000) as blocker:
        window.upload_pane.add_paths([make_jpeg(tmp_path / "a.jpg")])
    title, text = blocker.args
    assert title == "Links copied" and text.startswith("Copied 1 link. ")
    assert len(QGuiApplication.clipboard().text().splitlines()) == 1


def test_in_front_no_notification(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.settings.setValue(AFTER_UPLOAD_KEY, "presigned")
    monkeypatch.setattr(window, "isActiveWindow", lambda: True)
    notified: list[tuple[str, str]] = []
    window.notified.connect(lambda *args: notified.append(args))
    _upload(qtbot, window, [make_jpeg(tmp_path / "a.jpg")])
    _clipboard_lines(qtbot, 1)
    assert notified == []


def test_the_preference_is_chosen_in_the_dialog(qtbot, window: MainWindow) -> None:
    window.show_preferences()
    dialog = window.preferences_dialog
    assert dialog is not None
    combo = dialog.after_upload_combo
    assert combo.currentData() == "off"
    combo.setCurrentIndex(combo.findData("markdown"))
    dialog.accept()
    assert window.settings.value(AFTER_UPLOAD_KEY) == "markdown"
