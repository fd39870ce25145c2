"""Ctrl+V with a real X clipboard: a PNG put there by another program (xclip) is uploaded,
and with *After upload: copy link* the link replaces it on the clipboard (Xvfb)."""

from __future__ import annotations

import io
import re
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.conftest import RunningApp, clipboard, wait_for, xdotool

pytestmark = pytest.mark.xvfb


def _picture(path: Path) -> Image.Image:
    im = Image.new("RGB", (97, 53))
    im.putdata([(x * 2 % 256, y * 5 % 256, (x ^ y) % 256) for y in range(53) for x in range(97)])
    im.save(path, "PNG")
    return im


def _pixels(im: Image.Image) -> list[tuple[int, ...]]:
    return list(zip(*(band.tobytes() for band in im.convert("RGB").split()), strict=True))


@pytest.fixture
def on_clipboard() -> Iterator[Callable[[Path, str], None]]:
    """Offer a file on the CLIPBOARD selection as another program does (xclip, kept in
    the foreground with -quiet so that it can be stopped)."""
    procs: list[subprocess.Popen[bytes]] = []

    def offer(path: Path, mime: str) -> None:
        proc = subprocess.Popen(
            ["xclip", "-quiet", "-selection", "clipboard", "-t", mime, "-i", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        # Ready once another client sees the offer.
        wait_for(
            lambda: mime in _targets(),
            10,
            "xclip to own the clipboard",
        )

    yield offer
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


def _targets() -> str:
    out = subprocess.run(
        ["xclip", "-o", "-selection", "clipboard", "-t", "TARGETS"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return out.stdout


def test_ctrl_v_uploads_the_picture_and_copies_its_link(
    launch: Callable[[], RunningApp], e2e_home: Path, on_clipboard, tmp_path: Path
) -> None:
    settings = e2e_home / "config" / "s3uploader-gui" / "s3uploader-gui.conf"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("[share]\nafterUpload=presigned\n")
    app = launch()
    original = _picture(tmp_path / "screenshot.png")
    on_clipboard(tmp_path / "screenshot.png", "image/png")
    # Focus the bucket browser (no text field there), then press Ctrl+V as a person does.
    x, y = app.browser_point()
    xdotool("mousemove", str(x), str(y), "click", "1")
    app.keys("ctrl+v")
    objects = wait_for(app.objects, 60, "the pasted picture to reach the server")
    assert isinstance(objects, dict)
    ((key, body),) = objects.items()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d\.png", key), key
    uploaded = Image.open(io.BytesIO(body))
    assert uploaded.format == "PNG"
    assert _pixels(uploaded) == _pixels(original)
    # The link took the picture's place on the clipboard, and it fetches the picture.
    link = wait_for(
        lambda: clipboard().strip() if clipboard().startswith("http") else None,
        30,
        "the link on the clipboard",
    )
    assert isinstance(link, str) and "X-Amz-Signature=" in link
    with urllib.request.urlopen(link, timeout=10) as answer:
        assert answer.read() == body


def test_ctrl_v_with_copied_files_uploads_them(
    app: RunningApp, on_clipboard, tmp_path: Path
) -> None:
    notes = tmp_path / "copied notes.txt"
    notes.write_text("copied in a file manager")
    uris = tmp_path / "uris"
    uris.write_text(notes.as_uri() + "\r\n")
    on_clipboard(uris, "text/uri-list")
    x, y = app.browser_point()
    xdotool("mousemove", str(x), str(y), "click", "1")
    app.keys("ctrl+v")
    objects = wait_for(
        lambda: app.objects() if "copied notes.txt" in app.objects() else None,
        60,
        "the copied file to reach the server",
    )
    assert isinstance(objects, dict)
    assert objects["copied notes.txt"] == b"copied in a file manager"
