"""The app's one thumbnail maker, for local files and downloaded objects alike.

An upright thumbnail decoded at reduced scale (libjpeg's DCT scaling for JPEGs), as a
small JPEG, or PNG when it has transparency.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3uploader_gui.core.imaging.colour import cmyk_to_rgb, flatten_palette, to_8bit
from s3uploader_gui.core.imaging.info import ImageInfo, info_from
from s3uploader_gui.core.imaging.opening import (
    draft,
    load_pixels,
    name_of,
    open_image,
    open_image_data,
)
from s3uploader_gui.core.imaging.orient import transpose
from s3uploader_gui.core.imaging.pil import MAX_PIXELS, Image
from s3uploader_gui.core.imaging.resize import fit


@dataclass(frozen=True)
class Thumbnail:
    """A small JPEG (or PNG when it has transparency) and the image's info."""

    data: bytes
    width: int
    height: int
    format: str
    info: ImageInfo


def make_thumbnail(
    source: str | os.PathLike[str] | bytes,
    size: int = 256,
    *,
    name: str = "The image data",
    max_pixels: int = MAX_PIXELS,
) -> Thumbnail:
    """An upright thumbnail that fits ``size``×``size``, decoded at reduced scale.

    ``source`` is a file, or the bytes of an image (a downloaded object: ``name`` then
    names it in errors). Raises ``BadImage``/``LocalFileError`` like ``open_image``.
    """
    if isinstance(source, bytes):
        with open_image_data(source, name, max_pixels=max_pixels) as im:
            return _thumbnail(im, name, len(source), size)
    path = Path(source)
    with open_image(path, max_pixels=max_pixels) as im:
        return _thumbnail(im, name_of(path), path.stat().st_size, size)


def _thumbnail(im: Any, name: str, file_size: int, size: int) -> Thumbnail:
    info = info_from(im, file_size)
    target = fit(im.size, size)
    box = None
    if im.format == "JPEG" and im.mode in ("RGB", "L", "CMYK"):
        box = draft(im, target)
    load_pixels(im, name)
    frame = to_8bit(im)
    frame = flatten_palette(frame)
    if frame.mode == "CMYK":
        frame = cmyk_to_rgb(frame, im.info.get("icc_profile"))
    if target != frame.size:
        # A thumbnail is small: LANCZOS costs next to nothing here (the decode
        # dominates) and keeps fine detail crisp.
        frame = frame.resize(target, Image.Resampling.LANCZOS, box=box, reducing_gap=2.0)
    frame = transpose(frame, info.orientation)
    buf = io.BytesIO()
    if frame.mode in ("RGBA", "LA"):
        frame.save(buf, "PNG", compress_level=1)
        fmt = "PNG"
    else:
        if frame.mode not in ("RGB", "L"):
            frame = frame.convert("RGB")
        frame.save(buf, "JPEG", quality=85)
        fmt = "JPEG"
    return Thumbnail(buf.getvalue(), frame.width, frame.height, fmt, info)
