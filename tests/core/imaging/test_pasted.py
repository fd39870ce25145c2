"""Pasted pictures (``core.imaging.pasted``): their private folder, their names, their bytes,
and which pasted text names local files."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from s3uploader_gui.core.errors import BadImage
from s3uploader_gui.core.imaging.pasted import (
    DEFAULT_PASTE_TEMPLATE,
    EncodedImage,
    PasteFolder,
    RawImage,
    local_paths_from_text,
    paste_name,
    validate_paste_template,
)

WHEN = dt.datetime(2026, 3, 4, 5, 6, 7)


def _pixels(im: Image.Image) -> list[tuple[int, ...]]:
    return list(zip(*(band.tobytes() for band in im.split()), strict=True))


def _gradient(size: tuple[int, int] = (37, 23), mode: str = "RGBA") -> Image.Image:
    w, h = size
    im = Image.new(mode, size)
    im.putdata(
        [
            (x * 7 % 256, y * 11 % 256, (x + y) * 5 % 256, 255 - x)[: len(mode)]
            for y in range(h)
            for x in range(w)
        ]
    )
    return im


def test_default_name_is_the_date_and_png() -> None:
    assert paste_name(DEFAULT_PASTE_TEMPLATE, now=WHEN) == "2026-03-04 05.06.07.png"


def test_a_taken_name_gets_a_number() -> None:
    taken = {"2026-03-04 05.06.07.png", "2026-03-04 05.06.07 (1).png"}
    assert paste_name(DEFAULT_PASTE_TEMPLATE, now=WHEN, taken=taken) == (
        "2026-03-04 05.06.07 (2).png"
    )


@pytest.mark.parametrize(
    ("template", "name"),
    [
        ("shot {date:%H%M%S}", "shot 050607.png"),  # no extension: the saved format's
        ("shot {date:%H%M%S}.jpg", "shot 050607.png"),  # the bytes are PNG: so is the name
        ("Screenshot.PNG", "Screenshot.PNG"),
        ("{date:%Y/%m/%d}", "2026-03-04.png"),  # a date format's slashes make no folders
    ],
)
def test_name_follows_the_template_and_the_format(template: str, name: str) -> None:
    assert paste_name(template, now=WHEN) == name


@pytest.mark.parametrize(
    "template",
    ["", "   ", "{name}.png", "{date!r}.png", "{date:%Y", "{}.png", "/x.png", ".."],
)
def test_bad_templates_are_named(template: str) -> None:
    problem = validate_paste_template(template)
    assert problem is not None and problem.endswith(".")


def test_good_templates_pass() -> None:
    assert validate_paste_template(DEFAULT_PASTE_TEMPLATE) is None
    assert validate_paste_template("Screenshot {date:%Y-%m-%d at %H.%M.%S}") is None


def test_folder_is_private_and_under_the_cache(user_dirs: Path) -> None:
    folder = PasteFolder()
    path = folder.path()
    assert path.is_relative_to(user_dirs / "cache")
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    folder.clear()
    assert not path.exists()


def test_raw_pixels_become_a_png_with_the_same_pixels(tmp_path: Path) -> None:
    folder = PasteFolder(tmp_path / "pasted")
    im = _gradient()
    raw = RawImage(im.width, im.height, "RGBA", im.width * 4, im.tobytes())
    saved = folder.save(raw, DEFAULT_PASTE_TEMPLATE, now=WHEN)
    assert saved.name == "2026-03-04 05.06.07.png"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    with Image.open(saved) as back:
        assert back.format == "PNG"
        assert _pixels(back.convert("RGBA")) == _pixels(im)


def test_padded_rows_are_read_by_their_stride(tmp_path: Path) -> None:
    im = _gradient((5, 3), "RGB")  # 15 bytes a row, stored as 16 (Qt pads rows to 4 bytes)
    rows = im.tobytes()
    padded = b"".join(rows[y * 15 : (y + 1) * 15] + b"\0" for y in range(3))
    saved = PasteFolder(tmp_path).save(RawImage(5, 3, "RGB", 16, padded), "x", now=WHEN)
    with Image.open(saved) as back:
        assert _pixels(back.convert("RGB")) == _pixels(im)


def test_png_bytes_are_kept_as_they_are_and_others_become_png(tmp_path: Path) -> None:
    folder = PasteFolder(tmp_path)
    im = _gradient(mode="RGB")
    png = io.BytesIO()
    im.save(png, "PNG")
    first = folder.save(EncodedImage(png.getvalue()), DEFAULT_PASTE_TEMPLATE, now=WHEN)
    assert first.read_bytes() == png.getvalue()
    bmp = io.BytesIO()
    im.save(bmp, "BMP")
    second = folder.save(EncodedImage(bmp.getvalue()), DEFAULT_PASTE_TEMPLATE, now=WHEN)
    assert second.name == "2026-03-04 05.06.07 (1).png"  # the same second: a new name
    with Image.open(second) as back:
        assert back.format == "PNG"
        assert _pixels(back.convert("RGB")) == _pixels(im)


def test_a_name_given_once_is_not_given_again_after_its_file_is_gone(tmp_path: Path) -> None:
    folder = PasteFolder(tmp_path)
    raw = RawImage(1, 1, "RGB", 4, b"\1\2\3\0")
    first = folder.save(raw, DEFAULT_PASTE_TEMPLATE, now=WHEN)
    folder.remove([first])
    assert not first.exists()
    second = folder.save(raw, DEFAULT_PASTE_TEMPLATE, now=WHEN)
    assert second.name != first.name


def test_names_are_unique_when_saved_from_many_threads(tmp_path: Path) -> None:
    folder = PasteFolder(tmp_path)
    raw = RawImage(1, 1, "RGB", 4, b"\1\2\3\0")
    saved: list[Path] = []
    threads = [
        threading.Thread(target=lambda: saved.append(folder.save(raw, "a", now=WHEN)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({p.name for p in saved}) == 8


def test_bytes_that_are_no_image_are_a_bad_image_and_leave_no_file(tmp_path: Path) -> None:
    folder = PasteFolder(tmp_path)
    with pytest.raises(BadImage):
        folder.save(EncodedImage(b"not a picture at all"), "x", now=WHEN)
    assert list(folder.path().glob("*.png")) == []


def test_remove_touches_only_its_own_files(tmp_path: Path) -> None:
    folder = PasteFolder(tmp_path / "pasted")
    outside = tmp_path / "mine.png"
    outside.write_bytes(b"keep me")
    folder.remove([outside])
    assert outside.read_bytes() == b"keep me"
    assert not folder.holds(outside)


def test_an_old_run_s_folder_is_removed_a_recent_one_kept(tmp_path: Path) -> None:
    base = tmp_path / "pasted"
    old, recent = base / "run-old", base / "run-recent"
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "a.png").write_bytes(b"x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    PasteFolder(base).path()
    assert not old.exists()
    assert (recent / "a.png").exists()  # may be another running window's


def test_a_running_window_s_folder_is_kept_however_old(tmp_path: Path) -> None:
    base = tmp_path / "pasted"
    running = PasteFolder(base)
    folder = running.path()
    picture = running.save(RawImage(1, 1, "RGB", 4, b"\1\2\3\0"), "a", now=WHEN)
    two_days_ago = time.time() - 2 * 86400
    os.utime(folder, (two_days_ago, two_days_ago))
    other = PasteFolder(base)
    assert other.path() != folder
    assert picture.exists()  # locked by the first window: not another's to remove
    running.clear()
    assert not folder.exists()
    other.clear()


def test_file_uris_in_text_are_local_paths(tmp_path: Path) -> None:
    a, b = tmp_path / "a b.jpg", tmp_path / "é.txt"
    text = f"# copied\r\n{a.as_uri()}\r\n{b.as_uri()}\r\n"
    assert local_paths_from_text(text) == [a, b]
    assert local_paths_from_text("file://localhost/tmp/x.png") == [Path("/tmp/x.png")]


@pytest.mark.parametrize(
    "text",
    ["", "hello", "/tmp/x.png", "https://example.com/a.png", "file:///tmp/a\nhello"],
)
def test_other_text_names_no_files(text: str) -> None:
    assert local_paths_from_text(text) == []
