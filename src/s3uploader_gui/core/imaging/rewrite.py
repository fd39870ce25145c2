"""Replacing an image file's metadata without re-encoding its pixels.

``rewrite_metadata`` writes a JPEG, PNG or WebP file again with the metadata that
``metadata.metadata_for`` chose, copying the coded image data byte for byte: removing
GPS (or everything) from a photo costs it no quality. Pillow has no such operation (its
writers always encode pixels), so the containers are rewritten here: JPEG segments
(``metadata.lossless_jpeg_metadata``), PNG chunks and WebP's RIFF chunks. Other formats
(TIFF, GIF…) are re-encoded by ``prepare`` instead; ``changes.changes_for`` says so.
"""

from __future__ import annotations

import struct
from pathlib import Path

from s3uploader_gui.core.imaging.metadata import Metadata, lossless_jpeg_metadata
from s3uploader_gui.core.imaging.options import MetadataPolicy

#: The formats ``rewrite_metadata`` handles (MPO: a JPEG holding several pictures).
REWRITABLE = frozenset({"JPEG", "MPO", "PNG", "WEBP"})

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_XMP_KEYWORD = b"XML:com.adobe.xmp"
#: Text chunks holding EXIF as hex (ImageMagick, exiftool): ``meta.exif`` replaces them.
_RAW_EXIF_KEYWORDS = frozenset({b"Raw profile type exif", b"Raw profile type APP1"})
_PNG_TEXT = frozenset({b"tEXt", b"zTXt", b"iTXt"})
#: What "strip all metadata" leaves in a PNG: the image, how to show it, and animation.
_PNG_KEEP_ALL_STRIPPED = frozenset(
    {
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT",
        b"sRGB", b"cICP", b"mDCV", b"cLLI", b"mDCv", b"cLLi", b"bKGD", b"pHYs", b"acTL",
        b"fcTL", b"fdAT",
    }
)  # fmt: skip
#: What "strip all metadata" leaves in a WebP (the EXIF chunk is written anew).
_WEBP_KEEP_ALL_STRIPPED = frozenset({b"VP8X", b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L"})
_WEBP_EXIF_FLAG = 0x08
_WEBP_XMP_FLAG = 0x04


def rewrite_metadata(path: Path, fmt: str, meta: Metadata, policy: MetadataPolicy) -> bytes | None:
    """The file at ``path`` (a ``fmt`` image) with ``meta`` as its metadata, its coded
    pixels unchanged; None when it cannot be done for this file (re-encode it then)."""
    if fmt in ("JPEG", "MPO"):
        return lossless_jpeg_metadata(path, meta)
    if fmt == "PNG":
        return _png(path.read_bytes(), meta, policy)
    if fmt == "WEBP":
        return _webp(path.read_bytes(), meta, policy)
    return None


def _tiff_exif(meta: Metadata) -> bytes:
    """The EXIF as PNG and WebP hold it: the TIFF structure, without JPEG's prefix."""
    return meta.exif.removeprefix(b"Exif\x00\x00") if meta.exif else b""


# -- PNG ------------------------------------------------------------------------------------
def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    import zlib

    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def _png(data: bytes, meta: Metadata, policy: MetadataPolicy) -> bytes | None:
    if not data.startswith(_PNG_SIGNATURE):
        return None
    ours = b""
    exif = _tiff_exif(meta)
    if exif:
        ours += _png_chunk(b"eXIf", exif)
    if meta.xmp and policy is not MetadataPolicy.STRIP_ALL:
        # iTXt: keyword, no compression, no language, no translated keyword, the text.
        ours += _png_chunk(b"iTXt", _XMP_KEYWORD + b"\x00\x00\x00\x00\x00" + meta.xmp)
    out = bytearray(_PNG_SIGNATURE)
    pos = len(_PNG_SIGNATURE)
    placed = False
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            return None
        chunk, payload = data[pos:end], data[pos + 8 : pos + 8 + length]
        pos = end
        if kind in (b"IDAT", b"IEND", b"acTL", b"fcTL") and not placed:
            out += ours  # metadata goes before the image data (eXIf must)
            placed = True
        if _png_keeps(kind, payload, policy):
            out += chunk
        if kind == b"IEND":
            return bytes(out)
    return None


def _png_keeps(kind: bytes, payload: bytes, policy: MetadataPolicy) -> bool:
    if policy is MetadataPolicy.STRIP_ALL:
        return kind in _PNG_KEEP_ALL_STRIPPED
    if kind == b"eXIf":
        return False  # replaced by ``meta.exif``
    if kind in _PNG_TEXT:
        keyword = payload.split(b"\x00", 1)[0]
        return keyword != _XMP_KEYWORD and keyword not in _RAW_EXIF_KEYWORDS
    return True


# -- WebP -----------------------------------------------------------------------------------
def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    pad = b"\x00" if len(payload) & 1 else b""
    return kind + struct.pack("<I", len(payload)) + payload + pad


def _webp(data: bytes, meta: Metadata, policy: MetadataPolicy) -> bytes | None:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunks: list[tuple[bytes, bytes]] = []
    pos = 12
    end = min(len(data), 8 + struct.unpack("<I", data[4:8])[0])
    while pos + 8 <= end:
        kind = data[pos : pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        if pos + 8 + length > end:
            return None
        chunks.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 8 + length + (length & 1)
    if not chunks:
        return None
    if chunks[0][0] != b"VP8X":
        # The simple format (one VP8/VP8L chunk) holds no metadata to remove, nor an
        # orientation to keep.
        return data
    vp8x = bytearray(chunks[0][1])
    if len(vp8x) < 10:
        return None
    kept = [
        (kind, payload)
        for kind, payload in chunks[1:]
        if kind not in (b"EXIF", b"XMP ")
        and (policy is not MetadataPolicy.STRIP_ALL or kind in _WEBP_KEEP_ALL_STRIPPED)
    ]
    exif = _tiff_exif(meta)
    xmp = meta.xmp if policy is not MetadataPolicy.STRIP_ALL else None
    vp8x[0] &= ~(_WEBP_EXIF_FLAG | _WEBP_XMP_FLAG) & 0xFF
    if exif:
        vp8x[0] |= _WEBP_EXIF_FLAG
        kept.append((b"EXIF", exif))
    if xmp:
        vp8x[0] |= _WEBP_XMP_FLAG
        kept.append((b"XMP ", xmp))
    body = _riff_chunk(b"VP8X", bytes(vp8x)) + b"".join(_riff_chunk(k, p) for k, p in kept)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
