"""The app used as a person does: real drags, shortcuts and the clipboard, under Xvfb."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import RunningApp, drag, wait_for
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
