"""TransferEngine uploads and downloads on the moto HTTP server."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import Cancelled, LocalFileError
from s3uploader_gui.core.naming import UploadSource, plan_uploads
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import DownloadSource, ItemResult, ItemStatus
from s3uploader_gui.core.transfers.progress import TransferProgress
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from tests.helpers.files import make_jpeg, make_png, make_random


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def get_bytes(client: Any, bucket: str, key: str) -> bytes:
    data: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return data


def test_many_small_files(
    engine: TransferEngine, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    folder = tmp_path / "batch"
    for i in range(30):
        make_random(folder / f"f{i:02d}.bin", 1000 + i)
    make_jpeg(folder / "pic.jpg")
    make_png(folder / "sub" / "pic.png")
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    sources, problems = plan_uploads([folder], "up")
    assert problems == []
    progress = TransferProgress()
    seen: list[ItemResult] = []
    started: list[int] = []
    caller = threading.get_ident()
    threads: set[int] = set()

    def on_item(result: ItemResult) -> None:
        threads.add(threading.get_ident())
        seen.append(result)

    results = engine.upload(
        http_bucket, sources, progress=progress, on_item=on_item, on_start=started.append
    )
    assert [r.status for r in results] == [ItemStatus.DONE] * len(sources)
    assert [r.key for r in results] == [s.key for s in sources]
    assert sorted(r.index for r in seen) == list(range(len(sources)))
    assert sorted(started) == list(range(len(sources)))
    assert threads == {caller}  # on_item runs on the calling thread

    snap = progress.snapshot()
    assert snap.total_bytes == sum(s.size for s in sources)
    assert snap.done_bytes == snap.total_bytes
    assert snap.items_finished == snap.items_total == len(sources)
    assert snap.fraction == 1.0

    client = moto_context.client
    for src in sources:
        assert get_bytes(client, http_bucket, src.key) == src.path.read_bytes()
    types = {
        key: client.head_object(Bucket=http_bucket, Key=key)["ContentType"]
        for key in ("up/batch/pic.jpg", "up/batch/sub/pic.png", "up/batch/notes.txt")
    }
    assert types == {
        "up/batch/pic.jpg": "image/jpeg",
        "up/batch/sub/pic.png": "image/png",
        "up/batch/notes.txt": "text/plain",
    }


def test_multipart_upload_and_download(
    engine: TransferEngine, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    big = make_random(tmp_path / "big.bin", 9 * MiB + 12345)
    src = UploadSource(big, "big/big.bin", big.stat().st_size)
    progress = TransferProgress()
    (result,) = engine.upload(http_bucket, [src], progress=progress)
    assert result.status == ItemStatus.DONE, result.error
    assert result.bytes == src.size
    head = moto_context.client.head_object(Bucket=http_bucket, Key=src.key)
    assert head["ContentLength"] == src.size
    assert head["ETag"].strip('"').endswith("-2")  # two parts: really multipart
    assert head["ContentType"] == "application/octet-stream"
    assert progress.snapshot().done_bytes == src.size

    target = tmp_path / "down" / "nested" / "big.bin"
    down_progress = TransferProgress()
    (dres,) = engine.download(
        http_bucket, [DownloadSource(src.key, target, src.size)], progress=down_progress
    )
    assert dres.status == ItemStatus.DONE, dres.error
    assert sha(target) == sha(big)
    assert down_progress.snapshot().done_bytes == src.size
    assert [p.name for p in target.parent.iterdir()] == ["big.bin"]  # no temp file left


def test_download_many(
    engine: TransferEngine, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    bodies = {f"d/{i}/file {i}.bin": os.urandom(500 + i) for i in range(12)}
    for key, body in bodies.items():
        moto_context.client.put_object(Bucket=http_bucket, Key=key, Body=body)
    sources = [DownloadSource(k, tmp_path / k, len(v)) for k, v in bodies.items()]
    results = engine.download(http_bucket, sources)
    assert all(r.status == ItemStatus.DONE for r in results)
    for key, body in bodies.items():
        assert (tmp_path / key).read_bytes() == body


def test_missing_object_fails_only_its_item(
    engine: TransferEngine, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    moto_context.client.put_object(Bucket=http_bucket, Key="here.txt", Body=b"x")
    results = engine.download(
        http_bucket,
        [
            DownloadSource("gone.txt", tmp_path / "gone.txt", 1),
            DownloadSource("here.txt", tmp_path / "here.txt", 1),
        ],
    )
    assert [r.status for r in results] == [ItemStatus.FAILED, ItemStatus.DONE]
    assert results[0].error is not None
    assert "gone.txt" in results[0].error.message
    assert not (tmp_path / "gone.txt").exists()


def test_vanished_file_is_one_failed_item(
    engine: TransferEngine, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    for i in range(5):
        make_random(tmp_path / "src" / f"f{i}.bin", 2000)
    sources, _ = plan_uploads([tmp_path / "src"])
    victim = sources[2]
    victim.path.unlink()
    progress = TransferProgress()
    results = engine.upload(http_bucket, sources, progress=progress)
    statuses = [r.status for r in results]
    assert statuses == [
        ItemStatus.DONE,
        ItemStatus.DONE,
        ItemStatus.FAILED,
        ItemStatus.DONE,
        ItemStatus.DONE,
    ]
    err = results[2].error
    assert isinstance(err, LocalFileError)
    assert err.code == "FileNotFound"
    keys = {o["Key"] for o in moto_context.client.list_objects_v2(Bucket=http_bucket)["Contents"]}
    assert keys == {s.key for s in sources} - {victim.key}
    assert progress.snapshot().items_finished == 5


def test_settings_extra_args_reach_the_object(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "a.bin", 10)
    eng = TransferEngine(
        moto_context,
        EngineSettings(extra={"CacheControl": "max-age=60", "Metadata": {"origin": "test"}}),
    )
    try:
        (r,) = eng.upload(http_bucket, [UploadSource(f, "a.bin", 10)])
    finally:
        eng.close()
    assert r.status == ItemStatus.DONE
    head = moto_context.client.head_object(Bucket=http_bucket, Key="a.bin")
    assert head["CacheControl"] == "max-age=60"
    assert head["Metadata"] == {"origin": "test"}


class CancelAfter(TransferProgress):
    """Cancels ``token`` once ``threshold`` bytes have moved (from s3transfer's threads)."""

    def __init__(self, token: CancelToken, threshold: int) -> None:
        super().__init__()
        self.token = token
        self.threshold = threshold
        self.moved = 0
        self._guard = threading.Lock()

    def advance(self, index: int, nbytes: int) -> None:
        super().advance(index, nbytes)
        with self._guard:
            self.moved += nbytes
            if self.moved >= self.threshold:
                self.token.cancel()


def test_cancel_midway_leaves_no_multipart_upload(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    big = make_random(tmp_path / "big.bin", 40 * MiB)
    smalls = [make_random(tmp_path / f"s{i}.bin", 1000) for i in range(20)]
    sources = [UploadSource(big, "big.bin", 40 * MiB)] + [
        UploadSource(p, p.name, 1000) for p in smalls
    ]
    token = CancelToken()
    progress = CancelAfter(token, threshold=1 * MiB)
    eng = TransferEngine(
        moto_context,
        EngineSettings(
            max_concurrency=2,
            multipart_threshold=5 * MiB,
            multipart_chunksize=5 * MiB,
            window=2,
        ),
    )
    calls: list[str] = []

    def count(event_name: str, **kwargs: Any) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    for op in ("CreateMultipartUpload", "UploadPart", "AbortMultipartUpload"):
        eng.register(f"after-call.s3.{op}", count)
    results: list[ItemResult] = []
    # Which items started after the cancel: how many small files got through before it
    # depends on the machine's speed, that none starts after it does not.
    started_late: list[int] = []

    def on_start(index: int) -> None:
        if token.cancelled:
            started_late.append(index)

    try:
        results = eng.upload(
            http_bucket, sources, progress=progress, cancel=token, on_start=on_start
        )
    finally:
        for op in ("CreateMultipartUpload", "UploadPart", "AbortMultipartUpload"):
            eng.unregister(f"after-call.s3.{op}", count)
        eng.close()
    # A multipart upload really started, and was aborted rather than completed.
    assert calls.count("CreateMultipartUpload") == 1
    assert calls.count("AbortMultipartUpload") == 1
    assert calls.count("UploadPart") < 8
    assert token.cancelled
    assert len(results) == len(sources)
    assert results[0].status == ItemStatus.CANCELLED
    assert isinstance(results[0].error, Cancelled)
    statuses = {r.status for r in results}
    assert statuses <= {ItemStatus.DONE, ItemStatus.CANCELLED}
    cancelled = [r for r in results if r.status == ItemStatus.CANCELLED]
    assert len(cancelled) >= 2  # the big file and the small files not started yet
    # (one may start in the moment between a worker's cancel and the loop seeing it)
    assert len(started_late) <= 1
    assert all(results[i].status == ItemStatus.CANCELLED for i in started_late)
    assert progress.snapshot().items_finished == len(sources)

    client = moto_context.client
    assert client.list_multipart_uploads(Bucket=http_bucket).get("Uploads", []) == []
    listed = client.list_objects_v2(Bucket=http_bucket).get("Contents", [])
    assert "big.bin" not in {o["Key"] for o in listed}


def test_cancel_before_start_cancels_everything(
    engine: TransferEngine, http_bucket: str, tmp_path: Path
) -> None:
    files = [make_random(tmp_path / f"{i}.bin", 10) for i in range(3)]
    token = CancelToken()
    token.cancel()
    seen: list[ItemResult] = []
    results = engine.upload(
        http_bucket,
        [UploadSource(f, f.name, 10) for f in files],
        cancel=token,
        on_item=seen.append,
    )
    assert [r.status for r in results] == [ItemStatus.CANCELLED] * 3
    assert len(seen) == 3


def test_empty_batch(engine: TransferEngine, http_bucket: str) -> None:
    assert engine.upload(http_bucket, []) == []
    assert engine.download(http_bucket, []) == []


def test_item_status_finished() -> None:
    assert ItemStatus.DONE.finished and ItemStatus.CANCELLED.finished
    assert not ItemStatus.UPLOADING.finished and not ItemStatus.QUEUED.finished


@pytest.mark.parametrize("concurrency", [1, 4])
def test_engine_is_reusable_across_batches(
    moto_context: S3Context, http_bucket: str, tmp_path: Path, concurrency: int
) -> None:
    eng = TransferEngine(moto_context, EngineSettings(max_concurrency=concurrency))
    try:
        for batch in range(2):
            f = make_random(tmp_path / f"b{batch}.bin", 100)
            (r,) = eng.upload(http_bucket, [UploadSource(f, f"c{concurrency}/{f.name}", 100)])
            assert r.status == ItemStatus.DONE
    finally:
        eng.close()
    eng.close()  # closing twice is harmless


def test_prepare_runs_ahead_and_cleans_up(
    engine: TransferEngine, http_bucket: str, tmp_path: Path
) -> None:
    """A prepare step can rename, re-type and replace the file; temp files are removed."""
    from s3uploader_gui.core.errors import BadImage

    sources = []
    for i in range(6):
        p = tmp_path / f"in{i}.txt"
        p.write_bytes(b"x" * (i + 1))
        sources.append(UploadSource(path=p, key=f"in{i}.txt", size=i + 1))
    made: list[Path] = []
    lock = threading.Lock()

    def prepare(src: UploadSource, cancel: CancelToken) -> UploadSource:
        if src.key == "in3.txt":
            raise BadImage("in3.txt is not an image.")
        out = tmp_path / f"prepared-{src.key}"
        out.write_bytes(src.path.read_bytes() * 2)
        with lock:
            made.append(out)
        return UploadSource(
            path=out,
            key=src.key.replace(".txt", ".dat"),
            size=out.stat().st_size,
            content_type="application/x-test",
            temporary=True,
        )

    progress = TransferProgress()
    results = engine.upload(
        http_bucket, sources, prepare=prepare, prepare_workers=2, progress=progress
    )
    statuses = [r.status for r in results]
    assert statuses == [ItemStatus.DONE] * 3 + [ItemStatus.FAILED] + [ItemStatus.DONE] * 2
    assert results[3].error is not None and "not an image" in results[3].error.message
    assert results[0].key == "in0.dat" and results[0].path == sources[0].path
    client = engine.context.client
    head = client.head_object(Bucket=http_bucket, Key="in5.dat")
    assert head["ContentLength"] == 12
    assert head["ContentType"] == "application/x-test"
    assert all(not p.exists() for p in made), "temporary files were left behind"
    assert all(s.path.exists() for s in sources), "an original was touched"
    snap = progress.snapshot()
    assert snap.total_bytes == snap.done_bytes == sum(2 * (i + 1) for i in range(6) if i != 3)
