"""Uploads, downloads, cancel and links against a real SeaweedFS."""

from __future__ import annotations

import hashlib
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.naming import UploadSource, plan_uploads, safe_local_path
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.listing import iter_objects
from s3uploader_gui.core.sharing import presigned_get_url
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import DownloadSource, ItemStatus
from s3uploader_gui.core.transfers.progress import TransferProgress
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from tests.helpers.files import make_jpeg, make_png, make_random


@pytest.fixture
def engine(seaweed_context: S3Context) -> Iterator[TransferEngine]:
    eng = TransferEngine(seaweed_context)
    try:
        yield eng
    finally:
        eng.close()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_upload_mixed_folder_and_multipart_then_download_prefix(
    engine: TransferEngine, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    src = tmp_path / "Album"
    make_jpeg(src / "cover.jpg", (320, 200))
    make_png(src / "icons" / "logo.png")
    (src / "icons" / "vector.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (src / "notes" / "read me #1+.txt").parent.mkdir(parents=True)
    (src / "notes" / "read me #1+.txt").write_text("odd name", encoding="utf-8")
    (src / "data.json").write_text('{"a": 1}', encoding="utf-8")
    make_random(src / "raw.bin", 4321)
    make_random(src / "video" / "big.mp4", 20 * MiB + 7)

    sources, problems = plan_uploads([src], "trip/")
    assert problems == []
    progress = TransferProgress()
    results = engine.upload(seaweed_bucket, sources, progress=progress)
    assert [r.status for r in results] == [ItemStatus.DONE] * len(sources), [
        r.error for r in results
    ]
    snap = progress.snapshot()
    assert snap.done_bytes == snap.total_bytes == sum(s.size for s in sources)

    client = seaweed_context.client
    expected_types = {
        "trip/Album/cover.jpg": "image/jpeg",
        "trip/Album/icons/logo.png": "image/png",
        "trip/Album/icons/vector.svg": "image/svg+xml",
        "trip/Album/notes/read me #1+.txt": "text/plain",
        "trip/Album/data.json": "application/json",
        "trip/Album/raw.bin": "application/octet-stream",
        "trip/Album/video/big.mp4": "video/mp4",
    }
    assert {s.key for s in sources} == set(expected_types)
    for s in sources:
        head = client.head_object(Bucket=seaweed_bucket, Key=s.key)
        assert head["ContentType"] == expected_types[s.key]
        assert head["ContentLength"] == s.size
        body = client.get_object(Bucket=seaweed_bucket, Key=s.key)["Body"].read()
        assert digest(body) == digest(s.path.read_bytes()), s.key
    big_head = client.head_object(Bucket=seaweed_bucket, Key="trip/Album/video/big.mp4")
    assert big_head["ETag"].strip('"').endswith("-3")  # 20 MiB in 8 MiB parts

    # Download the whole "Album" folder through a listing, as the app does.
    prefix = "trip/Album/"
    dest = tmp_path / "restored"
    downloads = [
        DownloadSource(o.key, safe_local_path(dest, o.key, strip_prefix=prefix), o.size)
        for page in iter_objects(client, seaweed_bucket, prefix)
        for o in page.objects
    ]
    assert len(downloads) == len(sources)
    down = engine.download(seaweed_bucket, downloads)
    assert all(r.status == ItemStatus.DONE for r in down), [r.error for r in down]
    for s in sources:
        rel = s.key[len(prefix) :]
        assert (dest / rel).read_bytes() == s.path.read_bytes(), rel


def test_cancel_multipart_leaves_no_parts(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    big = make_random(tmp_path / "big.bin", 30 * MiB)
    token = CancelToken()
    parts_done = threading.Event()
    client = seaweed_context.client

    in_progress: list[int] = []
    guard = threading.Lock()

    def on_part(**kwargs: object) -> None:
        with guard:
            if not in_progress:
                # While the upload runs, the server lists it: so "empty" below means aborted.
                uploads = client.list_multipart_uploads(Bucket=seaweed_bucket).get("Uploads", [])
                in_progress.append(len(uploads))
        parts_done.set()
        token.cancel()  # cancel as soon as the first part has been stored

    eng = TransferEngine(
        seaweed_context,
        EngineSettings(max_concurrency=2, multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB),
    )
    eng.register("after-call.s3.UploadPart", on_part)
    try:
        (result,) = eng.upload(
            seaweed_bucket, [UploadSource(big, "cancel/big.bin", 30 * MiB)], cancel=token
        )
    finally:
        eng.unregister("after-call.s3.UploadPart", on_part)
        eng.close()
    assert parts_done.is_set(), "no part was uploaded before the cancel"
    assert in_progress == [1]
    assert result.status == ItemStatus.CANCELLED
    assert client.list_multipart_uploads(Bucket=seaweed_bucket).get("Uploads", []) == []
    listed = client.list_objects_v2(Bucket=seaweed_bucket, Prefix="cancel/")
    assert listed.get("KeyCount", 0) == 0


@pytest.mark.parametrize("key", ["share/plain.txt", "share/été #1 + 100%.bin"])
def test_presigned_link_on_seaweedfs(
    seaweed_context: S3Context, seaweed_bucket: str, key: str
) -> None:
    body = b"shared bytes " + key.encode()
    seaweed_context.client.put_object(Bucket=seaweed_bucket, Key=key, Body=body)
    url = presigned_get_url(seaweed_context.client, seaweed_bucket, key, expires=300)
    assert "X-Amz-Expires=300" in url
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == body
    # A link whose lifetime is stretched without re-signing is refused.
    tampered = url.replace("X-Amz-Expires=300", "X-Amz-Expires=3000")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(tampered, timeout=10)
    info.value.close()
    assert info.value.code == 403
