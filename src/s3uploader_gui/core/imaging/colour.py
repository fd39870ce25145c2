"""Pixel modes and colour: 8-bit, palettes, transparency on a background, ICC to sRGB.

Turns whatever a decoder produced into the 8-bit L/LA/RGB/RGBA pixels that every output
format can hold, without clipping 16-bit greys or losing transparency.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from s3uploader_gui.core.imaging.pil import Image, ImageCms


def to_8bit(im: Any) -> Any:
    """16-bit and 32-bit grey become 8-bit grey by scaling, never by clipping."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode == "I":
        lo, hi = im.getextrema()
        scale = 1 / 256 if hi > 255 else 1.0
        return im.point(lambda v: v * scale).convert("L")
    if im.mode == "F":
        lo, hi = im.getextrema()
        span = (hi - lo) or 1.0
        return im.point(lambda v: (v - lo) * (255.0 / span)).convert("L")
    if im.mode == "1":
        return im.convert("L")
    return im


def flatten_palette(im: Any) -> Any:
    """Palette and unusual modes become L/LA/RGB/RGBA (keeping transparency)."""
    if im.mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode == "PA":
        return im.convert("RGBA")
    if im.mode in ("L", "RGB") and "transparency" in im.info:
        return im.convert("LA" if im.mode == "L" else "RGBA")
    if im.mode in ("RGBa", "RGBX", "YCbCr", "LAB", "HSV"):
        return im.convert("RGBA" if im.mode == "RGBa" else "RGB")
    if im.mode == "La":
        return im.convert("LA")
    return im


_SRGB_LOCK = threading.Lock()
_SRGB: Any = None


def srgb_profile() -> Any:
    global _SRGB
    with _SRGB_LOCK:
        if _SRGB is None:
            _SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        return _SRGB


def icc_to_srgb(im: Any, icc: bytes, mode: str) -> Any:
    """Convert pixels from the embedded profile to sRGB (None when the profile is bad)."""
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(
            im, src, srgb_profile(), outputMode=mode, renderingIntent=ImageCms.Intent.PERCEPTUAL
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def cmyk_to_rgb(im: Any, icc: bytes | None) -> Any:
    if icc:
        converted = icc_to_srgb(im, icc, "RGB")
        if converted is not None:
            return converted
    return im.convert("RGB")


def is_srgb(icc: bytes) -> bool:
    try:
        desc = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return False
    return "srgb" in desc.lower().replace(" ", "")


def flatten_alpha(im: Any, background: tuple[int, int, int]) -> Any:
    """RGBA/LA on an opaque background colour (for JPEG)."""
    if im.mode == "LA":
        grey = round(0.299 * background[0] + 0.587 * background[1] + 0.114 * background[2])
        base = Image.new("L", im.size, grey)
        base.paste(im.getchannel("L"), mask=im.getchannel("A"))
        return base
    base = Image.new("RGB", im.size, background)
    base.paste(im.convert("RGB"), mask=im.getchannel("A"))
    return base
