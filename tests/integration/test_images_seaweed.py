"""Images uploaded through the engine's prepare hook, read back from a real SeaweedFS."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from s3uploader_gui.core.imaging.options import ImageOptions, MetadataPolicy
from s3uploader_gui.core.imaging.prepare import ImagePreparer
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import ItemStatus
from tests.helpers.images import BLUE, RED, close, oriented_jpeg, photo, srgb_icc


@pytest.fixture
def engine(seaweed_context: S3Context) -> Iterator[TransferEngine]:
    eng = TransferEngine(seaweed_context)
    try:
        yield eng
    finally:
        eng.close()


def test_strip_location_upload_is_upright_location_free_and_keeps_icc(
    engine: TransferEngine, seaweed_bucket: str, tmp_path: Path
) -> None:
    files = [
        photo(tmp_path / "a.jpg", (600, 400)),
        photo(tmp_path / "b.jpg", (100, 80)),  # small: nothing to resize, GPS still removed
        # Resized, so re-encoded and turned upright (at 300 px it would keep its tag).
        oriented_jpeg(tmp_path / "c.jpg", 8, (600, 400)),
    ]
    originals = [f.read_bytes() for f in files]
    sources = [UploadSource(path=f, key=f"p/{f.name}", size=f.stat().st_size) for f in files]
    prep = ImagePreparer(ImageOptions(max_edge=300, metadata=MetadataPolicy.STRIP_LOCATION))
    results = engine.upload(seaweed_bucket, sources, prepare=prep, prepare_workers=2)
    assert [r.status for r in results] == [ItemStatus.DONE] * 3
    client = engine.context.client
    for key, size in [("p/a.jpg", (300, 200)), ("p/b.jpg", (100, 80)), ("p/c.jpg", (300, 200))]:
        answer = client.get_object(Bucket=seaweed_bucket, Key=key)
        assert answer["ContentType"] == "image/jpeg"
        im = Image.open(io.BytesIO(answer["Body"].read()))
        im.load()
        exif = im.getexif()
        assert im.size == size, key
        assert dict(exif.get_ifd(0x8825)) == {}, f"{key} still has GPS"
        assert exif.get(0x0112, 1) == 1
        if key != "p/c.jpg":
            assert im.info.get("icc_profile") == srgb_icc(), f"{key} lost its ICC profile"
            assert exif[0x0110] == "Canon EOS R5"
    c = Image.open(
        io.BytesIO(client.get_object(Bucket=seaweed_bucket, Key="p/c.jpg")["Body"].read())
    )
    assert close(c.convert("RGB").getpixel((5, 5)), RED)
    assert close(c.convert("RGB").getpixel((294, 5)), BLUE)
    assert [f.read_bytes() for f in files] == originals


def test_big_photos_take_the_three_eighths_path_on_every_prepare_worker(
    engine: TransferEngine, seaweed_bucket: str, tmp_path: Path
) -> None:
    # 1600 px to 500: a quarter (400) is too small, so libjpeg-turbo decodes at 3/8.
    files = [photo(tmp_path / f"big{i}.jpg", (1600, 1200)) for i in range(4)]
    files += [oriented_jpeg(tmp_path / f"turned{o}.jpg", o, (1600, 1200)) for o in (3, 6, 8)]
    sources = [UploadSource(path=f, key=f"big/{f.name}", size=f.stat().st_size) for f in files]
    prep = ImagePreparer(ImageOptions(max_edge=500, metadata=MetadataPolicy.STRIP_LOCATION))
    results = engine.upload(seaweed_bucket, sources, prepare=prep, prepare_workers=2)
    assert [r.status for r in results] == [ItemStatus.DONE] * len(files)
    client = engine.context.client
    for f in files:
        body = client.get_object(Bucket=seaweed_bucket, Key=f"big/{f.name}")["Body"].read()
        im = Image.open(io.BytesIO(body))
        im.load()
        assert im.size == (500, 375), f.name
        assert im.getexif().get(0x0112, 1) == 1
        assert dict(im.getexif().get_ifd(0x8825)) == {}, f"{f.name} still has GPS"
        rgb = im.convert("RGB")
        assert close(rgb.getpixel((8, 8)), RED), (f.name, rgb.getpixel((8, 8)))
        assert close(rgb.getpixel((491, 8)), BLUE), (f.name, rgb.getpixel((491, 8)))
        if f.name.startswith("big"):
            assert im.info.get("icc_profile") == srgb_icc()
