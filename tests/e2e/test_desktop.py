"""The app used as a person does: real drags, shortcuts and the clipboard, under Xvfb."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import pytest

from tests.e2e.conftest import (
    FIRST_BROWSER_ROW_Y,
    HERE,
    RunningApp,
    Seeded,
    clipboard,
    drag,
    find_window,
    geometry,
    wait_for,
    xdotool,
)
from tests.helpers.files import make_jpeg

pytestmark = pytest.mark.xvfb


def objects_with(app: RunningApp, keys: set[str]) -> dict[str, bytes] | None:
    """The bucket's objects once all ``keys`` are there, else None."""
    objects = app.objects()
    return objects if keys <= set(objects) else None


def test_drag_files_from_another_program_uploads_them(app: RunningApp, drag_source, tmp_path):
    photo = make_jpeg(tmp_path / "files" / "sunset.jpg", (320, 200), "orange")
    notes = tmp_path / "files" / "notes.txt"
    notes.write_text("written by a person")
    press_at = drag_source(photo, notes)
    drag(press_at, app.drop_point())
    objects = wait_for(
        lambda: objects_with(app, {"sunset.jpg", "notes.txt"}),
        60,
        "the dragged files to reach the server",
    )
    assert objects["sunset.jpg"] == photo.read_bytes()
    assert objects["notes.txt"] == b"written by a person"
    head = app.context.client.head_object(Bucket=app.bucket, Key="sunset.jpg")
    assert head["ContentType"] == "image/jpeg"


def test_drag_folder_uploads_recursively(app: RunningApp, drag_source, tmp_path):
    folder = tmp_path / "Album"
    make_jpeg(folder / "a.jpg")
    make_jpeg(folder / "day two" / "b.jpg", color="green")
    (folder / "day two" / "deeper").mkdir()
    (folder / "day two" / "deeper" / "c.txt").write_text("c")
    drag(drag_source(folder), app.drop_point())
    expected = {"Album/a.jpg", "Album/day two/b.jpg", "Album/day two/deeper/c.txt"}
    objects = wait_for(
        lambda: objects_with(app, expected), 60, "the dragged folder to reach the server"
    )
    assert objects["Album/day two/deeper/c.txt"] == b"c"
    assert objects["Album/day two/b.jpg"] == (folder / "day two" / "b.jpg").read_bytes()


def _select_row_and(app: RunningApp, row: int, *keys: str) -> None:
    """Focus the browser list with a real click, go to ``row`` by keyboard, press ``keys``."""
    x, y = app.browser_point()
    xdotool("mousemove", str(x), str(y), "click", "1")
    # Select all, then End/Home: whatever the current row was, exactly row 0 ends up
    # selected (a lone Home on an already-current row selects nothing).
    app.keys("ctrl+a", "End", "Home", *(["Down"] * row), *keys)


def _link_on_clipboard(app: RunningApp, row: int, name: str) -> str:
    def attempt() -> str | None:
        _select_row_and(app, row, "ctrl+shift+c")
        text = clipboard()
        return text if text.startswith("http") and name in text else None

    return str(wait_for(attempt, 60, f"a presigned link to {name} on the clipboard"))


def test_copy_link_shortcut_and_clipboard_from_another_process(seeded: Seeded, launch):
    payload = b"bytes a browser will download " * 200
    seeded.context.client.put_object(Bucket=seeded.bucket, Key="shared/report.bin", Body=b"x")
    seeded.context.client.put_object(Bucket=seeded.bucket, Key="a-first.bin", Body=payload)
    app = launch()
    url = _link_on_clipboard(app, 1, "a-first.bin")  # folders first: row 0 is shared/
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=3600" in url
    with urllib.request.urlopen(url.strip(), timeout=10) as answer:
        assert answer.read() == payload


def test_refresh_shortcut_shows_objects_added_elsewhere(seeded: Seeded, launch):
    seeded.context.client.put_object(Bucket=seeded.bucket, Key="one.txt", Body=b"1")
    app = launch()
    _link_on_clipboard(app, 0, "one.txt")
    # Added behind the app's back: only a refresh (F5) can show it.
    app.context.client.put_object(Bucket=app.bucket, Key="two.txt", Body=b"2")

    def refreshed_link() -> str | None:
        app.keys("F5")
        _select_row_and(app, 1, "ctrl+shift+c")
        text = clipboard()
        return text if "two.txt" in text else None

    url = str(wait_for(refreshed_link, 60, "the refreshed listing"))
    with urllib.request.urlopen(url.strip(), timeout=10) as answer:
        assert answer.read() == b"2"


def test_delete_key_with_confirmation_answered_by_keyboard(seeded: Seeded, launch):
    client = seeded.context.client
    client.put_object(Bucket=seeded.bucket, Key="keep.txt", Body=b"k")
    client.put_object(Bucket=seeded.bucket, Key="remove.txt", Body=b"r")
    app = launch()
    _link_on_clipboard(app, 1, "remove.txt")  # the list is loaded and row 1 selected
    xdotool("key", "--clearmodifiers", "Delete")
    dialog = find_window("Delete", timeout=30)
    xdotool("windowfocus", "--sync", dialog)
    xdotool("key", "--clearmodifiers", "alt+y")
    wait_for(lambda: set(app.objects()) == {"keep.txt"}, 30, "remove.txt to be deleted")


def test_drag_objects_out_to_another_program(seeded: Seeded, launch, tmp_path):
    payload = b"a file dragged out of the bucket browser " * 500
    seeded.context.client.put_object(Bucket=seeded.bucket, Key="report.pdf", Body=payload)
    app = launch()
    out = tmp_path / "dropped"
    out.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    target = subprocess.Popen(
        [sys.executable, str(HERE / "drop_target.py"), "Drop Target", str(out)], env=env
    )
    try:
        tx, ty, tw, th = geometry(find_window("^Drop Target$"))
        _link_on_clipboard(app, 0, "report.pdf")  # listed, and row 0 selected
        x, y, _, _ = app.geometry()
        row = (x + app.geometry()[2] * 3 // 4, y + FIRST_BROWSER_ROW_Y)

        def dragged_out() -> bool:
            # The first drag downloads the object; the drag starts once it is on disk
            # (at once when it already is), so a second attempt may be what drops it.
            drag(row, (tx + tw // 2, ty + th // 2))
            dropped = out / "report.pdf"
            return dropped.is_file() and dropped.read_bytes() == payload

        wait_for(dragged_out, 60, "the object to be dropped on the other program")
    finally:
        target.terminate()
        target.wait(10)
