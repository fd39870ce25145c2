"""EXIF and XMP: reading them safely, finding a place in them, and choosing what is written.

``metadata_for`` applies the ``MetadataPolicy`` (strip the location, strip everything, or
keep it) and ``lossless_jpeg_metadata`` swaps a JPEG's metadata without touching its
pixels, so a photo whose only change is its metadata loses no quality (``rewrite`` does
the same for PNG and WebP).
"""

from __future__ import annotations

import contextlib
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3uploader_gui.core.imaging.options import ImageOptions, MetadataPolicy
from s3uploader_gui.core.imaging.orient import orientation_of
from s3uploader_gui.core.imaging.pil import IFD, Base, Image

_XMP_GPS_ATTR = re.compile(r'\s(?:exif|exifEX|drone-dji):GPS\w*="[^"]*"')
_XMP_GPS_ELEM = re.compile(r"<((?:exif|exifEX):GPS\w*)\b[^>]*?(?:/>|>.*?</\1\s*>)", re.DOTALL)


def get_exif(im: Any) -> Image.Exif:
    try:
        return im.getexif()  # type: ignore[no-any-return]
    except (SyntaxError, ValueError, TypeError, struct.error, OSError):
        return Image.Exif()


def exif_ifd(exif: Image.Exif, tag: int) -> dict[int, Any]:
    try:
        return dict(exif.get_ifd(tag))
    except (KeyError, ValueError, TypeError, struct.error, OSError):
        return {}


def xmp_of(im: Any) -> bytes | None:
    value = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if isinstance(value, str):
        return value.encode("utf-8")
    return value if isinstance(value, bytes) else None


def has_gps(exif: Image.Exif, xmp: bytes | str | None) -> bool:
    gps = exif_ifd(exif, IFD.GPSInfo)
    # Tag 0 (GPSVersionID) alone says nothing about a place.
    if any(k != 0 for k in gps):
        return True
    if xmp:
        text = xmp if isinstance(xmp, str) else xmp.decode("utf-8", "replace")
        return bool(_XMP_GPS_ATTR.search(text) or _XMP_GPS_ELEM.search(text))
    return False


def _strip_xmp_location(xmp: bytes) -> bytes:
    text = xmp.decode("utf-8", "replace")
    text = _XMP_GPS_ATTR.sub("", text)
    text = _XMP_GPS_ELEM.sub("", text)
    return text.encode("utf-8")


@dataclass
class Metadata:
    """What is written into the output file."""

    exif: bytes = b""
    icc: bytes | None = None
    xmp: bytes | None = None
    comment: bytes | None = None


def metadata_for(
    im: Any, exif: Image.Exif, options: ImageOptions, *, reset_orientation: bool
) -> Metadata:
    """What to write with the image, under ``options.metadata``.

    ``reset_orientation``: the pixels are being turned upright, so the orientation
    becomes 1. Otherwise it is kept as it is, even when stripping everything: without
    it a viewer would show the unchanged pixels sideways.
    """
    icc = im.info.get("icc_profile") or None
    meta = Metadata(icc=icc)
    orientation = 1 if reset_orientation else orientation_of(exif)
    if options.metadata is MetadataPolicy.STRIP_ALL:
        meta.exif = _orientation_only(orientation)
        return meta
    out = Image.Exif()
    if len(exif):
        with contextlib.suppress(Exception):
            out.load(exif.tobytes())
    if reset_orientation and Base.Orientation in out:
        out[Base.Orientation] = 1
    xmp = xmp_of(im)
    if options.metadata is MetadataPolicy.STRIP_LOCATION:
        if IFD.GPSInfo in out:
            del out[IFD.GPSInfo]
        if xmp:
            xmp = _strip_xmp_location(xmp)
    if reset_orientation and xmp:
        xmp = re.sub(rb'tiff:Orientation="\d"', b'tiff:Orientation="1"', xmp)
        xmp = re.sub(rb"<tiff:Orientation>\d</tiff:Orientation>", b"", xmp)
    # Thumbnails embedded in EXIF (IFD1) may show the old orientation or place: drop them.
    try:
        data = out.tobytes() if len(out) else b""
    except (ValueError, TypeError, struct.error):
        data = b""
    if orientation != 1 and (not data or Base.Orientation not in out):
        data = _orientation_only(orientation)  # EXIF that cannot be written again
    meta.exif = data
    meta.xmp = xmp
    comment = im.info.get("comment")
    meta.comment = comment if isinstance(comment, bytes) and comment else None
    return meta


