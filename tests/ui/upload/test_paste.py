"""Edit → Paste (Ctrl+V) uploads what the clipboard holds: a picture as a PNG named by the
template, file URLs as those files; a text field keeps its own Ctrl+V (SeaweedFS)."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QLineEdit

from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.sharing_settings import PASTE_TEMPLATE_KEY
from tests.helpers.files import make_jpeg
from tests.helpers.images import decode

DEFAULT_NAME = re.compile(r"\d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d( \(\d+\))?\.png")
NOTHING = "Nothing to upload on the clipboard"


@pytest.fixture(autouse=True)
def clear_clipboard(qapp) -> Iterator[None]:
    """Data left on the clipboard crashes the offscreen platform at exit (RECIPES 1)."""
    QGuiApplication.clipboard().clear()
    yield
    QGuiApplication.clipboard().clear()


def picture(path: Path, size: tuple[int, int] = (61, 37)) -> Image.Image:
    """An RGB picture whose every pixel differs from its neighbours, saved as PNG."""
    w, h = size
    im = Image.new("RGB", size)
    im.putdata([(x * 4 % 256, y * 7 % 256, (x * y) % 256) for y in range(h) for x in range(w)])
    im.save(path, "PNG")
    return im


def pixels(im: Image.Image) -> list[tuple[int, ...]]:
    return list(zip(*(band.tobytes() for band in im.convert("RGB").split()), strict=True))


def stored(context: S3Context, bucket: str) -> dict[str, bytes]:
    client = context.client
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def wait_for_objects(qtbot, context: S3Context, bucket: str, count: int) -> dict[str, bytes]:
    found: dict[str, bytes] = {}

    def enough() -> bool:
        found.update(stored(context, bucket))
        return len(found) >= count

    qtbot.waitUntil(enough, timeout=20000)
    return found


def test_pasted_picture_is_uploaded_as_png_named_by_the_template(
    qtbot, window: MainWindow, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    original = picture(tmp_path / "shot.png")
    QGuiApplication.clipboard().setImage(QImage(str(tmp_path / "shot.png")))
    with qtbot.waitSignal(window.upload_pane.uploadsFinished, timeout=20000):
        window.act_paste.trigger()
    objects = stored(seaweed_context, seaweed_bucket)
    assert len(objects) == 1
    key, body = next(iter(objects.items()))
    assert DEFAULT_NAME.fullmatch(key), key
    uploaded = decode(body)
    assert uploaded.format == "PNG" and uploaded.size == original.size
    assert pixels(uploaded) == pixels(original)
    head = seaweed_context.client.head_object(Bucket=seaweed_bucket, Key=key)
    assert head["ContentType"] == "image/png"
    # Uploaded: the private copy is gone; the private folder itself goes at quit.
    folder = window.paster.folder.path()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    qtbot.waitUntil(lambda: not list(folder.glob("*.png")), timeout=5000)
    window.shutdown()
    assert not folder.exists()


def test_ctrl_v_on_the_window_pastes_a_picture(
    qtbot, window: MainWindow, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    picture(tmp_path / "shot.png")
    QGuiApplication.clipboard().setImage(QImage(str(tmp_path / "shot.png")))
    window.upload_pane.queue_view.setFocus()
    with qtbot.waitSignal(window.upload_pane.uploadsFinished, timeout=20000):
        qtbot.keyClick(
            window.upload_pane.queue_view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier
        )
    assert len(stored(seaweed_context, seaweed_bucket)) == 1


def test_ctrl_v_in_a_text_field_pastes_the_text_there(
    qtbot, window: MainWindow, seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    QGuiApplication.clipboard().setText("holiday/")
    edit = window.upload_pane.prefix_edit
    assert isinstance(edit, QLineEdit)
    edit.clear()
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert edit.text() == "holiday/"
    assert NOTHING not in window.statusBar().currentMessage()
    # The menu's Paste, chosen while the field has the focus, pastes there too.
    window.act_paste.trigger()
    assert edit.text() == "holiday/holiday/"
    assert window.upload_pane.queue.rowCount() == 0


def test_file_urls_on_the_clipboard_queue_those_files(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    pane = window.upload_pane
    pane.autostart_box.setChecked(False)
    files = [make_jpeg(tmp_path / "a.jpg"), tmp_path / "notes.txt"]
    files[1].write_text("notes")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files])
    QGuiApplication.clipboard().setMimeData(mime)
    window.act_paste.trigger()
    qtbot.waitUntil(lambda: pane.queue.rowCount() == 2, timeout=10000)
    assert [pane.queue.item(r).path for r in range(2)] == files
    assert all(pane.queue.item(r).status == ItemStatus.QUEUED for r in range(2))


def test_file_uris_as_plain_text_queue_those_files(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    pane = window.upload_pane
    pane.autostart_box.setChecked(False)
    photo = make_jpeg(tmp_path / "copied as text.jpg")
    QGuiApplication.clipboard().setText(photo.as_uri() + "\n")
    window.act_paste.trigger()
    qtbot.waitUntil(lambda: pane.queue.rowCount() == 1, timeout=10000)
    assert pane.queue.item(0).path == photo


@pytest.mark.parametrize("text", ["just some words", "https://example.com/a.png", None])
def test_other_text_says_there_is_nothing_to_upload(
    qtbot, window: MainWindow, text: str | None
) -> None:
    if text is not None:
        QGuiApplication.clipboard().setText(text)
    window.upload_pane.queue_view.setFocus()
    window.act_paste.trigger()
    assert window.statusBar().currentMessage() == NOTHING
    qtbot.wait(50)
    assert window.upload_pane.queue.rowCount() == 0


def test_the_name_template_from_preferences_names_the_picture(
    qtbot, window: MainWindow, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    window.show_preferences()
    dialog = window.preferences_dialog
    assert dialog is not None
    edit = dialog.paste_template_edit
    edit.setText("{date:%d")  # unbalanced: named, not saved
    assert not dialog.paste_template_problem.isHidden()
    assert window.settings.value(PASTE_TEMPLATE_KEY) in (None, "")
    edit.setText("Screenshot {date:%H%M%S}")
    assert dialog.paste_template_problem.isHidden()
    dialog.accept()
    assert window.settings.value(PASTE_TEMPLATE_KEY) == "Screenshot {date:%H%M%S}"
    picture(tmp_path / "shot.png")
    QGuiApplication.clipboard().setImage(QImage(str(tmp_path / "shot.png")))
    with qtbot.waitSignal(window.upload_pane.uploadsFinished, timeout=20000):
        window.act_paste.trigger()
    (key,) = stored(seaweed_context, seaweed_bucket)
    assert re.fullmatch(r"Screenshot \d{6}\.png", key), key


def test_the_chosen_output_format_applies_to_a_pasted_picture(
    qtbot, window: MainWindow, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    panel = window.upload_pane.image_options
    options = panel.options()
    from dataclasses import replace

    from s3uploader_gui.core.imaging.options import OutputFormat

    panel.set_options(replace(options, format=OutputFormat.JPEG, quality=95))
    picture(tmp_path / "shot.png", (80, 60))
    QGuiApplication.clipboard().setImage(QImage(str(tmp_path / "shot.png")))
    with qtbot.waitSignal(window.upload_pane.uploadsFinished, timeout=20000):
        window.act_paste.trigger()
    ((key, body),) = stored(seaweed_context, seaweed_bucket).items()
    assert key.endswith(".jpg")
    assert decode(body).format == "JPEG" and decode(body).size == (80, 60)


def test_two_pictures_pasted_in_one_second_get_two_names(
    qtbot, window: MainWindow, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    window.settings.setValue(PASTE_TEMPLATE_KEY, "same.png")
    for colour in ("red", "blue"):
        Image.new("RGB", (8, 8), colour).save(tmp_path / f"{colour}.png")
        QGuiApplication.clipboard().setImage(QImage(str(tmp_path / f"{colour}.png")))
        window.act_paste.trigger()
    objects = wait_for_objects(qtbot, seaweed_context, seaweed_bucket, 2)
    assert set(objects) == {"same.png", "same (1).png"}
    colours = {decode(body).convert("RGB").getpixel((0, 0)) for body in objects.values()}
    assert colours == {(255, 0, 0), (0, 0, 255)}
