"""Pillow, imported and configured on first use, for every module of ``core.imaging``.

Importing the app's window must not import Pillow (start-up time), so the modules here
reach it through these stand-ins: the first attribute looked up imports Pillow and sets
the app's decoding limits.
"""

from __future__ import annotations

import importlib
import threading
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import PIL as PIL
    from PIL import Image as Image
    from PIL import ImageCms as ImageCms
    from PIL import ImageSequence as ImageSequence
    from PIL.ExifTags import IFD as IFD
    from PIL.ExifTags import Base as Base

#: Largest image (in pixels) that is decoded at all. Pillow's own guard uses the same
#: number: it warns above it and refuses at twice it; we refuse above it, with a sentence.
MAX_PIXELS = 150_000_000

_PIL_LOCK = threading.Lock()
_pil_configured = False


def load_pil() -> None:
    """Import and configure Pillow (once; thread-safe). Called on first use, so that
    importing this module (and the app's window) does not import Pillow."""
    global _pil_configured
    if _pil_configured:
        return
    with _PIL_LOCK:
        if _pil_configured:
            return
        from PIL import Image, ImageFile

        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        # Between MAX_PIXELS and twice it Pillow only warns; ``open_image`` refuses those
        # itself (right after reading the header), so the warning adds nothing. Filtering
        # it once here avoids ``warnings.catch_warnings``, which is not thread-safe.
        # (Where warnings are errors, as under pytest, Pillow raises it and it is turned
        # into BadImage as well.)
        warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
        # Truncated files are errors, never silently half-grey images.
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        _pil_configured = True


class _LazyPIL:
    """A Pillow module (or one of its attributes), imported and configured on first use."""

    def __init__(self, module: str, attr: str = "") -> None:
        self._module = module
        self._attr = attr

    def __getattr__(self, name: str) -> Any:
        load_pil()
        target: Any = importlib.import_module(self._module)
        if self._attr:
            target = getattr(target, self._attr)
        return getattr(target, name)


if not TYPE_CHECKING:
    PIL = _LazyPIL("PIL")
    Image = _LazyPIL("PIL.Image")
    ImageCms = _LazyPIL("PIL.ImageCms")
    ImageSequence = _LazyPIL("PIL.ImageSequence")
    IFD = _LazyPIL("PIL.ExifTags", "IFD")
    Base = _LazyPIL("PIL.ExifTags", "Base")
