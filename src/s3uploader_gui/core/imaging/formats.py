"""Which image formats are read and written, and with which encoder settings.

HEIC/HEIF (pillow-heif) and AVIF are optional: ``heif_supported`` and ``avif_supported``
say whether this installation has them, and ``output_format`` falls back to a format that
can always be written.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from typing import Any

from s3uploader_gui.core.imaging.metadata import Metadata
from s3uploader_gui.core.imaging.options import ImageOptions, OutputFormat
from s3uploader_gui.core.imaging.pil import Image

_HEIF_LOCK = threading.Lock()
_heif_state: bool | None = None


def heif_supported() -> bool:
    """True when pillow-heif is installed (its opener is registered on first call)."""
    global _heif_state
    with _HEIF_LOCK:
        if _heif_state is None:
            try:
                from pillow_heif import register_heif_opener
            except ImportError:
                _heif_state = False
            else:
                register_heif_opener()
                _heif_state = True
        return _heif_state


def avif_supported() -> bool:
    """True when the installed Pillow can write AVIF.

    Before Pillow is loaded (the window being built at start-up) this only looks for its
    AVIF codec module, the one that registers Pillow's AVIF encoder, without loading it:
    loading it maps libavif (5 MB, read from disk on a cold start) and loading every
    plug-in (``Image.init()``) costs about 70 ms.
    """
    if "PIL.Image" not in sys.modules:
        try:
            return importlib.util.find_spec("PIL._avif") is not None
        except (ImportError, ValueError):
            return False
    return "AVIF" in save_formats()


def save_formats() -> frozenset[str]:
    Image.init()
    return frozenset(Image.SAVE)


# Pillow format name → (extension, Content-Type) of what we write.
FORMAT_INFO: dict[str, tuple[str, str]] = {
    "JPEG": (".jpg", "image/jpeg"),
    "WEBP": (".webp", "image/webp"),
    "PNG": (".png", "image/png"),
    "AVIF": (".avif", "image/avif"),
    "GIF": (".gif", "image/gif"),
    "TIFF": (".tif", "image/tiff"),
}
_CHOSEN_FORMAT = {
    OutputFormat.JPEG: "JPEG",
    OutputFormat.WEBP: "WEBP",
    OutputFormat.PNG: "PNG",
    OutputFormat.AVIF: "AVIF",
}
# What "keep" writes for inputs that cannot (or should not) be written back as they are.
_KEEP_AS = {"HEIF": "JPEG", "HEIC": "JPEG", "BMP": "PNG", "MPO": "JPEG", "ICO": "PNG"}
ANIMATED_FORMATS = frozenset({"GIF", "WEBP", "PNG", "AVIF"})


#: Formats whose writer is a codec module of its own that a Pillow build may lack.
_CODEC_MODULE = {"WEBP": "PIL._webp", "AVIF": "PIL._avif"}


def can_write(fmt: str) -> bool:
    """True when we write ``fmt`` and this Pillow can.

    Told without ``Image.init()`` (which imports every plug-in, tens of milliseconds):
    the preview panel asks on the GUI thread. JPEG, PNG, GIF and TIFF are written by
    every Pillow; WebP and AVIF when their codec module is there.
    """
    if fmt not in FORMAT_INFO:
        return False
    codec = _CODEC_MODULE.get(fmt)
    if codec is None:
        return True
    try:
        return importlib.util.find_spec(codec) is not None
    except (ImportError, ValueError):
        return False


def output_format(in_format: str, options: ImageOptions, *, animated: bool) -> str:
    if animated and options.format is not OutputFormat.WEBP:
        return in_format  # never flatten an animation into one JPEG/PNG frame
    chosen = _CHOSEN_FORMAT.get(options.format)
    if chosen is None:
        chosen = _KEEP_AS.get(in_format, in_format)
    if not can_write(chosen):
        chosen = "JPEG" if chosen == "AVIF" else "PNG"
    return chosen


def save_kwargs(fmt: str, meta: Metadata, options: ImageOptions) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if meta.icc:
        kwargs["icc_profile"] = meta.icc
    if meta.exif and fmt in ("JPEG", "WEBP", "PNG", "AVIF", "TIFF"):
        kwargs["exif"] = meta.exif
    if meta.xmp and fmt in ("JPEG", "WEBP", "AVIF"):
        kwargs["xmp"] = meta.xmp
    if fmt == "JPEG":
        kwargs["quality"] = options.quality
        if meta.comment:
            kwargs["comment"] = meta.comment
    elif fmt == "WEBP":
        kwargs["quality"] = options.quality
        kwargs["method"] = 4
    elif fmt == "AVIF":
        kwargs["quality"] = options.quality
        kwargs["speed"] = 8
    elif fmt == "PNG":
        kwargs["compress_level"] = 6
    return kwargs