def _orientation_only(orientation: int) -> bytes:
    """EXIF holding just ``orientation`` (nothing when it is 1)."""
    if orientation == 1:
        return b""
    only = Image.Exif()
    only[Base.Orientation] = orientation
    return only.tobytes()


def lossless_jpeg_metadata(path: Path, meta: Metadata) -> bytes | None:
    """The JPEG with only its metadata segments replaced (pixels untouched), or None.

    APP1 (EXIF, XMP), COM and other application segments are replaced by ``meta``;
    APP0 (JFIF), the ICC profile (APP2), APP14 (Adobe colour transform), the tables and
    the image data are copied byte for byte. Only the first picture is kept: what
    follows it (the other pictures of an MPO, a phone's appended video or trailer) may
    hold metadata of its own that cannot be cleaned here. None when the file is not a
    JPEG this understands, or ``meta`` does not fit in a segment.
    """
    data = path.read_bytes()
    if data[:2] != b"\xff\xd8":
        return None
    head = bytearray()
    body = bytearray()
    pos = 2
    ours = b""
    if meta.exif:
        exif = _segment(0xE1, b"Exif\x00\x00" + meta.exif.removeprefix(b"Exif\x00\x00"))
        if not exif:
            return None
        ours += exif
    if meta.xmp:
        ours += _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + meta.xmp)
    if meta.comment:
        ours += _segment(0xFE, meta.comment)
    first = True
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the rest of the picture is image data
            end = _end_of_picture(data, pos)
            if end is None:
                return None
            return b"\xff\xd8" + bytes(head) + ours + bytes(body) + data[pos:end]
        if marker == 0xD9:
            return None
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segment = data[pos : pos + 2 + length]
        if len(segment) < 2 + length:
            return None
        pos += 2 + length
        if marker == 0xE0 and first:
            head += segment  # JFIF stays first
        elif _kept_segment(marker, segment):
            body += segment
        first = False
    return None


def _kept_segment(marker: int, segment: bytes) -> bool:
    """Tables, frame headers, the ICC profile (APP2) and Adobe's colour transform (APP14)
    stay; other application segments (MPF, FlashPix, Photoshop…) and comments go."""
    if marker == 0xE2:
        return segment[4:16] == b"ICC_PROFILE\x00"
    return marker == 0xEE or not (0xE0 <= marker <= 0xEF or marker == 0xFE)


def _end_of_picture(data: bytes, pos: int) -> int | None:
    """Where the picture whose first scan starts at ``pos`` ends (after its EOI marker).

    Entropy-coded data holds 0xFF only as 0xFF00 or a restart marker; any other marker
    is a segment between scans (progressive JPEGs) and is skipped by its length.
    """
    size = len(data)
    while pos + 4 <= size:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xD9:
            return pos + 2
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
        while True:  # entropy-coded data (none after a table segment), up to a marker
            pos = data.find(b"\xff", pos)
            if pos < 0 or pos + 1 >= size:
                return None
            following = data[pos + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                pos += 2
            elif following == 0xFF:
                pos += 1  # fill byte before a marker
            else:
                break
    if pos + 2 <= size and data[pos : pos + 2] == b"\xff\xd9":
        return pos + 2
    return None


def _segment(marker: int, payload: bytes) -> bytes:
    if len(payload) + 2 > 0xFFFF:
        return b""
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
