"""Small generated images for the imaging tests: marked corners, EXIF, GPS, ICC, alpha."""

from __future__ import annotations

import functools
import io
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw

RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)

# Orientation n is stored as the upright image passed through the inverse of the
# transform a viewer applies for n (ImageOps.exif_transpose).
_INVERSE = {
    1: [],
    2: [Image.Transpose.FLIP_LEFT_RIGHT],
    3: [Image.Transpose.ROTATE_180],
    4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE],
    6: [Image.Transpose.ROTATE_90],
    7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_270],
}


def marked(size: tuple[int, int] = (120, 80)) -> Image.Image:
    """An upright landscape image: white, a red top-left corner, a blue top-right corner."""
    im = Image.new("RGB", size, WHITE)
    draw = ImageDraw.Draw(im)
    w, h = size
    q = min(w, h) // 3
    draw.rectangle([0, 0, q, q], fill=RED)
    draw.rectangle([w - 1 - q, 0, w - 1, q], fill=BLUE)
    return im


def exif_with(
    *,
    orientation: int | None = None,
    gps: bool = False,
    camera: tuple[str, str] | None = None,
    taken: str | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if camera is not None:
        exif[0x010F], exif[0x0110] = camera
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken
    if gps:
        ifd = exif.get_ifd(0x8825)
        ifd[1] = "N"
        ifd[2] = (48.0, 51.0, 24.0)
        ifd[3] = "E"
        ifd[4] = (2.0, 21.0, 3.0)
    return exif


@functools.cache
def srgb_icc() -> bytes:
    """One sRGB profile per test run (a new one carries a new creation time)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def oriented_jpeg(path: Path, orientation: int, size: tuple[int, int] = (120, 80)) -> Path:
    """A JPEG that shows ``marked(size)`` upright when its EXIF orientation is honoured."""
    im = marked(size)
    for method in _INVERSE[orientation]:
        im = im.transpose(method)
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "JPEG", quality=95, exif=exif_with(orientation=orientation))
    return path


def photo(
    path: Path,
    size: tuple[int, int] = (400, 300),
    *,
    gps: bool = True,
    icc: bool = True,
    orientation: int = 1,
    fmt: str = "JPEG",
) -> Path:
    """A photo-like JPEG with camera, date, optional GPS and an ICC profile."""
    im = marked(size)
    path.parent.mkdir(parents=True, exist_ok=True)
    exif = exif_with(
        orientation=orientation,
        gps=gps,
        camera=("Canon", "Canon EOS R5"),
        taken="2024:05:01 10:20:30",
    )
    kwargs: dict[str, object] = {"exif": exif}
    if icc:
        kwargs["icc_profile"] = srgb_icc()
    if fmt == "JPEG":
        kwargs["quality"] = 92
    im.save(path, fmt, **kwargs)
    return path


def alpha_png(path: Path, size: tuple[int, int] = (60, 40)) -> Path:
    """Left half fully transparent, right half opaque green."""
    im = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(im).rectangle([size[0] // 2, 0, size[0] - 1, size[1] - 1], fill=(*GREEN, 255))
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "PNG")
    return path


def animated_gif(path: Path, frames: int = 5, size: tuple[int, int] = (80, 60)) -> Path:
    colours = [RED, GREEN, BLUE, WHITE, (0, 0, 0)]
    images = [Image.new("RGB", size, colours[i % len(colours)]) for i in range(frames)]
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, "GIF", save_all=True, append_images=images[1:], duration=80, loop=0)
    return path


def animated_webp(path: Path, frames: int = 4, size: tuple[int, int] = (80, 60)) -> Path:
    colours = [RED, GREEN, BLUE, WHITE]
    images = [Image.new("RGB", size, colours[i % len(colours)]) for i in range(frames)]
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, "WEBP", save_all=True, append_images=images[1:], duration=90, loop=0)
    return path


def png_header_bomb(path: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """A tiny PNG whose header claims ``width``×``height`` pixels (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    data += chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    path.write_bytes(data)
    return path


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def close(a: tuple[int, ...], b: tuple[int, ...], tol: int = 40) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=False))


def linear_rgb_icc(description: str = "Linear RGB (test)") -> bytes:
    """A minimal ICC v2 matrix/TRC profile: sRGB primaries with gamma 1.0 (not sRGB)."""
    import struct

    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    text = description.encode("ascii") + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text
    desc += b"\0" * 8 + b"\0\0\0" + b"\0" * 67
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0100) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"cprt", b"text\0\0\0\0none\0\0\0\0"),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.4361, 0.2225, 0.0139)),
        (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, blob = b"", b""
    for sig, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(blob), len(data))
        blob += data
    total = offset + len(blob)
    header = struct.pack(">I", total) + b"\0\0\0\0" + struct.pack(">I", 0x02100000)
    header += b"mntrRGB XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 28
    header += s15(0.9642) + s15(1.0) + s15(0.8249) + b"\0" * 48
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + blob
