"""EXIF orientation: which way up a camera says its picture is, and turning it upright.

Every picture this app makes (thumbnails, prepared uploads) is turned upright, so its
EXIF orientation can be reset to 1.
"""

from __future__ import annotations

from typing import Any

from s3uploader_gui.core.imaging.pil import Base, Image


def orientation_of(exif: Image.Exif) -> int:
    value = exif.get(Base.Orientation, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


# By name: ``Image.Transpose`` members (Pillow is imported on first use).
_TRANSPOSE: dict[int, list[str]] = {
    2: ["FLIP_LEFT_RIGHT"],
    3: ["ROTATE_180"],
    4: ["FLIP_TOP_BOTTOM"],
    5: ["TRANSPOSE"],
    6: ["ROTATE_270"],
    7: ["TRANSVERSE"],
    8: ["ROTATE_90"],
}


def transpose(im: Any, orientation: int) -> Any:
    for method in _TRANSPOSE.get(orientation, []):
        im = im.transpose(Image.Transpose[method])
    return im
