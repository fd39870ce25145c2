"""Thumbnail bytes to QImage with the format named (no plug-in probing on workers)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from s3uploader_gui.ui.browser.thumbnail_image import thumbnail_qimage


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_the_apps_own_thumbnails_decode(qapp, fmt: str) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 20, 20)).save(buf, fmt)
    image = thumbnail_qimage(buf.getvalue())
    assert not image.isNull()
    assert (image.width(), image.height()) == (40, 30)
    assert image.pixelColor(20, 15).red() > 180


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>',
        b"\x89PNG\r\n\x1a\n" + b"\0" * 20,  # a PNG signature on garbage
    ],
)
def test_anything_else_is_a_null_image_not_a_probe(qapp, data: bytes) -> None:
    assert thumbnail_qimage(data).isNull()
