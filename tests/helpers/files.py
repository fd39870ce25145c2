"""Small factories for test files."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.client import S3Context


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


def put_objects(context: S3Context, bucket: str, keys: dict[str, bytes]) -> None:
    """Store each key with its body (test setup, straight through boto3)."""
    for key, body in keys.items():
        context.client.put_object(Bucket=bucket, Key=key, Body=body)


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root``: its path relative to ``root`` (POSIX) and its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
