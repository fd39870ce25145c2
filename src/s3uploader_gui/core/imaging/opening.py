"""Opening an image safely, and decoding a big JPEG at a reduced scale.

``open_image`` turns every way a file can fail to be an image (missing, unreadable,
empty, truncated, not an image, HEIC without pillow-heif, a decompression bomb) into one
``BadImage``/``LocalFileError`` sentence. ``draft`` has libjpeg itself decode at down to
1/8 of the size (including 3/8, where Pillow alone would stop at 1/2).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from s3uploader_gui.core.errors import AppError, BadImage, LocalFileError, translate
from s3uploader_gui.core.imaging.formats import heif_supported
from s3uploader_gui.core.imaging.pil import MAX_PIXELS, PIL, Image

_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


def name_of(path: Path) -> str:
    return path.name or str(path)


def _is_heif(head: bytes) -> bool:
    return len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def _sniff_heif(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(32)
    except OSError:
        return False
    return _is_heif(head)


def _local_error(path: Path, exc: OSError) -> AppError:
    err = translate(exc)
    if isinstance(err, LocalFileError):
        return err
    return LocalFileError(f"{path} cannot be read: {exc.strerror or exc}.")


def _empty(name: str) -> BadImage:
    return BadImage(f"{name} is empty (0 bytes), not an image.", code="EmptyImage")


@contextlib.contextmanager
def open_image(path: str | os.PathLike[str], *, max_pixels: int = MAX_PIXELS) -> Iterator[Any]:
    """Open ``path`` as an image (header only) with every failure as one clear error.

    Raises ``LocalFileError`` (vanished, unreadable, a folder) or ``BadImage`` (empty,
    not an image, unsupported format, too many pixels). Decoding errors that only show
    while loading pixels are turned into ``BadImage`` by ``load_pixels``.
    """
    path = Path(path)
    name = name_of(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(path))
        fh = open(path, "rb")  # noqa: SIM115 - closed below, after the image
    except OSError as exc:
        raise _local_error(path, exc) from exc
    try:
        if size == 0:
            raise _empty(name)
        with _opened(fh, name, heif=_sniff_heif(path), max_pixels=max_pixels) as im:
            yield im
    finally:
        fh.close()


@contextlib.contextmanager
def open_image_data(data: bytes, name: str, *, max_pixels: int = MAX_PIXELS) -> Iterator[Any]:
    """``open_image`` for bytes already in memory (a downloaded object), named ``name``."""
    if not data:
        raise _empty(name)
    with _opened(io.BytesIO(data), name, heif=_is_heif(data[:32]), max_pixels=max_pixels) as im:
        yield im


@contextlib.contextmanager
def _opened(fh: IO[bytes], name: str, *, heif: bool, max_pixels: int) -> Iterator[Any]:
    if heif:
        heif_supported()
    try:
        im = Image.open(fh)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(name, max_pixels) from exc
    except PIL.UnidentifiedImageError as exc:
        if heif:
            raise BadImage(
                f"{name} is a HEIC/HEIF image: unsupported format without the optional "
                "pillow-heif package (install s3uploader-gui[heif]).",
                code="UnsupportedFormat",
            ) from exc
        raise BadImage(
            f"{name} is not an image this app can read (unknown or unsupported format, "
            "or not an image at all).",
            code="NotAnImage",
        ) from exc
    except OSError as exc:
        raise BadImage(f"{name} is damaged and cannot be read: {exc}.") from exc
    except (SyntaxError, ValueError, struct.error, EOFError) as exc:
        raise BadImage(f"{name} is damaged and cannot be read ({exc}).") from exc
    width, height = im.size
    if width < 1 or height < 1:
        raise BadImage(f"{name} has no pixels ({width}×{height}).")
    if width * height > max_pixels:
        raise _bomb(name, max_pixels, width, height)
    try:
        yield im
    finally:
        im.close()


def _bomb(name: str, limit: int, width: int = 0, height: int = 0) -> BadImage:
    what = f" ({width}×{height})" if width else ""
    return BadImage(
        f"{name} is too large to decode safely{what}: more than {limit / 1e6:.0f} megapixels "
        "(possible decompression bomb).",
        code="DecompressionBomb",
    )


def load_pixels(im: Any, name: str) -> None:
    """Decode the pixels; damaged data becomes ``BadImage``."""
    try:
        im.load()
    except (OSError, SyntaxError, ValueError, struct.error, EOFError, IndexError) as exc:
        text = str(exc) or type(exc).__name__
        if "truncated" in text.lower() or isinstance(exc, EOFError):
            raise BadImage(
                f"{name} is truncated (the file ends early): it cannot be decoded.",
                code="Truncated",
            ) from exc
        raise BadImage(f"{name} is damaged and cannot be decoded ({text}).") from exc
    except Image.DecompressionBombError as exc:
        raise _bomb(name, MAX_PIXELS) from exc


# -- reduced-scale JPEG decoding ---------------------------------------------------------
_TURBO_LOCK = threading.Lock()
_turbo_state: bool | None = None


def _libjpeg_scales_by_eighths() -> bool:
    """True when Pillow's libjpeg is libjpeg-turbo 1.2 or later, which decodes at any
    M/8 scale: asked for 1/3 it gives 3/8. IJG libjpeg 6b would give 1/2 instead and
    overrun the row buffer Pillow sized for 3/8, so anything else never gets 1/3."""
    global _turbo_state
    with _TURBO_LOCK:
        if _turbo_state is None:
            from PIL import features

            try:
                version = features.version_feature("libjpeg_turbo")
            except (ValueError, TypeError):
                version = None
            parts = tuple(int(n) for n in re.findall(r"\d+", version or "")[:2])
            _turbo_state = len(parts) == 2 and parts >= (1, 2)
        return _turbo_state


Box = tuple[float, float, float, float]


def draft(im: Any, target: tuple[int, int]) -> Box | None:
    """Have libjpeg decode a JPEG at a reduced scale (DCT scaling), never below ``target``.

    Returns the box of the reduced image that the whole original covers (the last row
    and column can be partial, as in 1001 × 3/8 = 375.375), for an exact resample, or
    None when the image is decoded at full size.

    Pillow's ``draft`` offers 1/2, 1/4 and 1/8. Where 1/4 is already too small, 3/8 often
    still fits (6000 px → 2250 for a 2048 px target): its decode costs about 10 % more
    than 1/2, but the resample after it then reads 44 % fewer pixels with a kernel a
    third narrower, which saves far more (about 17 ms of 53 on a 24 MP photo). Pillow
    has no public way to ask for 3/8, so the decoder's scale, the tile and the size are
    set here exactly as ``JpegImageFile.draft`` sets them for its own scales; libjpeg's
    output for scale 1/3 is ceil(size × 3/8), which is the size given to the tile.
    """
    if not getattr(im, "quantization", None):
        # No quantisation tables: lossless JPEG (SOF3), which libjpeg never scales;
        # its full-width rows would overrun buffers sized for a reduced scale.
        return None
    width, height = im.size
    w38, h38 = -(-width * 3 // 8), -(-height * 3 // 8)
    tile = im.tile[0] if len(im.tile) == 1 else None
    if (
        tile is not None
        and not im.decoderconfig
        and tile[0] == "jpeg"
        and tuple(tile[1]) == (0, 0, width, height)
        and w38 >= target[0]
        and h38 >= target[1]
        and (width // 4 < target[0] or height // 4 < target[1])  # 1/4 does not fit
        and _libjpeg_scales_by_eighths()
    ):
        extents = (0, 0, w38, h38)
        # Pillow ≥ 11 has named tiles; 10.x plain tuples.
        if hasattr(tile, "_replace"):
            im.tile = [tile._replace(extents=extents)]
        else:
            im.tile = [(tile[0], extents, tile[2], tile[3])]
        im._size = (w38, h38)
        im.decoderconfig = (3, 0)  # (scale denominator, draft quality off)
        return (0.0, 0.0, width * 3 / 8, height * 3 / 8)
    before = im.size
    drafted = im.draft(None, target)
    return tuple(drafted[1]) if drafted and im.size != before else None
