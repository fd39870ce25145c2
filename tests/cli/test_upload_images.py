"""``s3uploader upload --resize/--quality/--format/--metadata`` against SeaweedFS."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from s3uploader_gui.core.s3.client import S3Context
from tests.cli.conftest import RunMain
from tests.helpers.images import oriented_jpeg, photo


def _object(context: S3Context, bucket: str, key: str) -> tuple[Image.Image, str]:
    answer = context.client.get_object(Bucket=bucket, Key=key)
    im = Image.open(io.BytesIO(answer["Body"].read()))
    im.load()
    return im, answer["ContentType"]


def test_upload_resizes_converts_and_strips_location(
    run_main: RunMain, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    big = photo(tmp_path / "big.jpg", (800, 600))
    turned = oriented_jpeg(tmp_path / "turned.jpg", 6, (120, 80))
    bad = tmp_path / "bad.jpg"
    bad.write_text("not a picture")
    before = big.read_bytes()
    run = run_main(
        "upload",
        str(big),
        str(turned),
        str(bad),
        "--to",
        f"s3://{seaweed_bucket}/web/",
        "--resize",
        "200",
        "--format",
        "webp",
        "--quality",
        "70",
        "--json",
    )
    assert run.code == 1, run.stderr  # the bad one failed, the others went up
    records = {Path(r["path"]).name: r for r in map(json.loads, run.out_lines)}
    assert records["big.jpg"]["key"] == "web/big.webp"
    assert records["bad.jpg"]["status"] == "failed"
    assert "bad.jpg is not an image" in records["bad.jpg"]["error"]
    assert len(run.err_lines) == 1 and "bad.jpg" in run.err_lines[0]
    im, content_type = _object(seaweed_context, seaweed_bucket, "web/big.webp")
    assert content_type == "image/webp" and im.size == (200, 150)
    assert dict(im.getexif().get_ifd(0x8825)) == {}
    assert im.getexif()[0x0110] == "Canon EOS R5"
    im, _ = _object(seaweed_context, seaweed_bucket, "web/turned.webp")
    assert im.size == (120, 80)  # upright; never enlarged
    assert big.read_bytes() == before


def test_upload_without_image_flags_sends_files_as_they_are(
    run_main: RunMain, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    big = photo(tmp_path / "big.jpg", (300, 200))
    run = run_main("upload", str(big), "--to", f"s3://{seaweed_bucket}/")
    assert run.code == 0, run.stderr
    body = seaweed_context.client.get_object(Bucket=seaweed_bucket, Key="big.jpg")["Body"].read()
    assert body == big.read_bytes()


def test_bad_image_flags_are_usage_errors(run_main: RunMain, tmp_path: Path) -> None:
    run = run_main("upload", str(tmp_path), "--to", "s3://b/", "--quality", "101")
    assert run.code == 2 and "--quality must be 1–100" in run.stderr
    run = run_main("upload", str(tmp_path), "--to", "s3://b/", "--format", "bmp")
    assert run.code == 2
