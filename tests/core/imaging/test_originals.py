"""Originals stay originals (issue 16, item 6).

With no resize, no format change and no sRGB conversion an image's coded pixels are never
re-encoded: its EXIF orientation stays a tag, and GPS (or all metadata) is removed by
rewriting the metadata segments or chunks only. Re-encoding happens only when a resize,
a format change or an sRGB conversion was asked for; ``planned_changes`` says beforehand
which of these will happen to a file.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from s3uploader_gui.core.imaging.changes import ImageChanges, planned_changes
from s3uploader_gui.core.imaging.options import (
    AnimationPolicy,
    ImageOptions,
    MetadataPolicy,
    OutputFormat,
)
from s3uploader_gui.core.imaging.prepare import process_image
from tests.helpers.images import (
    BLUE,
    RED,
    close,
    exif_with,
    linear_rgb_icc,
    marked,
    oriented_jpeg,
    photo,
    srgb_icc,
)

ORIENTATIONS = range(1, 9)
GPS_IFD = 0x8825
ORIENTATION = 0x0112
MODEL = 0x0110


def uploaded(path: Path, options: ImageOptions) -> bytes:
    """The bytes the upload of ``path`` with ``options`` sends."""
    buf = io.BytesIO()
    result = process_image(path, options, buf)
    return buf.getvalue() if result.changed else path.read_bytes()


def upright(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as im:
        turned = ImageOps.exif_transpose(im)
        turned.load()
        return turned


def jpeg_scan(data: bytes) -> bytes:
    """Everything from the first start-of-scan marker on (walking the segments, so a
    0xFFDA inside the EXIF is not mistaken for it)."""
    assert data[:2] == b"\xff\xd8"
    pos = 2
    while True:
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        if marker == 0xDA:
            return data[pos:]
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length


def jpeg_markers(data: bytes) -> list[bytes]:
    """The marker and first bytes of each segment before the scan (APPn name included)."""
    out = []
    pos = 2
    while data[pos + 1] != 0xDA:
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        out.append(data[pos + 1 : pos + 1 + 1] + data[pos + 4 : pos + 4 + 12])
        pos += 2 + length
    return out


def exif_of(data: bytes) -> Image.Exif:
    with Image.open(io.BytesIO(data)) as im:
        return im.getexif()


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    pos, out = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        out.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def riff_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    pos, out = 12, []
    while pos < len(data):
        kind = data[pos : pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        out.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 8 + length + (length & 1)
    return out


# -- JPEG: original size, same format, strip location -------------------------------------
@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_gps_is_removed_without_touching_the_scan(tmp_path: Path, orientation: int) -> None:
    path = photo(tmp_path / f"o{orientation}.jpg", (400, 300), orientation=orientation)
    original = path.read_bytes()
    data = uploaded(path, ImageOptions())  # original size, same format, strip location
    assert path.read_bytes() == original, "the original was modified"
    assert jpeg_scan(data) == jpeg_scan(original), "the image data was re-encoded"
    assert upright(data).tobytes() == upright(original).tobytes()
    exif = exif_of(data)
    assert dict(exif.get_ifd(GPS_IFD)) == {}
    assert b"GPS" not in data.split(b"\xff\xda")[0].replace(b"GPSInfo", b"")
    assert exif[ORIENTATION] == orientation  # viewers still turn it upright
    assert exif[MODEL] == "Canon EOS R5"  # the rest of the metadata stays
    with Image.open(io.BytesIO(data)) as im:
        assert im.info["icc_profile"] == srgb_icc()


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_a_turned_photo_without_gps_is_uploaded_as_it_is(tmp_path: Path, orientation: int) -> None:
    path = oriented_jpeg(tmp_path / f"o{orientation}.jpg", orientation, (120, 80))
    result = process_image(path, ImageOptions(), io.BytesIO())
    assert not result.changed and result.path == path
    data = uploaded(path, ImageOptions())
    assert data == path.read_bytes()
    im = upright(data).convert("RGB")
    assert im.size == (120, 80)
    assert close(im.getpixel((3, 3)), RED) and close(im.getpixel((116, 3)), BLUE)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_strip_all_keeps_the_scan_colour_profile_and_orientation(
    tmp_path: Path, orientation: int
) -> None:
    path = photo(tmp_path / f"o{orientation}.jpg", (400, 300), orientation=orientation)
    original = path.read_bytes()
    data = uploaded(path, ImageOptions(metadata=MetadataPolicy.STRIP_ALL))
    assert jpeg_scan(data) == jpeg_scan(original), "the image data was re-encoded"
    assert upright(data).tobytes() == upright(original).tobytes()
    exif = exif_of(data)
    # Only what is needed to show it right: the orientation and the colour profile.
    assert dict(exif) == ({} if orientation == 1 else {ORIENTATION: orientation})
    assert b"Canon" not in data[: len(data) - len(jpeg_scan(data))]
    with Image.open(io.BytesIO(data)) as im:
        assert im.info["icc_profile"] == srgb_icc()


@pytest.mark.parametrize(
    "encoding",
    [
        {"progressive": True},
        {"restart_marker_blocks": 1},
        {"progressive": True, "restart_marker_rows": 1},
    ],
    ids=["progressive", "restart-markers", "progressive-restart"],
)
def test_every_jpeg_layout_keeps_its_scans(tmp_path: Path, encoding: dict[str, object]) -> None:
    path = tmp_path / "p.jpg"
    marked((333, 222)).save(path, "JPEG", exif=exif_with(orientation=5, gps=True), **encoding)
    picture = path.read_bytes()
    path.write_bytes(picture + b"a trailer that may hold a place")  # e.g. a phone's video
    data = uploaded(path, ImageOptions())
    assert jpeg_scan(data) == jpeg_scan(picture)  # every scan, up to the end of the picture
    assert upright(data).tobytes() == upright(picture).tobytes()
    assert dict(exif_of(data).get_ifd(GPS_IFD)) == {} and exif_of(data)[ORIENTATION] == 5


def test_an_mpo_keeps_its_first_picture_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "camera.jpg"
    first, second = marked((400, 300)), marked((160, 120)).transpose(Image.Transpose.ROTATE_180)
    exif = exif_with(orientation=6, gps=True, camera=("Canon", "Canon EOS R5"))
    first.save(path, "MPO", save_all=True, append_images=[second], exif=exif, quality=92)
    with Image.open(path) as im:
        assert im.format == "MPO"  # what Pillow makes of many camera JPEGs
    original = path.read_bytes()
    data = uploaded(path, ImageOptions())
    assert data.startswith(b"\xff\xd8") and data.endswith(b"\xff\xd9")
    end = original.index(b"\xff\xd9", len(original) - len(jpeg_scan(original))) + 2
    assert data.endswith(jpeg_scan(original[:end])), "the first picture was re-encoded"
    assert b"MPF\x00" not in data  # the index of pictures that are no longer there
    exif = exif_of(data)
    assert dict(exif.get_ifd(GPS_IFD)) == {} and exif[ORIENTATION] == 6
    assert planned_changes(path, ImageOptions()).will_reencode is False


# -- PNG and WebP: chunks rewritten, pixels untouched ---------------------------------------
@pytest.mark.parametrize("orientation", [1, 6])
def test_png_chunks_are_rewritten_not_the_pixels(tmp_path: Path, orientation: int) -> None:
    path = photo(tmp_path / "p.png", (200, 150), orientation=orientation, fmt="PNG")
    original = path.read_bytes()
    data = uploaded(path, ImageOptions())
    idat = [c for c in png_chunks(original) if c[0] == b"IDAT"]
    assert [c for c in png_chunks(data) if c[0] == b"IDAT"] == idat
    exif = exif_of(data)
    assert dict(exif.get_ifd(GPS_IFD)) == {} and exif[ORIENTATION] == orientation
    assert exif[MODEL] == "Canon EOS R5"
    assert upright(data).tobytes() == upright(original).tobytes()
    stripped = uploaded(path, ImageOptions(metadata=MetadataPolicy.STRIP_ALL))
    assert [c for c in png_chunks(stripped) if c[0] == b"IDAT"] == idat
    assert dict(exif_of(stripped)) == ({} if orientation == 1 else {ORIENTATION: orientation})
    with Image.open(io.BytesIO(stripped)) as im:
        assert im.info["icc_profile"] == srgb_icc()


@pytest.mark.parametrize("orientation", [1, 8])
def test_webp_chunks_are_rewritten_not_the_pixels(tmp_path: Path, orientation: int) -> None:
    path = photo(tmp_path / "p.webp", (200, 150), orientation=orientation, fmt="WEBP")
    original = path.read_bytes()
    data = uploaded(path, ImageOptions())
    coded = [c for c in riff_chunks(original) if c[0] in (b"VP8 ", b"VP8L", b"ALPH")]
    assert [c for c in riff_chunks(data) if c[0] in (b"VP8 ", b"VP8L", b"ALPH")] == coded
    exif = exif_of(data)
    assert dict(exif.get_ifd(GPS_IFD)) == {} and exif[ORIENTATION] == orientation
    assert upright(data).tobytes() == upright(original).tobytes()
    stripped = uploaded(path, ImageOptions(metadata=MetadataPolicy.STRIP_ALL))
    chunks = riff_chunks(stripped)
    assert [c for c in chunks if c[0] in (b"VP8 ", b"VP8L", b"ALPH")] == coded
    assert (b"EXIF" in [k for k, _ in chunks]) == (orientation != 1)
    flags = chunks[0][1][0]
    assert bool(flags & 0x08) == (orientation != 1)  # the VP8X EXIF flag follows the chunk


def test_an_animated_webp_loses_its_gps_without_being_re_encoded(tmp_path: Path) -> None:
    path = tmp_path / "a.webp"
    frames = [Image.new("RGB", (80, 60), c) for c in (RED, BLUE, RED, BLUE)]
    frames[0].save(
        path, "WEBP", save_all=True, append_images=frames[1:], duration=90, loop=0,
        exif=exif_with(gps=True, camera=("Canon", "Canon EOS R5")),
    )  # fmt: skip
    original = path.read_bytes()
    assert planned_changes(path, ImageOptions()).will_strip_gps
    data = uploaded(path, ImageOptions())
    keep = (b"ANIM", b"ANMF")
    assert [c for c in riff_chunks(data) if c[0] in keep] == [
        c for c in riff_chunks(original) if c[0] in keep
    ]
    assert dict(exif_of(data).get_ifd(GPS_IFD)) == {}
    as_is = ImageOptions(animation=AnimationPolicy.KEEP)
    assert uploaded(path, as_is) == original  # "upload animations exactly as they are"
    assert not planned_changes(path, as_is).will_strip_gps


# -- re-encoding only when asked for ---------------------------------------------------------
@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_a_resize_re_encodes_upright(tmp_path: Path, orientation: int) -> None:
    path = photo(tmp_path / f"o{orientation}.jpg", (400, 300), orientation=orientation)
    buf = io.BytesIO()
    result = process_image(path, ImageOptions(max_edge=200), buf)
    assert result.changed and result.reencoded
    data = buf.getvalue()
    assert jpeg_scan(data) != jpeg_scan(path.read_bytes())
    exif = exif_of(data)
    assert exif.get(ORIENTATION, 1) == 1 and dict(exif.get_ifd(GPS_IFD)) == {}
    want = upright(path.read_bytes()).resize((200, 150) if orientation < 5 else (150, 200))
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == want.size
        rgb = im.convert("RGB")
        assert close(rgb.getpixel((3, 3)), want.getpixel((3, 3)))
        corner = (want.width - 4, 3)
        assert close(rgb.getpixel(corner), want.getpixel(corner))


def test_same_format_chosen_by_name_is_no_change(tmp_path: Path) -> None:
    path = oriented_jpeg(tmp_path / "o6.jpg", 6)
    options = ImageOptions(format=OutputFormat.JPEG, metadata=MetadataPolicy.KEEP)
    assert not process_image(path, options, io.BytesIO()).changed


# -- planned_changes ---------------------------------------------------------------------------
def test_planned_changes_says_what_will_happen(tmp_path: Path) -> None:
    turned = photo(tmp_path / "turned.jpg", (400, 300), orientation=6)
    plan = planned_changes(turned, ImageOptions())
    assert isinstance(plan, ImageChanges)
    assert plan == ImageChanges(
        in_format="JPEG",
        out_format="JPEG",
        width=300,
        height=400,
        will_resize=False,
        will_convert=False,
        will_convert_srgb=False,
        will_reencode=False,
        will_strip_gps=True,
        will_strip_metadata=False,
        keeps_orientation_tag=True,
        quality=None,
    )
    assert plan.rewrites_metadata and not plan.unchanged
    with pytest.raises(AttributeError):
        plan.will_resize = True  # type: ignore[misc]

    resized = planned_changes(turned, ImageOptions(max_edge=200))
    assert resized.will_resize and resized.will_reencode and not resized.will_convert
    assert (resized.width, resized.height, resized.quality) == (150, 200, 85)
    assert not resized.keeps_orientation_tag and resized.will_strip_gps

    webp = planned_changes(turned, ImageOptions(format=OutputFormat.WEBP, quality=70))
    assert webp.will_convert and webp.will_reencode and webp.out_format == "WEBP"
    assert webp.quality == 70 and not webp.will_resize

    kept = planned_changes(turned, ImageOptions(metadata=MetadataPolicy.KEEP))
    assert kept.unchanged and kept.keeps_orientation_tag and not kept.will_strip_gps

    stripped = planned_changes(turned, ImageOptions(metadata=MetadataPolicy.STRIP_ALL))
    assert stripped.will_strip_metadata and stripped.will_strip_gps
    assert not stripped.will_reencode and stripped.keeps_orientation_tag

    linear = tmp_path / "linear.jpg"
    Image.new("RGB", (40, 40), (128, 128, 128)).save(linear, "JPEG", icc_profile=linear_rgb_icc())
    srgb = planned_changes(linear, ImageOptions(to_srgb=True))
    assert srgb.will_convert_srgb and srgb.will_reencode and not srgb.will_convert
    assert srgb.quality is None  # same size and format: the original's tables are reused
    already = planned_changes(turned, ImageOptions(to_srgb=True, metadata=MetadataPolicy.KEEP))
    assert not already.will_convert_srgb and already.unchanged

    png = photo(tmp_path / "p.png", (200, 100), fmt="PNG", orientation=3)
    as_png = planned_changes(png, ImageOptions())
    assert not as_png.will_reencode and as_png.will_strip_gps and as_png.keeps_orientation_tag
    assert planned_changes(png, ImageOptions(max_edge=50)).quality is None  # lossless


@pytest.mark.parametrize(
    "options",
    [
        ImageOptions(),
        ImageOptions(max_edge=200),
        ImageOptions(max_edge=4000),
        ImageOptions(format=OutputFormat.PNG),
        ImageOptions(format=OutputFormat.JPEG),
        ImageOptions(metadata=MetadataPolicy.STRIP_ALL),
        ImageOptions(metadata=MetadataPolicy.KEEP, to_srgb=True),
    ],
    ids=lambda o: o.describe(),
)
@pytest.mark.parametrize("orientation", [1, 6])
def test_the_plan_is_what_happens(tmp_path: Path, options: ImageOptions, orientation: int) -> None:
    path = photo(tmp_path / "p.jpg", (400, 300), orientation=orientation)
    plan = planned_changes(path, options)
    buf = io.BytesIO()
    result = process_image(path, options, buf)
    assert result.changed == (not plan.unchanged)
    assert result.reencoded == plan.will_reencode
    data = buf.getvalue() if result.changed else path.read_bytes()
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == plan.out_format
        exif = im.getexif()
        assert (exif.get(ORIENTATION, 1) != 1) == plan.keeps_orientation_tag
        assert bool(dict(exif.get_ifd(GPS_IFD))) == (not plan.will_strip_gps)
    assert upright(data).size == (plan.width, plan.height)
