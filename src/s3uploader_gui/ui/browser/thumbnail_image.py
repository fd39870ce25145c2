"""Thumbnail bytes (this app's own PNG or JPEG) to a QImage, safely on a worker thread."""

from __future__ import annotations

from PySide6.QtGui import QImage


def thumbnail_qimage(data: bytes) -> QImage:
    """Decode a thumbnail this app made (PNG or JPEG) naming its format; a null image
    for anything else.

    Without a format, ``QImage.fromData`` asks every image plug-in whether it can read
    the bytes, and the SVG one builds a ``QTextStream``, whose signal connection takes
    one of Qt's global connection locks while PySide still holds the GIL in the worker.
    A GUI thread disconnecting a signal at that moment holds the same lock and waits for
    the GIL: both threads hang (seen in the test suite). Named, only that plug-in reads.
    """
    # PySide6's stubs type the format as bytes; the binding takes (and needs) a str.
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return QImage.fromData(data, "PNG")  # type: ignore[arg-type]
    if data[:3] == b"\xff\xd8\xff":
        return QImage.fromData(data, "JPEG")  # type: ignore[arg-type]
    return QImage()
