"""The history's thumbnails: a small JPEG of an uploaded image, made from its local file
(Pillow is imported when one is made)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from s3uploader_gui.core.errors import AppError

if TYPE_CHECKING:
    from s3uploader_gui.core.imaging.thumbcache import ThumbnailCache

log = logging.getLogger(__name__)

#: A thumbnail is a JPEG of at most this many bytes (a page of 200 rows stays small).
THUMBNAIL_MAX_BYTES = 8 * 1024
#: The longest edge of a thumbnail, in pixels (the grid shows them at up to this size).
THUMBNAIL_EDGE = 160
#: Images larger than this get no thumbnail (decoding them costs more than it shows).
THUMBNAIL_MAX_FILE = 64 * 1024 * 1024


def small_thumbnail(path: Path, cache: ThumbnailCache | None = None) -> bytes | None:
    """A JPEG of ``path`` of at most ``THUMBNAIL_MAX_BYTES`` (upright, transparency on
    white), made with the app's thumbnail maker; None when it cannot be made.

    ``cache`` (the window's) gives the thumbnail its queue already made of the same file
    as it is now, so a photo dropped and uploaded is decoded once, not again when the
    batch ends (that second pass over every photo is what competed with the window).
    """
    try:
        if path.stat().st_size > THUMBNAIL_MAX_FILE:
            return None
        if cache is not None:
            thumb = cache.get(path, THUMBNAIL_EDGE)
        else:
            from s3uploader_gui.core.imaging.thumbnails import make_thumbnail

            thumb = make_thumbnail(path, THUMBNAIL_EDGE)
        if thumb.format == "JPEG" and len(thumb.data) <= THUMBNAIL_MAX_BYTES:
            return thumb.data
        return _shrink_jpeg(thumb.data)
    except (AppError, OSError, ValueError) as exc:
        log.info("no history thumbnail for %s: %s", path.name, exc)
        return None


def _shrink_jpeg(data: bytes) -> bytes | None:
    """``data`` (a small PNG or JPEG) as a JPEG under the size limit, or None."""
    import io

    from s3uploader_gui.core.imaging.colour import flatten_alpha
    from s3uploader_gui.core.imaging.pil import Image

    with Image.open(io.BytesIO(data)) as im:
        frame = im.convert("RGBA") if im.mode in ("RGBA", "LA", "P") else im.convert("RGB")
        if frame.mode == "RGBA":
            frame = flatten_alpha(frame, (255, 255, 255))
        for edge, quality in ((THUMBNAIL_EDGE, 75), (THUMBNAIL_EDGE, 55), (112, 55), (80, 45)):
            if max(frame.size) > edge:
                frame.thumbnail((edge, edge), Image.Resampling.LANCZOS)
            buf = io.BytesIO()
            frame.convert("RGB").save(buf, "JPEG", quality=quality, optimize=True)
            if buf.tell() <= THUMBNAIL_MAX_BYTES:
                return buf.getvalue()
    return None
