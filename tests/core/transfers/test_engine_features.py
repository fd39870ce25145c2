"""The upload engine's queue features on the moto HTTP server: conflicts, object
settings, pause/resume, cancel one, retries, verification, downloads, templates."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from s3uploader_gui.core import naming
from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AclNotSupported, Cancelled, IntegrityError
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Context, make_config, make_session
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.core.transfers.control import BatchControl
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.journal import Journal
from s3uploader_gui.core.transfers.model import (
    Conflict,
    ConflictPolicy,
    DownloadSource,
    ItemResult,
    ItemStatus,
    ObjectOptions,
)
from s3uploader_gui.core.transfers.progress import TransferProgress
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from tests.helpers.files import make_random


@pytest.fixture(autouse=True)
def _botocore_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests count requests and inject faults through botocore's event hooks, which
    only requests sent by botocore pass; ``test_fastput.py`` covers the lean path."""
    monkeypatch.setenv("S3UPLOADER_FAST_PATH", "0")


OPS = ("PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
       "AbortMultipartUpload", "HeadObject", "ListParts", "GetObject")  # fmt: skip


class Calls:
    """Counts successful S3 operations on a client."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.names: list[str] = []
        for op in OPS:
            client.meta.events.register(f"after-call.s3.{op}", self._seen)

    def _seen(self, event_name: str, **kwargs: Any) -> None:
        self.names.append(event_name.rsplit(".", 1)[-1])

    def count(self, op: str) -> int:
        return self.names.count(op)

    def close(self) -> None:
        for op in OPS:
            self.client.meta.events.unregister(f"after-call.s3.{op}", self._seen)


@pytest.fixture
def calls(moto_context: S3Context) -> Iterator[Calls]:
    c = Calls(moto_context.client)
    yield c
    c.close()


def small_engine(context: S3Context, **kw: Any) -> TransferEngine:
    journal = kw.pop("journal", None)
    settings = EngineSettings(
        max_concurrency=kw.pop("max_concurrency", 2),
        multipart_threshold=5 * MiB,
        multipart_chunksize=5 * MiB,
        retry_budget_s=kw.pop("retry_budget_s", 2.0),
        **kw,
    )
    return TransferEngine(context, settings, journal=journal)


def src(path: Path, key: str) -> UploadSource:
    return UploadSource(path, key, path.stat().st_size)


# -- object settings --------------------------------------------------------------------
def test_object_options_reach_the_object(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "pic.avif", 100)
    g = make_random(tmp_path / "doc.weird", 100)
    options = ObjectOptions(
        content_types={".weird": "application/x-weird"},
        cache_control="max-age=3600",
        content_disposition='attachment; filename="pic.avif"',
        storage_class="STANDARD_IA",
        sse="AES256",
        metadata={"origin": "test"},
    )
    eng = small_engine(moto_context, options=options)
    try:
        results = eng.upload(http_bucket, [src(f, "pic.avif"), src(g, "doc.weird")])
    finally:
        eng.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * 2
    client = moto_context.client
    head = client.head_object(Bucket=http_bucket, Key="pic.avif")
    assert head["ContentType"] == "image/avif"
    assert head["CacheControl"] == "max-age=3600"
    assert head["ContentDisposition"] == 'attachment; filename="pic.avif"'
    assert head["StorageClass"] == "STANDARD_IA"
    assert head["ServerSideEncryption"] == "AES256"
    assert head["Metadata"] == {"origin": "test"}
    assert client.head_object(Bucket=http_bucket, Key="doc.weird")["ContentType"] == (
        "application/x-weird"
    )
    # No ACL unless asked for.
    assert "ACL" not in options.extra_args("k")
    assert ObjectOptions(acl="public-read").extra_args("k")["ACL"] == "public-read"
    kms = ObjectOptions(sse="aws:kms", kms_key_id="key-1").extra_args("a.txt")
    assert kms["SSEKMSKeyId"] == "key-1" and kms["ContentType"] == "text/plain"
    assert ObjectOptions.from_dict(options.to_dict()) == options


def _refuse_acl(request: Any, **kwargs: Any) -> AWSResponse | None:
    if "x-amz-acl" not in request.headers:
        return None
    body = (
        b"<Error><Code>AccessControlListNotSupported</Code>"
        b"<Message>The bucket does not allow ACLs</Message></Error>"
    )
    return AWSResponse(request.url, 400, {}, _Raw(body))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, *args: Any) -> bytes:
        body, self._body = self._body, b""
        return body


def test_acl_not_supported_fails_the_item_clearly_and_keeps_it(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    small = make_random(tmp_path / "s.bin", 100)
    big = make_random(tmp_path / "b.bin", 6 * MiB)
    client = moto_context.client
    client.meta.events.register_first("before-send.s3", _refuse_acl)
    journal = Journal(tmp_path / "j.sqlite3")
    eng = small_engine(moto_context, options=ObjectOptions(acl="public-read"), journal=journal)
    try:
        results = eng.upload(http_bucket, [src(small, "s.bin"), src(big, "b.bin")])
    finally:
        eng.close()
        client.meta.events.unregister("before-send.s3", _refuse_acl)
    for r in results:
        assert r.status == ItemStatus.FAILED
        assert isinstance(r.error, AclNotSupported)
        assert "ACLs disabled" in r.error.message
    # The items are kept (journaled as failed), to retry without the ACL.
    assert sorted(i.key for i in journal.unfinished()) == ["b.bin", "s.bin"]
    journal.close()
    eng = small_engine(moto_context)
    try:
        retried = eng.upload(http_bucket, [src(small, "s.bin"), src(big, "b.bin")])
    finally:
        eng.close()
    assert [r.status for r in retried] == [ItemStatus.DONE] * 2


# -- conflicts --------------------------------------------------------------------------
def test_conflict_policies(moto_context: S3Context, http_bucket: str, tmp_path: Path) -> None:
    client = moto_context.client
    same = make_random(tmp_path / "same.txt", 300)
    other = make_random(tmp_path / "other.txt", 300)
    client.put_object(Bucket=http_bucket, Key="same.txt", Body=same.read_bytes())
    client.put_object(Bucket=http_bucket, Key="other.txt", Body=b"x" * 300)  # same size
    client.put_object(Bucket=http_bucket, Key="r.txt", Body=b"old")
    client.put_object(Bucket=http_bucket, Key="r (1).txt", Body=b"old 1")

    def run(policy: ConflictPolicy, sources: list[UploadSource], **kw: Any) -> list[ItemResult]:
        eng = small_engine(moto_context, conflict=policy)
        try:
            return eng.upload(http_bucket, sources, **kw)
        finally:
            eng.close()

    got = run(ConflictPolicy.SKIP_IDENTICAL, [src(same, "same.txt"), src(other, "other.txt")])
    assert [r.status for r in got] == [ItemStatus.SKIPPED, ItemStatus.DONE]
    assert client.get_object(Bucket=http_bucket, Key="other.txt")["Body"].read() == (
        other.read_bytes()
    )

    got = run(ConflictPolicy.SKIP, [src(same, "same.txt"), src(same, "new.txt")])
    assert [r.status for r in got] == [ItemStatus.SKIPPED, ItemStatus.DONE]

    got = run(ConflictPolicy.RENAME, [src(same, "r.txt")])
    assert got[0].status == ItemStatus.DONE and got[0].key == "r (2).txt"
    assert client.get_object(Bucket=http_bucket, Key="r.txt")["Body"].read() == b"old"

    asked: list[Conflict] = []

    def ask(conflict: Conflict) -> ConflictPolicy:
        asked.append(conflict)
        return ConflictPolicy.OVERWRITE if conflict.key == "r.txt" else ConflictPolicy.SKIP

    got = run(ConflictPolicy.ASK, [src(same, "r.txt"), src(same, "r (1).txt")], ask=ask)
    # Both existence checks run at once, so the questions may come in either order.
    by_key = {c.key: c for c in asked}
    assert sorted(by_key) == ["r (1).txt", "r.txt"] and len(asked) == 2
    assert by_key["r.txt"].remote_size == 3 and by_key["r.txt"].local_size == 300
    assert [r.status for r in got] == [ItemStatus.DONE, ItemStatus.SKIPPED]
    assert client.get_object(Bucket=http_bucket, Key="r.txt")["Body"].read() == same.read_bytes()


def test_two_sources_never_go_to_one_key(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    """The engine's own guard (callers that did not plan): the first item keeps the key,
    the second is renamed under RENAME and fails with KeyClash otherwise, unsent."""
    client = moto_context.client
    first = make_random(tmp_path / "x" / "a.bin", 100)
    second = make_random(tmp_path / "y" / "a.bin", 200)
    for policy in (ConflictPolicy.OVERWRITE, ConflictPolicy.SKIP, ConflictPolicy.RENAME):
        eng = small_engine(moto_context, conflict=policy)
        try:
            got = eng.upload(
                http_bucket, [src(first, f"{policy}/a.bin"), src(second, f"{policy}/a.bin")]
            )
        finally:
            eng.close()
        assert (got[0].status, got[0].key) == (ItemStatus.DONE, f"{policy}/a.bin")
        if policy is ConflictPolicy.RENAME:
            assert (got[1].status, got[1].key) == (ItemStatus.DONE, f"{policy}/a (1).bin")
            stored = client.get_object(Bucket=http_bucket, Key=f"{policy}/a (1).bin")
            assert stored["Body"].read() == second.read_bytes()
        else:
            assert got[1].status is ItemStatus.FAILED
            assert got[1].error is not None and got[1].error.code == naming.KEY_CLASH
            assert got[1].error.message == (
                f"Another file in this upload, {first}, goes to the same key {policy}/a.bin."
            )
        stored = client.get_object(Bucket=http_bucket, Key=f"{policy}/a.bin")
        assert stored["Body"].read() == first.read_bytes()


def test_prepared_keys_that_meet_are_kept_apart(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    """Two files whose preparation gives one key (a.png and a.jpg both made a.webp)."""
    png = make_random(tmp_path / "a.png", 100)
    jpg = make_random(tmp_path / "a.jpg", 200)

    def to_webp(source: UploadSource, cancel: CancelToken) -> UploadSource:
        return replace(source, key=source.key.rsplit(".", 1)[0] + ".webp")

    for policy in (ConflictPolicy.OVERWRITE, ConflictPolicy.RENAME):
        eng = small_engine(moto_context, conflict=policy)
        try:
            got = eng.upload(
                http_bucket, [src(png, f"{policy}/a.png"), src(jpg, f"{policy}/a.jpg")],
                prepare=to_webp,
            )  # fmt: skip
        finally:
            eng.close()
        assert (got[0].status, got[0].key) == (ItemStatus.DONE, f"{policy}/a.webp")
        if policy is ConflictPolicy.RENAME:
            assert (got[1].status, got[1].key) == (ItemStatus.DONE, f"{policy}/a (1).webp")
        else:
            assert got[1].status is ItemStatus.FAILED
            assert got[1].error is not None and got[1].error.code == naming.KEY_CLASH


def test_a_rename_skips_the_keys_reserved_by_the_caller(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    client = moto_context.client
    client.put_object(Bucket=http_bucket, Key="r.txt", Body=b"old")
    f = make_random(tmp_path / "r.txt", 10)
    eng = small_engine(moto_context, conflict=ConflictPolicy.RENAME)
    try:
        (got,) = eng.upload(http_bucket, [src(f, "r.txt")], reserved={"r (1).txt", "r (2).txt"})
    finally:
        eng.close()
    assert (got.status, got.key) == (ItemStatus.DONE, "r (3).txt")
    assert client.get_object(Bucket=http_bucket, Key="r.txt")["Body"].read() == b"old"


def test_renamed_key_and_templates() -> None:
    assert naming.renamed_key("photos/a.jpg", 1) == "photos/a (1).jpg"
    assert naming.renamed_key("noext", 2) == "noext (2)"
    assert naming.renamed_key("a.tar.gz", 1) == "a.tar (1).gz"
    now = dt.datetime(2026, 3, 4, 5, 6, 7)
    key = naming.render_key("{prefix}{date:%Y/%m}/{stem}{ext}", "up", "Trip/IMG.JPG", now=now)
    assert key == "up/2026/03/IMG.jpg"
    assert naming.render_key("{prefix}{path}", "", "Trip/a b.txt", now=now) == "Trip/a b.txt"
    assert naming.render_key("{dir}{name}", "x/", "a.txt", now=now) == "a.txt"
    nfd = "e\u0301te\u0301.txt"
    assert naming.render_key("{name}", "", nfd, now=now) == "\u00e9t\u00e9.txt"
    assert naming.validate_key_template("{prefix}{date:%Y/%m}/{stem}{ext}") is None
    for bad, word in [
        ("", "empty"),
        ("{prefix}{nme}", "Unknown placeholder {nme}"),
        ("{prefix", "braces"),
        ("{prefix}{date}", "must contain"),
        ("{name:>10}", "format"),
        ("{}", "needs a name"),
        ("/{name}", "start or end"),
    ]:
        message = naming.validate_key_template(bad)
        assert message is not None and word in message, (bad, message)


# -- pause, resume, cancel one ----------------------------------------------------------
def test_pause_multipart_then_resume_without_resending_parts(
    moto_context: S3Context, http_bucket: str, tmp_path: Path, calls: Calls
) -> None:
    big = make_random(tmp_path / "big.bin", 26 * MiB)  # 6 parts of 5 MiB
    control = BatchControl()
    states: list[tuple[int, ItemStatus, str]] = []

    def on_part(**kwargs: Any) -> None:
        if calls.count("UploadPart") >= 2:
            control.pause()

    moto_context.client.meta.events.register("after-call.s3.UploadPart", on_part)
    eng = small_engine(moto_context, max_concurrency=1)
    try:
        (first,) = eng.upload(
            http_bucket,
            [src(big, "big.bin")],
            control=control,
            on_state=lambda i, s, d: states.append((i, s, d)),
        )
        moto_context.client.meta.events.unregister("after-call.s3.UploadPart", on_part)
        assert first.status == ItemStatus.PAUSED
        assert (0, ItemStatus.PAUSED, "") in states
        sent_before = calls.count("UploadPart")
        assert 2 <= sent_before < 6
        progress = TransferProgress()
        (second,) = eng.upload(http_bucket, [src(big, "big.bin")], progress=progress)
    finally:
        eng.close()
    assert second.status == ItemStatus.DONE, second.error
    assert second.detail.startswith("CRC32")
    assert calls.count("CreateMultipartUpload") == 1  # never a second upload
    assert calls.count("ListParts") == 1
    assert calls.count("UploadPart") == 6  # finished parts were not sent again
    assert progress.snapshot().done_bytes == big.stat().st_size
    body = moto_context.client.get_object(Bucket=http_bucket, Key="big.bin")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(big.read_bytes()).digest()


def test_pause_all_before_start_and_cancel_one(
    moto_context: S3Context, http_bucket: str, tmp_path: Path, calls: Calls
) -> None:
    files = [make_random(tmp_path / f"{i}.bin", 100) for i in range(4)]
    big = make_random(tmp_path / "big.bin", 16 * MiB)
    control = BatchControl()
    control.cancel(1)
    control.pause(2)

    def on_part(**kwargs: Any) -> None:
        control.cancel(4)

    moto_context.client.meta.events.register("after-call.s3.UploadPart", on_part)
    eng = small_engine(moto_context, max_concurrency=1)
    try:
        results = eng.upload(
            http_bucket, [src(f, f.name) for f in files] + [src(big, "big.bin")], control=control
        )
    finally:
        eng.close()
        moto_context.client.meta.events.unregister("after-call.s3.UploadPart", on_part)
    assert [r.status for r in results] == [
        ItemStatus.DONE,
        ItemStatus.CANCELLED,
        ItemStatus.PAUSED,
        ItemStatus.DONE,
        ItemStatus.CANCELLED,
    ]
    assert isinstance(results[1].error, Cancelled)
    assert calls.count("AbortMultipartUpload") == 1
    uploads = moto_context.client.list_multipart_uploads(Bucket=http_bucket).get("Uploads", [])
    assert uploads == []


# -- faults ----------------------------------------------------------------------------
class FailFirst:
    """before-send hook: answer the first ``n`` requests of ``op`` with ``status``/``code``."""

    def __init__(self, op: str, n: int, status: int = 503, code: str = "SlowDown") -> None:
        self.op, self.n, self.status, self.code = op, n, status, code
        self.seen = 0

    def __call__(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        if kwargs.get("event_name", "").rsplit(".", 1)[-1] != self.op:
            return None
        self.seen += 1
        if self.seen > self.n:
            return None
        body = f"<Error><Code>{self.code}</Code><Message>x</Message></Error>".encode()
        return AWSResponse(request.url, self.status, {}, _Raw(body))


@pytest.fixture
def few_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore makes 2 attempts per call (AWS_MAX_ATTEMPTS, which make_config honours)."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")


def test_slowdown_is_retried_with_backoff(
    few_attempts: None, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "a.bin", 1000)
    hook = FailFirst("PutObject", 3)
    moto_context.client.meta.events.register_first("before-send.s3.PutObject", hook)
    states: list[str] = []
    eng = small_engine(moto_context, retry_budget_s=30)
    try:
        (r,) = eng.upload(http_bucket, [src(f, "a.bin")], on_state=lambda i, s, d: states.append(d))
    finally:
        eng.close()
        moto_context.client.meta.events.unregister("before-send.s3.PutObject", hook)
    # botocore's own retries (2 attempts) ran out once; the engine retried after that.
    assert r.status == ItemStatus.DONE, r.error
    assert hook.seen == 4
    assert "retrying…" in states


def test_slowdown_forever_ends_in_a_clear_failure(
    few_attempts: None, moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "a.bin", 1000)
    hook = FailFirst("PutObject", 10**6)
    moto_context.client.meta.events.register_first("before-send.s3.PutObject", hook)
    eng = small_engine(moto_context, retry_budget_s=0.5)
    try:
        (r,) = eng.upload(http_bucket, [src(f, "a.bin")])
    finally:
        eng.close()
        moto_context.client.meta.events.unregister("before-send.s3.PutObject", hook)
    assert r.status == ItemStatus.FAILED
    assert r.error is not None and "SlowDown" in r.error.message and "retried" in r.error.message


def _lie_about_checksum(parsed: dict[str, Any], **kwargs: Any) -> None:
    # A server that stored something else than what was sent (its echo differs).
    parsed["ChecksumCRC32"] = "AAAAAA=="


@pytest.mark.parametrize("size", [1000, 6 * MiB])
def test_checksum_mismatch_is_a_failure_not_a_success(
    moto_context: S3Context, http_bucket: str, tmp_path: Path, size: int
) -> None:
    f = make_random(tmp_path / "a.bin", size)
    client = moto_context.client
    for op in ("PutObject", "UploadPart"):
        client.meta.events.register(f"after-call.s3.{op}", _lie_about_checksum)
    eng = small_engine(moto_context, retry_budget_s=0.3)
    try:
        (r,) = eng.upload(http_bucket, [src(f, "a.bin")])
    finally:
        eng.close()
        for op in ("PutObject", "UploadPart"):
            client.meta.events.unregister(f"after-call.s3.{op}", _lie_about_checksum)
    assert r.status == ItemStatus.FAILED
    assert isinstance(r.error, IntegrityError)
    assert "different data" in r.error.message


def test_vanished_file_fails_only_its_item_with_prepare(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    a = make_random(tmp_path / "a.bin", 10)
    b = tmp_path / "gone.bin"
    eng = small_engine(moto_context)
    try:
        results = eng.upload(
            http_bucket,
            [src(a, "a.bin"), UploadSource(b, "gone.bin", 5)],
            prepare=lambda s, c: s,
        )
    finally:
        eng.close()
    assert [r.status for r in results] == [ItemStatus.DONE, ItemStatus.FAILED]


def test_cancel_token_wins_over_retries(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "a.bin", 1000)
    token = CancelToken()
    hook = FailFirst("PutObject", 10**6)

    def fail_and_cancel(request: Any, **kwargs: Any) -> AWSResponse | None:
        token.cancel()
        return hook(request, **kwargs)

    moto_context.client.meta.events.register_first("before-send.s3.PutObject", fail_and_cancel)
    eng = small_engine(moto_context, retry_budget_s=600)
    try:
        (r,) = eng.upload(http_bucket, [src(f, "a.bin")], cancel=token)
    finally:
        eng.close()
        moto_context.client.meta.events.unregister("before-send.s3.PutObject", fail_and_cancel)
    assert r.status == ItemStatus.CANCELLED
    assert hook.seen == 1  # no retry, no backoff after the cancel


# -- downloads --------------------------------------------------------------------------
def test_download_with_etag_skips_head_and_verifies(
    moto_context: S3Context, http_bucket: str, tmp_path: Path, calls: Calls
) -> None:
    client = moto_context.client
    bodies = {f"d/{i}.bin": os.urandom(1000 + i) for i in range(3)}
    sources = []
    for key, body in bodies.items():
        etag = client.put_object(Bucket=http_bucket, Key=key, Body=body)["ETag"]
        sources.append(DownloadSource(key, tmp_path / "out" / key, len(body), etag))
    eng = small_engine(moto_context)
    try:
        results = eng.download(http_bucket, sources)
    finally:
        eng.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * 3
    assert calls.count("HeadObject") == 0  # size + ETag given: no HEAD per object
    for key, body in bodies.items():
        assert (tmp_path / "out" / key).read_bytes() == body


def test_download_conflicts_and_size_mismatch(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    client = moto_context.client
    client.put_object(Bucket=http_bucket, Key="a.txt", Body=b"remote")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_bytes(b"mine")
    eng = small_engine(moto_context)
    try:
        skip = eng.download(
            http_bucket,
            [DownloadSource("a.txt", out / "a.txt", 6)],
            conflict=ConflictPolicy.SKIP,
        )
        assert skip[0].status == ItemStatus.SKIPPED and (out / "a.txt").read_bytes() == b"mine"
        ren = eng.download(
            http_bucket,
            [DownloadSource("a.txt", out / "a.txt", 6)],
            conflict=ConflictPolicy.RENAME,
        )
        assert ren[0].status == ItemStatus.DONE and ren[0].path == out / "a (1).txt"
        assert (out / "a (1).txt").read_bytes() == b"remote"
        same = eng.download(
            http_bucket,
            [DownloadSource("a.txt", out / "a (1).txt", 6)],
            conflict=ConflictPolicy.SKIP_IDENTICAL,
        )
        assert same[0].status == ItemStatus.SKIPPED
        wrong = eng.download(http_bucket, [DownloadSource("a.txt", out / "b.txt", 99)])
        assert wrong[0].status == ItemStatus.FAILED
        assert isinstance(wrong[0].error, IntegrityError)
        assert not (out / "b.txt").exists()  # an unverified file is not left behind
    finally:
        eng.close()


# -- client configuration ---------------------------------------------------------------
def test_make_config_respects_the_users_retry_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ConnectionSettings(endpoint_url="http://127.0.0.1:9")
    cfg = make_config(settings, session=make_session(settings))
    assert cfg.retries == {"mode": "standard", "max_attempts": 5}
    assert cfg.s3 is not None and cfg.s3["payload_signing_enabled"] is False
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "9")
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    cfg = make_config(settings, session=make_session(settings))
    assert cfg.retries == {"mode": "adaptive", "total_max_attempts": 9}
    remote = make_config(ConnectionSettings(endpoint_url="http://minio.example:9000"))
    assert remote.s3 is not None and "payload_signing_enabled" not in remote.s3


def test_make_config_reads_max_attempts_from_the_aws_config_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.write_text("[default]\nmax_attempts = 3\nretry_mode = standard\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    settings = ConnectionSettings()
    cfg = make_config(settings, session=make_session(settings))
    assert cfg.retries == {"mode": "standard", "total_max_attempts": 3}


def test_cancel_while_the_multipart_upload_is_being_created_aborts_it(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    """The cancel lands while CreateMultipartUpload is on its way: the upload the server
    then creates must still be aborted."""
    big = make_random(tmp_path / "big.bin", 12 * MiB)
    cancel = CancelToken()
    client = moto_context.client
    event = "before-send.s3.CreateMultipartUpload"

    def cancel_during_request(**kwargs: Any) -> None:
        cancel.cancel()
        time.sleep(0.5)  # a slow server: the engine sees the cancel before the answer

    client.meta.events.register(event, cancel_during_request)
    engine = small_engine(moto_context)
    try:
        [result] = engine.upload(http_bucket, [src(big, "big.bin")], cancel=cancel)
    finally:
        client.meta.events.unregister(event, cancel_during_request)
        engine.close()
    assert result.status == ItemStatus.CANCELLED
    assert client.list_multipart_uploads(Bucket=http_bucket).get("Uploads", []) == []


def test_the_whole_queue_is_journaled_before_the_first_upload(
    moto_context: S3Context, http_bucket: str, tmp_path: Path
) -> None:
    """A crash during the first upload must still leave every queued file to resume."""
    files = [make_random(tmp_path / f"f{i}.bin", 100 + i) for i in range(6)]
    journal = Journal(tmp_path / "j.sqlite3")
    seen: list[list[str]] = []

    def look(**kwargs: Any) -> None:
        if not seen:
            seen.append(sorted(i.key for i in journal.unfinished()))

    client = moto_context.client
    client.meta.events.register_first("before-send.s3.PutObject", look)
    eng = small_engine(moto_context, journal=journal, max_concurrency=1)
    try:
        results = eng.upload(http_bucket, [src(f, f"q/{f.name}") for f in files])
    finally:
        eng.close()
        client.meta.events.unregister("before-send.s3.PutObject", look)
    assert [r.status for r in results] == [ItemStatus.DONE] * len(files)
    assert seen == [sorted(f"q/{f.name}" for f in files)]
    assert journal.unfinished() == []
    journal.close()
