"""core.imaging: safe open, orientation, resize, formats, metadata, the engine hook."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from s3uploader_gui.core import imaging
from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import BadImage, LocalFileError
from s3uploader_gui.core.imaging import formats, opening
from s3uploader_gui.core.imaging.info import read_info
from s3uploader_gui.core.imaging.options import (
    AnimationPolicy,
    ImageOptions,
    MetadataPolicy,
    OutputFormat,
)
from s3uploader_gui.core.imaging.prepare import ImagePreparer, output_key, process_image
from s3uploader_gui.core.imaging.thumbnails import make_thumbnail
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import ItemStatus
from tests.helpers.files import make_jpeg
from tests.helpers.images import (
    BLUE,
    GREEN,
    RED,
    alpha_png,
    animated_gif,
    animated_webp,
    close,
    linear_rgb_icc,
    oriented_jpeg,
    photo,
    png_header_bomb,
    srgb_icc,
)

JPEG_2048 = ImageOptions(max_edge=2048, format=OutputFormat.JPEG)


def run(path: Path, options: ImageOptions) -> tuple[imaging.ProcessResult, Image.Image]:
    buf = io.BytesIO()
    result = process_image(path, options, buf)
    assert result.changed
    im = Image.open(io.BytesIO(buf.getvalue()))
    im.load()
    return result, im


def size_of(path: Path) -> tuple[int, int]:
    with Image.open(path) as im:
        return im.size


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- bad inputs: one clear error each --------------------------------------------------
def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(BadImage, match=r"empty.jpg is empty \(0 bytes\)"):
        process_image(path, JPEG_2048, io.BytesIO())


def test_truncated_jpeg(tmp_path: Path) -> None:
    good = photo(tmp_path / "good.jpg", (300, 200), gps=False)
    path = tmp_path / "cut.jpg"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(BadImage, match=r"cut\.jpg is truncated"):
        process_image(path, ImageOptions(max_edge=100), io.BytesIO())


def test_corrupt_image_data(tmp_path: Path) -> None:
    good = photo(tmp_path / "good.png", (64, 64), gps=False, icc=False, fmt="PNG")
    data = bytearray(good.read_bytes())
    start = data.index(b"IDAT") + 8
    data[start : start + 40] = b"\x00" * 40  # break the zlib stream
    path = tmp_path / "broken.png"
    path.write_bytes(bytes(data))
    with pytest.raises(BadImage, match=r"broken\.png is (damaged|truncated)"):
        process_image(path, ImageOptions(max_edge=10), io.BytesIO())


def test_not_an_image_with_image_extension(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("just some text, not a picture\n")
    with pytest.raises(BadImage, match=r"notes\.png is not an image"):
        process_image(path, JPEG_2048, io.BytesIO())


def test_vanished_file(tmp_path: Path) -> None:
    with pytest.raises(LocalFileError, match="no longer exists"):
        process_image(tmp_path / "gone.jpg", JPEG_2048, io.BytesIO())


def test_folder_with_image_name(tmp_path: Path) -> None:
    (tmp_path / "album.jpg").mkdir()
    with pytest.raises(LocalFileError, match="is a folder"):
        read_info(tmp_path / "album.jpg")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_jpeg(tmp_path / "secret.jpg")

    def denied(file: object, mode: str = "r") -> object:
        raise PermissionError(13, "Permission denied", str(file))

    # Tests run as root here, so chmod cannot make a file unreadable.
    monkeypatch.setattr(opening, "open", denied, raising=False)
    with pytest.raises(LocalFileError, match="permission denied"):
        process_image(path, JPEG_2048, io.BytesIO())


def test_decompression_bomb_header(tmp_path: Path) -> None:
    path = png_header_bomb(tmp_path / "bomb.png")
    with pytest.raises(BadImage, match="decompression bomb") as info:
        read_info(path)
    assert info.value.code == "DecompressionBomb"
    with pytest.raises(BadImage, match="decompression bomb"):
        make_thumbnail(path)


def test_bomb_between_the_limit_and_twice_it(tmp_path: Path) -> None:
    """Pillow only warns there; the app still refuses, with the same sentence."""
    path = png_header_bomb(tmp_path / "wide.png", 15_000, 15_000)  # 225 MP
    with pytest.raises(BadImage, match="decompression bomb"):
        read_info(path)


def test_pixel_limit_is_configurable(tmp_path: Path) -> None:
    path = make_jpeg(tmp_path / "a.jpg", (100, 100))
    with pytest.raises(BadImage, match="too large"), imaging.open_image(path, max_pixels=5000):
        pass


def test_heic_without_pillow_heif_says_unsupported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "_heif_state", False)
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    with pytest.raises(BadImage, match=r"unsupported format.*pillow-heif") as info:
        process_image(path, JPEG_2048, io.BytesIO())
    assert info.value.code == "UnsupportedFormat"


def test_heic_with_pillow_heif_becomes_jpeg(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    assert imaging.heif_supported()
    path = tmp_path / "IMG_0002.heic"
    try:
        pillow_heif.from_pillow(Image.new("RGB", (64, 48), RED)).save(path, quality=90)
    except Exception as exc:  # a build without an HEVC encoder
        pytest.skip(f"pillow-heif cannot write HEIC here: {exc}")
    result, im = run(path, ImageOptions(max_edge=32))
    assert (result.format, result.extension, result.content_type) == ("JPEG", ".jpg", "image/jpeg")
    assert im.size == (32, 24)
    assert output_key("2026/IMG_0002.heic", result.extension) == "2026/IMG_0002.jpg"


def test_bad_items_fail_alone_in_an_upload(engine: TransferEngine, http_bucket: str, tmp_path):
    """The engine hook: broken images fail with their sentence, the rest upload."""
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "text.png"
    text.write_text("hello")
    good = photo(tmp_path / "good.jpg", (300, 200))
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image, uploaded as it is")
    files = [empty, text, good, notes]
    sources = [UploadSource(path=p, key=f"in/{p.name}", size=p.stat().st_size) for p in files]
    prep = ImagePreparer(ImageOptions(max_edge=100, format=OutputFormat.WEBP), out_dir=tmp_path)
    results = engine.upload(http_bucket, sources, prepare=prep, prepare_workers=2)
    statuses = [r.status for r in results]
    assert statuses == [ItemStatus.FAILED, ItemStatus.FAILED, ItemStatus.DONE, ItemStatus.DONE]
    assert "empty.jpg is empty" in results[0].error.message
    assert "text.png is not an image" in results[1].error.message
    client = engine.context.client
    head = client.head_object(Bucket=http_bucket, Key="in/good.webp")
    assert head["ContentType"] == "image/webp"
    assert client.get_object(Bucket=http_bucket, Key="in/notes.txt")["Body"].read() == (
        b"not an image, uploaded as it is"
    )
    assert not list(tmp_path.glob("prep-*")), "temporary files were left behind"


# -- orientation --------------------------------------------------------------------------
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(tmp_path: Path, orientation: int) -> None:
    path = oriented_jpeg(tmp_path / f"o{orientation}.jpg", orientation, (120, 80))
    before = sha(path)
    _, im = run(path, ImageOptions(max_edge=60, format=OutputFormat.PNG))
    assert im.size == (60, 40)
    rgb = im.convert("RGB")
    assert close(rgb.getpixel((2, 2)), RED), rgb.getpixel((2, 2))
    assert close(rgb.getpixel((57, 2)), BLUE), rgb.getpixel((57, 2))
    assert close(rgb.getpixel((2, 37)), (255, 255, 255))
    assert im.getexif().get(0x0112, 1) == 1
    thumb = Image.open(io.BytesIO(make_thumbnail(path, 30).data)).convert("RGB")
    assert thumb.size == (30, 20)
    assert close(thumb.getpixel((1, 1)), RED, 60)
    assert close(thumb.getpixel((28, 1)), BLUE, 60)
    assert sha(path) == before, "the original was modified"


def test_orientation_is_applied_when_re_encoding_at_full_size(tmp_path: Path) -> None:
    path = oriented_jpeg(tmp_path / "o6.jpg", 6, (120, 80))
    # Orientation alone is no reason to re-encode (tests/core/imaging/test_originals.py);
    # a format change is, and then the pixels are turned upright.
    _, im = run(path, ImageOptions(metadata=MetadataPolicy.KEEP, format=OutputFormat.PNG))
    assert im.size == (120, 80)
    assert close(im.getpixel((3, 3)), RED)
    assert im.getexif()[0x0112] == 1


# -- sizes -------------------------------------------------------------------------------
def test_never_upscales(tmp_path: Path) -> None:
    path = photo(tmp_path / "small.jpg", (100, 50), gps=False)
    result = process_image(path, ImageOptions(max_edge=2048), io.BytesIO())
    assert not result.changed and result.path == path
    _, im = run(path, ImageOptions(max_edge=2048, format=OutputFormat.PNG))
    assert im.size == (100, 50)


def test_draft_decode_never_below_target(tmp_path: Path) -> None:
    path = photo(tmp_path / "big.jpg", (1600, 1200), gps=False)
    _, im = run(path, ImageOptions(max_edge=500, format=OutputFormat.JPEG))
    assert im.size == (500, 375)
    _, im = run(path, ImageOptions(max_edge=1500, format=OutputFormat.JPEG))
    assert im.size == (1500, 1125)


def test_thumbnail_info(tmp_path: Path) -> None:
    path = photo(tmp_path / "p.jpg", (400, 300), orientation=6)
    thumb = make_thumbnail(path, 64)
    assert thumb.format == "JPEG" and max(thumb.width, thumb.height) == 64
    assert (thumb.width, thumb.height) == (48, 64)  # upright: portrait
    info = thumb.info
    assert (info.width, info.height, info.format) == (300, 400, "JPEG")
    assert info.camera == "Canon EOS R5"
    assert info.taken == "2024-05-01 10:20:30"
    assert info.has_gps and info.has_icc and info.file_size == path.stat().st_size


# -- formats and modes ----------------------------------------------------------------------
def test_alpha_to_jpeg_is_flattened_on_the_chosen_background(tmp_path: Path) -> None:
    path = alpha_png(tmp_path / "logo.png")
    options = ImageOptions(format=OutputFormat.JPEG, background=(255, 0, 255))
    result, im = run(path, options)
    assert result.content_type == "image/jpeg" and im.mode == "RGB"
    assert close(im.getpixel((5, 20)), (255, 0, 255))
    assert close(im.getpixel((50, 20)), GREEN)


@pytest.mark.parametrize("fmt", [OutputFormat.PNG, OutputFormat.WEBP])
def test_alpha_is_kept_for_png_and_webp(tmp_path: Path, fmt: OutputFormat) -> None:
    path = alpha_png(tmp_path / "logo.png", (120, 80))
    _, im = run(path, ImageOptions(max_edge=60, format=fmt))
    assert im.mode == "RGBA" and im.size == (60, 40)
    assert im.getpixel((5, 20))[3] == 0
    assert im.getpixel((50, 20))[3] == 255


def test_animated_gif_keeps_every_frame(tmp_path: Path) -> None:
    path = animated_gif(tmp_path / "anim.gif", frames=5, size=(80, 60))
    result, im = run(path, ImageOptions(max_edge=40, format=OutputFormat.JPEG))
    assert result.format == "GIF" and result.content_type == "image/gif"
    assert im.n_frames == 5 and im.size == (40, 30)
    colours = []
    for i in range(5):
        im.seek(i)
        colours.append(im.convert("RGB").getpixel((20, 15)))
    assert close(colours[0], RED) and close(colours[1], GREEN) and close(colours[2], BLUE)


def test_animated_webp_resized_frame_by_frame(tmp_path: Path) -> None:
    path = animated_webp(tmp_path / "anim.webp", frames=4)
    result, im = run(path, ImageOptions(max_edge=40, format=OutputFormat.WEBP))
    assert result.format == "WEBP" and im.n_frames == 4 and im.size == (40, 30)


def test_animation_kept_as_is_when_asked(tmp_path: Path) -> None:
    path = animated_gif(tmp_path / "anim.gif")
    options = ImageOptions(max_edge=40, animation=AnimationPolicy.KEEP)
    result = process_image(path, options, io.BytesIO())
    assert not result.changed and result.path == path


def test_cmyk_jpeg_comes_out_rgb_with_right_colours(tmp_path: Path) -> None:
    path = tmp_path / "print.jpg"
    Image.new("CMYK", (80, 60), (0, 255, 255, 0)).save(path, "JPEG", quality=95)
    _, im = run(path, ImageOptions(max_edge=40, format=OutputFormat.JPEG))
    assert im.mode == "RGB" and close(im.getpixel((20, 15)), RED, 50)


def test_16_bit_grey_is_scaled_not_clipped(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    Image.new("I;16", (40, 40), 32768).save(path, "PNG")
    _, im = run(path, ImageOptions(max_edge=20, format=OutputFormat.JPEG))
    assert im.mode == "L" and abs(im.getpixel((10, 10)) - 128) <= 3


def test_palette_with_transparency(tmp_path: Path) -> None:
    path = tmp_path / "icon.png"
    im = Image.new("P", (40, 40), 0)
    im.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    im.paste(1, (20, 0, 40, 40))
    im.info["transparency"] = 0
    im.save(path, "PNG", transparency=0)
    _, out = run(path, ImageOptions(max_edge=20, format=OutputFormat.PNG))
    assert out.mode == "RGBA" and out.getpixel((2, 10))[3] == 0
    assert close(out.getpixel((17, 10)), (*BLUE, 255))
    _, jpg = run(path, ImageOptions(max_edge=20, format=OutputFormat.JPEG, background=(0, 0, 0)))
    assert close(jpg.getpixel((2, 10)), (0, 0, 0)) and close(jpg.getpixel((17, 10)), BLUE)


def test_grey_and_grey_alpha(tmp_path: Path) -> None:
    grey = tmp_path / "grey.png"
    Image.new("L", (40, 40), 200).save(grey)
    _, out = run(grey, ImageOptions(format=OutputFormat.JPEG))
    assert out.mode == "L" and abs(out.getpixel((5, 5)) - 200) <= 3
    la = tmp_path / "la.png"
    Image.new("LA", (40, 40), (90, 0)).save(la)
    _, out = run(la, ImageOptions(format=OutputFormat.WEBP))
    assert out.mode == "RGBA" and out.getpixel((5, 5))[3] == 0
    _, out = run(la, ImageOptions(format=OutputFormat.JPEG, background=(255, 255, 255)))
    assert out.mode == "L" and out.getpixel((5, 5)) >= 250


def test_avif_when_supported(tmp_path: Path) -> None:
    if not imaging.avif_supported():
        pytest.skip("this Pillow cannot write AVIF")
    path = photo(tmp_path / "p.jpg", (200, 100))
    result, im = run(path, ImageOptions(max_edge=100, format=OutputFormat.AVIF))
    assert result.content_type == "image/avif" and im.size == (100, 50)


# -- metadata ------------------------------------------------------------------------------
def gps_of(im: Image.Image) -> dict:
    return dict(im.getexif().get_ifd(0x8825))


def test_strip_location_removes_gps_keeps_the_rest(tmp_path: Path) -> None:
    path = photo(tmp_path / "p.jpg", (400, 300))
    _, im = run(path, ImageOptions(max_edge=200))
    exif = im.getexif()
    assert gps_of(im) == {}
    assert exif[0x0110] == "Canon EOS R5"
    assert exif.get_ifd(0x8769)[0x9003] == "2024:05:01 10:20:30"
    assert im.info["icc_profile"] == srgb_icc()
    assert read_info(path).has_gps  # the original still has it


def test_strip_location_without_resize_is_lossless(tmp_path: Path) -> None:
    path = photo(tmp_path / "p.jpg", (400, 300))
    result, im = run(path, ImageOptions())
    assert result.format == "JPEG" and gps_of(im) == {}
    assert im.info["icc_profile"] == srgb_icc()
    with Image.open(path) as original:
        assert im.tobytes() == original.convert(im.mode).tobytes(), "pixels were re-encoded"
    clean = photo(tmp_path / "clean.jpg", (100, 100), gps=False)
    assert not process_image(clean, ImageOptions(), io.BytesIO()).changed


def test_strip_all_keeps_only_the_colour_profile(tmp_path: Path) -> None:
    path = photo(tmp_path / "p.jpg", (400, 300))
    _, im = run(path, ImageOptions(max_edge=200, metadata=MetadataPolicy.STRIP_ALL))
    assert len(im.getexif()) == 0
    assert im.info["icc_profile"] == srgb_icc()
    _, im = run(path, ImageOptions(metadata=MetadataPolicy.STRIP_ALL))
    assert len(im.getexif()) == 0 and im.info.get("icc_profile") == srgb_icc()


def test_keep_all_keeps_gps(tmp_path: Path) -> None:
    path = photo(tmp_path / "p.jpg", (400, 300))
    _, im = run(path, ImageOptions(max_edge=200, metadata=MetadataPolicy.KEEP))
    assert gps_of(im)[1] == "N"


def test_xmp_location_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "x.jpg"
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
        b'exif:GPSLatitude="48,51.4N" exif:GPSLongitude="2,21.05E" xmp:Rating="4"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    Image.new("RGB", (50, 50), RED).save(path, "JPEG", xmp=xmp)
    assert read_info(path).has_gps
    _, im = run(path, ImageOptions())
    assert b"GPSLatitude" not in im.info.get("xmp", b"")
    assert b'xmp:Rating="4"' in im.info.get("xmp", b"")


def test_to_srgb_keeps_srgb_images_untouched(tmp_path: Path) -> None:
    path = photo(tmp_path / "p.jpg", (200, 100), gps=False)
    result = process_image(path, ImageOptions(to_srgb=True), io.BytesIO())
    assert not result.changed  # already sRGB: nothing to convert


def test_to_srgb_converts_other_profiles(tmp_path: Path) -> None:
    path = tmp_path / "linear.jpg"
    Image.new("RGB", (40, 40), (128, 128, 128)).save(
        path, "JPEG", quality=95, icc_profile=linear_rgb_icc()
    )
    result, im = run(path, ImageOptions(to_srgb=True, format=OutputFormat.PNG))
    assert result.changed
    profile = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
    assert "sRGB" in ImageCms.getProfileDescription(profile)
    # 50 % linear light is about 188 in sRGB.
    assert close(im.convert("RGB").getpixel((20, 20)), (188, 188, 188), 6)
    _, kept = run(path, ImageOptions(format=OutputFormat.PNG))
    assert kept.info["icc_profile"] == linear_rgb_icc()
    assert close(kept.convert("RGB").getpixel((20, 20)), (128, 128, 128), 4)


# -- keys and the preparer -------------------------------------------------------------------
def test_output_key() -> None:
    assert output_key("a/b.JPG", ".jpg") == "a/b.JPG"
    assert output_key("a/b.jpeg", ".jpg") == "a/b.jpeg"
    assert output_key("a/b.png", ".webp") == "a/b.webp"
    assert output_key("a/b", ".png") == "a/b.png"
    assert output_key("a.b/c.tiff", ".tif") == "a.b/c.tiff"


def test_preparer_overrides_and_passthrough(tmp_path: Path) -> None:
    a = photo(tmp_path / "a.jpg", (400, 300))
    b = photo(tmp_path / "b.png", (400, 300), fmt="PNG")
    txt = tmp_path / "c.txt"
    txt.write_text("x")
    prep = ImagePreparer(
        ImageOptions(max_edge=100, format=OutputFormat.WEBP),
        {"b.png": ImageOptions(max_edge=50, format=OutputFormat.PNG)},
        out_dir=tmp_path / "out",
    )
    cancel = CancelToken()
    src_a = UploadSource(path=a, key="a.jpg", size=a.stat().st_size)
    out_a = prep(src_a, cancel)
    assert out_a.temporary and out_a.key == "a.webp" and out_a.content_type == "image/webp"
    assert size_of(out_a.path) == (100, 75) and out_a.size == out_a.path.stat().st_size
    out_b = prep(UploadSource(path=b, key="b.png", size=1), cancel)
    assert out_b.key == "b.png" and size_of(out_b.path) == (50, 38)
    src_c = UploadSource(path=txt, key="c.txt", size=1)
    assert prep(src_c, cancel) is src_c
    assert prep.needed([src_c]) is False and prep.needed([src_a]) is True
    assert not ImagePreparer(ImageOptions(metadata=MetadataPolicy.KEEP)).needed([src_a])
