"""What a preview shows about an image: ``ImageInfo`` (size, format, camera, date, GPS).

Read from the header and the EXIF/XMP only, without decoding pixels. It also holds what
``changes.changes_for`` needs to tell, without opening the file again, what an upload
will do to the image (re-encode it or only rewrite its metadata).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3uploader_gui.core.imaging.colour import is_srgb
from s3uploader_gui.core.imaging.metadata import exif_ifd, get_exif, has_gps, xmp_of
from s3uploader_gui.core.imaging.opening import open_image
from s3uploader_gui.core.imaging.orient import orientation_of
from s3uploader_gui.core.imaging.pil import IFD, Base, Image


@dataclass(frozen=True)
class ImageInfo:
    """What a preview shows about an image. ``width``/``height`` are as displayed (upright)."""

    width: int
    height: int
    format: str
    file_size: int
    mode: str = ""
    camera: str = ""
    taken: str = ""
    has_gps: bool = False
    orientation: int = 1
    frames: int = 1
    has_icc: bool = False
    has_alpha: bool = False
    #: The embedded colour profile is sRGB (nothing for "convert to sRGB" to do).
    icc_srgb: bool = False
    #: EXIF, XMP or a comment: something "strip all metadata" would remove.
    has_metadata: bool = False


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip().strip("\x00").strip() if value is not None else ""


def _camera(exif: Image.Exif) -> str:
    make, model = _text(exif.get(Base.Make)), _text(exif.get(Base.Model))
    if make and model.lower().startswith(make.split()[0].lower()):
        return model
    return " ".join(p for p in (make, model) if p)


def _taken(exif: Image.Exif) -> str:
    sub = exif_ifd(exif, IFD.Exif)
    raw = _text(sub.get(Base.DateTimeOriginal) or sub.get(Base.DateTimeDigitized))
    raw = raw or _text(exif.get(Base.DateTime))
    match = re.match(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})", raw)
    if match:
        y, mo, d, h, mi, s = match.groups()
        return f"{y}-{mo}-{d} {h}:{mi}:{s}"
    return raw


def info_from(im: Any, file_size: int) -> ImageInfo:
    exif = get_exif(im)
    orientation = orientation_of(exif)
    width, height = im.size
    if orientation >= 5:
        width, height = height, width
    mode = str(im.mode)
    icc = im.info.get("icc_profile") or None
    xmp = xmp_of(im)
    return ImageInfo(
        width=width,
        height=height,
        format=str(im.format or ""),
        file_size=file_size,
        mode=mode,
        camera=_camera(exif),
        taken=_taken(exif),
        has_gps=has_gps(exif, xmp),
        orientation=orientation,
        frames=int(getattr(im, "n_frames", 1) or 1),
        has_icc=bool(icc),
        has_alpha=_has_alpha(im),
        icc_srgb=bool(icc and is_srgb(icc)),
        has_metadata=bool(len(exif) or xmp or im.info.get("comment")),
    )


def _has_alpha(im: Any) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        im.mode in ("P", "L", "RGB") and "transparency" in im.info
    )


def read_info(path: str | os.PathLike[str]) -> ImageInfo:
    """Pixel size, format, file size, camera, date taken and GPS presence (no decoding)."""
    path = Path(path)
    with open_image(path) as im:
        return info_from(im, path.stat().st_size)


def describe_format(info: ImageInfo) -> str:
    """ "JPEG", "GIF (24 frames)"…"""
    fmt = info.format or "?"
    return f"{fmt} ({info.frames} frames)" if info.frames > 1 else fmt


def megapixels(info: ImageInfo) -> float:
    return round(info.width * info.height / 1e6, 1)
