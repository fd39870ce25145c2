"""core.imaging's fast paths: 3/8-scale JPEG decoding and the idle-released block cache.

Each fast path must give what the plain path gives (same size, orientation, colours,
and pixels within a JPEG generation of a full-resolution LANCZOS resize).
"""

from __future__ import annotations

import io
import math
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from s3uploader_gui.core import imaging
from s3uploader_gui.core.imaging import blocks, opening, prepare
from s3uploader_gui.core.imaging.options import ImageOptions, MetadataPolicy, OutputFormat
from s3uploader_gui.core.imaging.prepare import process_image
from s3uploader_gui.core.imaging.thumbnails import make_thumbnail
from tests.helpers.images import BLUE, RED, WHITE, close, oriented_jpeg, srgb_icc

needs_turbo = pytest.mark.skipif(
    not opening._libjpeg_scales_by_eighths(), reason="Pillow is not built with libjpeg-turbo"
)


def psnr(a: Image.Image, b: Image.Image) -> float:
    stat = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB")))
    mse = sum(r * r for r in stat.rms) / len(stat.rms)
    return 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)


def busy_photo(path: Path, size: tuple[int, int], **save: Any) -> Path:
    """Gradients, hard-edged shapes and fine lines: detail a bad resample would lose."""
    w, h = size
    grad = Image.linear_gradient("L").resize(size)
    im = Image.merge("RGB", [grad, grad.transpose(Image.Transpose.ROTATE_180), grad.rotate(90)])
    draw = ImageDraw.Draw(im)
    for i in range(0, w, max(1, w // 40)):
        draw.line([(i, 0), (w - 1 - i, h - 1)], fill=(250, 40, 30), width=2)
    draw.ellipse([w // 4, h // 4, w // 2, h // 2], fill=(20, 200, 60))
    draw.rectangle([w // 2, h // 3, w - w // 8, h - h // 6], fill=(30, 40, 220))
    im = im.filter(ImageFilter.GaussianBlur(0.6))
    save.setdefault("quality", 92)
    im.save(path, "JPEG", **save)
    return path


def decoded(path: Path, target: tuple[int, int]) -> Image.Image:
    with Image.open(path) as im:
        opening.draft(im, target)
        im.load()
        return im.copy()


def reference(path: Path, size: tuple[int, int]) -> Image.Image:
    """Full-resolution decode, LANCZOS resize: what the fast path must stay close to."""
    with Image.open(path) as im:
        return im.convert("RGB").resize(size, Image.Resampling.LANCZOS)


def output(path: Path, options: ImageOptions) -> Image.Image:
    buf = io.BytesIO()
    result = process_image(path, options, buf)
    assert result.changed
    im = Image.open(io.BytesIO(buf.getvalue()))
    im.load()
    return im


# -- 3/8-scale decoding ---------------------------------------------------------------------
@needs_turbo
def test_three_eighths_is_used_when_a_quarter_is_too_small(tmp_path: Path) -> None:
    path = busy_photo(tmp_path / "p.jpg", (1600, 1200))
    im = decoded(path, (500, 375))  # 1/4 would be 400×300
    assert im.size == (600, 450)
    assert psnr(im, reference(path, (600, 450))) > 32


@needs_turbo
def test_three_eighths_rounds_odd_sizes_up_like_libjpeg(tmp_path: Path) -> None:
    path = busy_photo(tmp_path / "odd.jpg", (1001, 777))
    assert decoded(path, (300, 233)).size == (376, 292)  # ceil(1001 × 3/8), ceil(777 × 3/8)
    # The partial last row and column are left out of the resample (its box), so the
    # picture is neither shifted nor stretched.
    im = output(path, ImageOptions(max_edge=300, format=OutputFormat.PNG))
    assert im.size == (300, 233)
    assert psnr(im, reference(path, (300, 233))) > 38


def test_powers_of_two_when_they_fit_or_three_eighths_does_not(tmp_path: Path) -> None:
    path = busy_photo(tmp_path / "p.jpg", (1600, 1200))
    assert decoded(path, (400, 300)).size == (400, 300)  # 1/4 fits
    assert decoded(path, (700, 525)).size == (800, 600)  # 3/8 (600) is too small
    assert decoded(path, (1500, 1125)).size == (1600, 1200)


def test_jpeg_without_quantisation_tables_is_never_scaled(tmp_path: Path) -> None:
    # Lossless JPEGs (SOF3) have none, and libjpeg decodes them at full size whatever
    # scale is asked: a reduced-size buffer would be overrun.
    path = busy_photo(tmp_path / "p.jpg", (1600, 1200))
    with Image.open(path) as im:
        im.quantization = {}
        assert opening.draft(im, (500, 375)) is None
        assert im.size == (1600, 1200) and not im.decoderconfig


def test_without_libjpeg_turbo_only_pillow_scales(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opening, "_libjpeg_scales_by_eighths", lambda: False)
    path = busy_photo(tmp_path / "p.jpg", (1600, 1200))
    assert decoded(path, (500, 375)).size == (800, 600)
    im = output(path, ImageOptions(max_edge=500, format=OutputFormat.JPEG))
    assert im.size == (500, 375)


@needs_turbo
def test_fast_path_matches_the_half_scale_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = busy_photo(tmp_path / "p.jpg", (1600, 1200), icc_profile=srgb_icc())
    as_png = ImageOptions(max_edge=500, format=OutputFormat.PNG)  # lossless: pixels only
    as_jpeg = ImageOptions(max_edge=500, format=OutputFormat.JPEG, quality=90)
    fast, fast_jpeg = output(path, as_png), output(path, as_jpeg)
    monkeypatch.setattr(opening, "_libjpeg_scales_by_eighths", lambda: False)
    plain, plain_jpeg = output(path, as_png), output(path, as_jpeg)
    assert fast.size == plain.size == fast_jpeg.size == (500, 375)
    assert fast_jpeg.mode == plain_jpeg.mode == "RGB"
    assert fast_jpeg.info.get("icc_profile") == plain_jpeg.info.get("icc_profile") == srgb_icc()
    assert psnr(fast, plain) > 40
    assert psnr(fast_jpeg, plain_jpeg) > 35
    ref = reference(path, (500, 375))
    assert psnr(fast, ref) > 40
    assert psnr(fast, ref) > psnr(plain, ref) - 2.0
    # Colours: the mean of each channel is where the full-resolution resize has it.
    for ours, theirs in zip(ImageStat.Stat(fast).mean, ImageStat.Stat(ref).mean, strict=True):
        assert abs(ours - theirs) < 1.0


@needs_turbo
@pytest.mark.parametrize("orientation", range(1, 9))
def test_three_eighths_keeps_every_orientation_upright(tmp_path: Path, orientation: int) -> None:
    path = oriented_jpeg(tmp_path / f"o{orientation}.jpg", orientation, (1200, 800))
    stored = (1200, 800) if orientation < 5 else (800, 1200)
    with Image.open(path) as im:
        assert im.size == stored
    im = output(path, ImageOptions(max_edge=400, format=OutputFormat.JPEG))
    assert im.size == (400, 267)
    assert close(im.getpixel((5, 5)), RED), im.getpixel((5, 5))
    assert close(im.getpixel((394, 5)), BLUE), im.getpixel((394, 5))
    assert close(im.getpixel((5, 260)), WHITE), im.getpixel((5, 260))
    assert im.getexif().get(0x0112, 1) == 1


@needs_turbo
def test_three_eighths_grey_cmyk_and_progressive(tmp_path: Path) -> None:
    grey = tmp_path / "grey.jpg"
    Image.linear_gradient("L").resize((1600, 1200)).save(grey, "JPEG", quality=92)
    assert decoded(grey, (500, 375)).size == (600, 450)
    im = output(grey, ImageOptions(max_edge=500, format=OutputFormat.JPEG))
    assert im.mode == "L" and im.size == (500, 375)
    assert psnr(im, reference(grey, (500, 375))) > 40

    cmyk = tmp_path / "print.jpg"
    Image.new("CMYK", (1600, 1200), (0, 255, 255, 0)).save(cmyk, "JPEG", quality=95)
    im = output(cmyk, ImageOptions(max_edge=500, format=OutputFormat.JPEG))
    assert im.mode == "RGB" and im.size == (500, 375)
    assert close(im.getpixel((250, 180)), RED, 50)

    progressive = busy_photo(tmp_path / "prog.jpg", (1600, 1200), progressive=True)
    assert decoded(progressive, (500, 375)).size == (600, 450)
    im = output(progressive, ImageOptions(max_edge=500, format=OutputFormat.PNG))
    assert im.size == (500, 375)
    assert psnr(im, reference(progressive, (500, 375))) > 40


@needs_turbo
def test_truncated_jpeg_on_the_fast_path_is_a_clear_error(tmp_path: Path) -> None:
    from s3uploader_gui.core.errors import BadImage

    good = busy_photo(tmp_path / "good.jpg", (1600, 1200))
    path = tmp_path / "cut.jpg"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(BadImage, match=r"cut\.jpg is truncated"):
        process_image(path, ImageOptions(max_edge=500), io.BytesIO())


@needs_turbo
def test_thumbnail_uses_three_eighths_and_stays_upright(tmp_path: Path) -> None:
    path = oriented_jpeg(tmp_path / "o6.jpg", 6, (800, 600))
    thumb = make_thumbnail(path, 256)
    im = Image.open(io.BytesIO(thumb.data)).convert("RGB")
    assert im.size == (256, 192)
    assert close(im.getpixel((3, 3)), RED, 60)
    assert close(im.getpixel((252, 3)), BLUE, 60)


@needs_turbo
def test_metadata_policy_unchanged_on_the_fast_path(tmp_path: Path) -> None:
    from tests.helpers.images import photo

    path = photo(tmp_path / "gps.jpg", (1600, 1200), gps=True, orientation=1)
    im = output(path, ImageOptions(max_edge=500, format=OutputFormat.JPEG))
    exif = im.getexif()
    assert im.size == (500, 375)
    assert exif.get(0x010F) == "Canon" and 0x8825 not in exif
    kept = output(path, ImageOptions(max_edge=500, metadata=MetadataPolicy.KEEP))
    assert 0x8825 in kept.getexif()


# -- block cache ----------------------------------------------------------------------------
def _blocks_max() -> int:
    return int(blocks._pil_core().get_blocks_max())


def wait_for(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


def test_block_cache_is_on_while_processing_and_emptied_when_idle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks.BLOCKS.release()  # earlier tests' cache must not reset the limit midway
    cache = blocks.BlockCache(linger=0.05)
    monkeypatch.setattr(prepare, "BLOCKS", cache)
    seen: list[int] = []
    real = prepare._process_image

    def spy(*args: Any) -> imaging.ProcessResult:
        seen.append(_blocks_max())
        return real(*args)

    monkeypatch.setattr(prepare, "_process_image", spy)
    before = _blocks_max()
    path = busy_photo(tmp_path / "p.jpg", (800, 600))
    process_image(path, ImageOptions(max_edge=300, format=OutputFormat.JPEG), io.BytesIO())
    assert seen == [max(before, blocks.BlockCache.PER_IMAGE)]
    assert wait_for(lambda: cache.blocks == 0), "the block cache was never emptied"
    assert _blocks_max() == before


def test_block_cache_grows_with_concurrent_images_and_outlives_short_gaps() -> None:
    blocks.BLOCKS.release()
    cache = blocks.BlockCache(linger=60.0)
    inside = threading.Barrier(2)
    release = threading.Event()

    def user() -> None:
        with cache.active():
            inside.wait(10)
            release.wait(10)

    threads = [threading.Thread(target=user) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        assert wait_for(lambda: cache._users == 2)
        assert cache.blocks == 2 * blocks.BlockCache.PER_IMAGE
    finally:
        release.set()
        for t in threads:
            t.join(10)
    # Idle for less than ``linger``: the blocks are still there for the next image.
    first = cache._timer
    assert first is not None
    first.cancel()
    cache._expire()  # as if it fired before ``linger`` had passed: it re-arms itself
    assert cache.blocks == 2 * blocks.BlockCache.PER_IMAGE
    with cache.active():
        assert cache.blocks == 2 * blocks.BlockCache.PER_IMAGE
    timer = cache._timer
    assert timer is not None and timer.is_alive()
    timer.cancel()
    cache.release()  # what the timer does once ``linger`` seconds have passed
    assert cache.blocks == 0
    assert _blocks_max() == (cache._baseline or 0)
