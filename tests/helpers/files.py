"""Small factories for test files."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image


def make_jpeg(path: Path, size: tuple[int, int] = (64, 48), color: str = "red") -> Path:
    """A real JPEG image at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, "JPEG", quality=90)
    return path


def make_png(path: Path, size: tuple[int, int] = (32, 32)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGBA", size, (0, 128, 255, 128)).save(path, "PNG")
    return path


def jpeg_bytes(size: tuple[int, int] = (16, 16)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "blue").save(buf, "JPEG")
    return buf.getvalue()


def make_random(path: Path, size: int) -> Path:
    """``size`` random bytes at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        remaining = size
        while remaining:
            chunk = os.urandom(min(remaining, 1 << 20))
            fh.write(chunk)
            remaining -= len(chunk)
    return path
