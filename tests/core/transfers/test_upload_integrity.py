"""Uploads verify what was stored against what was read: a file that changes while it is
uploading fails (and its multipart upload is aborted), a server without checksums is
checked by a HEAD (every success names a real check), and a FIFO never blocks a transfer
thread, nor does a preparation that never returns keep a cancelled batch from ending."""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import IntegrityError, LocalFileError
from s3uploader_gui.core.imaging.options import ImageOptions
from s3uploader_gui.core.imaging.prepare import ImagePreparer
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.core.transfers.checksums import same_content
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import ItemResult, ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from tests.helpers.files import make_random
from tests.helpers.shortstore import ShortStore, short_store

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only (FIFOs)")


@pytest.fixture(params=["lean", "botocore"])
def path_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both request paths: the lean sender and botocore (``S3UPLOADER_FAST_PATH=0``)."""
    if request.param == "botocore":
        monkeypatch.setenv("S3UPLOADER_FAST_PATH", "0")
    return str(request.param)


def _settings(**kw: Any) -> EngineSettings:
    values: dict[str, Any] = {
        "max_concurrency": 1,
        "multipart_threshold": 5 * MiB,
        "multipart_chunksize": 5 * MiB,
        "retry_budget_s": 0.3,
    }
    values.update(kw)
    return EngineSettings(**values)


def _src(path: Path, key: str | None = None) -> UploadSource:
    return UploadSource(path, key or path.name, path.stat().st_size)


@contextlib.contextmanager
def _engine(context: S3Context, **kw: Any) -> Iterator[TransferEngine]:
    engine = TransferEngine(context, _settings(**kw))
    try:
        yield engine
    finally:
        engine.close()


def _store_context(store: ShortStore) -> S3Context:
    return S3Context(
        ConnectionSettings(
            endpoint_url=store.endpoint_url,
            region="us-east-1",
            access_key_id="crafted",
            secret_access_key="crafted-secret",
            addressing_style="path",
        )
    )


def _rewrite(path: Path, before_ns: int) -> None:
    """Rewrite ``path`` in place with other bytes of the same size, until its mtime shows
    it (a write within the file system's clock tick leaves the mtime as it was)."""
    size = path.stat().st_size
    while path.stat().st_mtime_ns == before_ns:
        with open(path, "r+b") as fh:
            fh.write(os.urandom(min(size, 64 * 1024)))


# -- a server with no checksums: every success names a real check -------------------------
def test_put_to_a_server_that_keeps_half_of_each_body_fails(path_kind: str, tmp_path: Path) -> None:
    f = make_random(tmp_path / "a.bin", 100_000)
    with short_store(keep=0.5) as store, _engine(_store_context(store)) as engine:
        (r,) = engine.upload("bucket", [_src(f)])
        assert store.objects["/bucket/a.bin"] == f.read_bytes()[:50_000]
    assert r.status == ItemStatus.FAILED, r
    assert isinstance(r.error, IntegrityError)
    assert "50000 bytes" in r.error.message and "100000" in r.error.message


def test_put_to_a_server_without_checksums_is_checked_by_a_head(
    path_kind: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "a.bin", 100_000)
    with short_store() as store, _engine(_store_context(store)) as engine:
        (r,) = engine.upload("bucket", [_src(f)])
        methods = [m for m, _, _ in store.seen]
    assert r.status == ItemStatus.DONE and r.detail == "size", r
    assert methods == ["PUT", "HEAD"]  # the size the server holds was compared


def test_multipart_to_a_server_that_keeps_half_of_each_part_fails(
    path_kind: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "big.bin", 11 * MiB)
    cancel = CancelToken()
    deadline = threading.Timer(60, cancel.cancel)  # it once went round forever
    deadline.start()
    try:
        with short_store(keep=0.5) as store, _engine(_store_context(store)) as engine:
            (r,) = engine.upload("bucket", [_src(f)], cancel=cancel)
    finally:
        deadline.cancel()
    assert r.status == ItemStatus.FAILED, r
    assert isinstance(r.error, IntegrityError)
    assert "5767168 bytes" in r.error.message  # half of each part
    assert store.count("POST", query="uploadId=") == 1  # the completion is not repeated


def test_multipart_without_server_checksums_claims_only_the_size(
    path_kind: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "big.bin", 11 * MiB)
    with short_store() as store, _engine(_store_context(store)) as engine:
        (r,) = engine.upload("bucket", [_src(f)])
        assert store.objects["/bucket/big.bin"] == f.read_bytes()
        heads = store.count("HEAD")
    # No part's checksum was confirmed by the server: "CRC32 parts" would be a claim.
    assert r.status == ItemStatus.DONE and r.detail == "size", r
    assert heads == 1


# -- a file that changes while it is uploading ------------------------------------------
def test_file_rewritten_during_multipart_fails_and_aborts(
    path_kind: str, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "big.bin", 11 * MiB)  # three parts, one at a time
    before = f.stat().st_mtime_ns
    done: list[str] = []

    def rewrite_after_first_part(**_: Any) -> None:
        if not done:
            done.append("rewritten")
            _rewrite(f, before)

    with _engine(moto_context) as engine:
        engine.register("after-call.s3.UploadPart", rewrite_after_first_part)
        (r,) = engine.upload(http_bucket, [_src(f)])
        engine.unregister("after-call.s3.UploadPart", rewrite_after_first_part)
    assert r.status == ItemStatus.FAILED, r
    assert isinstance(r.error, LocalFileError) and r.error.code == "FileChanged"
    assert r.error.message == "big.bin changed while it was uploading; upload it again."
    client = moto_context.client
    assert client.list_multipart_uploads(Bucket=http_bucket).get("Uploads", []) == []
    assert client.list_objects_v2(Bucket=http_bucket).get("KeyCount", 0) == 0


def test_file_grown_during_multipart_fails(
    path_kind: str, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "big.bin", 11 * MiB)

    def grow(**_: Any) -> None:
        with open(f, "ab") as fh:
            fh.write(b"more")

    with _engine(moto_context) as engine:
        engine.register("after-call.s3.UploadPart", grow)
        (r,) = engine.upload(http_bucket, [_src(f)])
        engine.unregister("after-call.s3.UploadPart", grow)
    assert r.status == ItemStatus.FAILED, r
    assert isinstance(r.error, LocalFileError) and r.error.code == "FileChanged"
    assert moto_context.client.list_multipart_uploads(Bucket=http_bucket).get("Uploads", []) == []


def test_file_replaced_during_multipart_fails(
    path_kind: str, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    """An editor's "save" (write a new file, rename it over the old one): a new inode."""
    f = make_random(tmp_path / "big.bin", 11 * MiB)
    done: list[str] = []

    def replace(**_: Any) -> None:
        if not done:
            done.append("replaced")
            make_random(tmp_path / "new.bin", 11 * MiB)
            os.replace(tmp_path / "new.bin", f)

    with _engine(moto_context) as engine:
        engine.register("after-call.s3.UploadPart", replace)
        (r,) = engine.upload(http_bucket, [_src(f)])
        engine.unregister("after-call.s3.UploadPart", replace)
    assert r.status == ItemStatus.FAILED, r
    assert isinstance(r.error, LocalFileError) and r.error.code == "FileChanged"


def test_file_rewritten_during_put_fails(
    path_kind: str, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "a.bin", 200_000)
    before = f.stat().st_mtime_ns

    def rewrite(**_: Any) -> None:
        _rewrite(f, before)

    with _engine(moto_context) as engine:
        engine.register("before-send.s3.PutObject", rewrite)
        (r,) = engine.upload(http_bucket, [_src(f)])
        engine.unregister("before-send.s3.PutObject", rewrite)
    assert r.status == ItemStatus.FAILED, r
    assert isinstance(r.error, LocalFileError) and r.error.code == "FileChanged"
    assert r.error.message == "a.bin changed while it was uploading; upload it again."


# -- a FIFO where a file was queued ----------------------------------------------------------
def _run_in_thread(fn: Callable[[], list[ItemResult]], fifo: Path) -> list[ItemResult]:
    """Run ``fn``; if it is still blocked on ``fifo`` after a while, unblock it (a writer
    that opens and closes the FIFO gives the reader an end of file) and fail."""
    out: list[list[ItemResult]] = []
    finished = threading.Event()

    def body() -> None:
        try:
            out.append(fn())
        finally:
            finished.set()

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    if not finished.wait(30):
        while not finished.is_set():
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            finished.wait(0.05)
        pytest.fail("the transfer thread was blocked on a FIFO")
    thread.join()
    return out[0]


def _fifo_batch(tmp_path: Path, names: list[str]) -> tuple[list[UploadSource], Path]:
    for name in names:
        make_random(tmp_path / "src" / name, 2000)
    sources = [_src(tmp_path / "src" / n, n) for n in names]
    fifo = sources[1].path
    fifo.unlink()
    os.mkfifo(fifo)
    return sources, fifo


def test_a_queued_file_replaced_by_a_fifo_fails_without_blocking(
    path_kind: str, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    sources, fifo = _fifo_batch(tmp_path, ["a.bin", "b.bin", "c.bin"])
    with _engine(moto_context) as engine:
        results = _run_in_thread(lambda: engine.upload(http_bucket, sources), fifo)
    assert [r.status for r in results] == [ItemStatus.DONE, ItemStatus.FAILED, ItemStatus.DONE]
    err = results[1].error
    assert isinstance(err, LocalFileError) and err.code == "NotRegularFile"
    assert err.message == "b.bin is not a regular file (a pipe, a device or a socket)."


def test_a_fifo_queued_for_image_preparation_fails_without_blocking(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    sources, fifo = _fifo_batch(tmp_path, ["a.jpg", "b.jpg", "c.bin"])
    prepare = ImagePreparer(ImageOptions(max_edge=100), out_dir=tmp_path / "prepared")
    with _engine(moto_context) as engine:
        results = _run_in_thread(lambda: engine.upload(http_bucket, sources, prepare=prepare), fifo)
    assert results[1].status == ItemStatus.FAILED
    assert isinstance(results[1].error, LocalFileError)
    assert results[1].error.code == "NotRegularFile"
    assert results[2].status == ItemStatus.DONE


def test_skip_identical_never_blocks_on_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    out: list[bool] = []
    thread = threading.Thread(
        target=lambda: out.append(
            same_content(fifo, {"ETag": '"d41d8cd98f00b204e9800998ecf8427e"'})
        ),
        daemon=True,
    )
    thread.start()
    thread.join(30)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("same_content blocked on a FIFO")
    assert out == [False] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_cancel_frees_a_batch_whose_image_is_a_fifo(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    sources, fifo = _fifo_batch(tmp_path, ["a.bin", "b.jpg", "c.bin"])
    prepare = ImagePreparer(ImageOptions(max_edge=100), out_dir=tmp_path / "prepared")
    cancel = CancelToken()

    def on_item(result: ItemResult) -> None:
        cancel.cancel()  # the first result: cancel the rest

    with _engine(moto_context) as engine:
        results = _run_in_thread(
            lambda: engine.upload(
                http_bucket, sources, prepare=prepare, cancel=cancel, on_item=on_item
            ),
            fifo,
        )
    assert all(r.status.finished for r in results)


def test_cancel_ends_a_batch_whose_preparation_never_returns(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    """A preparer blocked on a FIFO (swapped in after the check, say) cannot be freed, but
    the batch, and the thread that runs it, must end when the user cancels."""
    f = make_random(tmp_path / "a.bin", 2000)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    entered = threading.Event()

    def prepare(source: UploadSource, cancel: CancelToken) -> UploadSource:
        entered.set()
        with open(fifo, "rb") as fh:  # no writer: blocks until the test opens it
            fh.read()
        return source

    cancel = CancelToken()

    def cancel_once_blocked() -> None:
        entered.wait(30)
        cancel.cancel()

    threading.Thread(target=cancel_once_blocked, daemon=True).start()
    try:
        with _engine(moto_context) as engine:
            (r,) = _run_in_thread(
                lambda: engine.upload(http_bucket, [_src(f)], prepare=prepare, cancel=cancel),
                fifo,
            )
    finally:
        with contextlib.suppress(OSError):  # let the preparer's thread end
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert r.status == ItemStatus.CANCELLED, r
