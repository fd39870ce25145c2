"""Under every conflict policy but OVERWRITE, a batch of small files learns which keys
exist from a few bounded listings, not a HEAD each, and still never replaces a key
unasked: an existing key is found and handled per policy, a key that appears between
the listing and the PUT is refused by the server (``If-None-Match: *``, which
SeaweedFS honours), a folder crowded with other keys falls back to HEADs, and a
multipart file keeps its HEAD. Requests are counted by a proxy in front of SeaweedFS."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import Conflict, ConflictPolicy, ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from tests.conftest import seaweed_settings
from tests.helpers.files import make_random
from tests.helpers.s3proxy import Proxy, Request, proxy_to


@pytest.fixture(params=["lean", "botocore"])
def path_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both request paths: the lean sender and botocore (``S3UPLOADER_FAST_PATH=0``)."""
    if request.param == "botocore":
        monkeypatch.setenv("S3UPLOADER_FAST_PATH", "0")
    return str(request.param)


@pytest.fixture
def proxy(seaweed: LocalServerInfo) -> Iterator[Proxy]:
    with proxy_to(seaweed.endpoint_url) as p:
        yield p


def _engine(seaweed: LocalServerInfo, proxy: Proxy, **settings: object) -> TransferEngine:
    context = S3Context(seaweed_settings(seaweed, endpoint_url=proxy.endpoint_url))
    return TransferEngine(context, EngineSettings(**settings))  # type: ignore[arg-type]


def _sources(folder: Path, names: list[str], prefix: str, size: int = 300) -> list[UploadSource]:
    out = []
    for name in names:
        path = make_random(folder / name, size)
        out.append(UploadSource(path, prefix + name, size))
    return out


def _heads(proxy: Proxy) -> list[Request]:
    return [r for r in proxy.seen if r.method == "HEAD"]


def _lists(proxy: Proxy) -> list[Request]:
    return [r for r in proxy.seen if r.method == "GET" and "list-type=2" in r.query]


def _puts(proxy: Proxy) -> list[Request]:
    return [r for r in proxy.seen if r.is_put_object]


def _conditional(request: Request) -> bool:
    return any(k.lower() == "if-none-match" and v == "*" for k, v in request.headers.items())


def _body(context: S3Context, bucket: str, key: str) -> bytes:
    return bytes(context.client.get_object(Bucket=bucket, Key=key)["Body"].read())


@pytest.mark.parametrize("policy", [ConflictPolicy.SKIP, ConflictPolicy.ASK])
def test_a_batch_into_an_empty_prefix_sends_a_listing_not_a_head_per_file(
    path_kind: str,
    policy: ConflictPolicy,
    seaweed: LocalServerInfo,
    proxy: Proxy,
    seaweed_bucket: str,
    tmp_path: Path,
) -> None:
    sources = _sources(tmp_path, [f"f{i:03}.bin" for i in range(300)], "in/")
    asked: list[Conflict] = []

    def ask(conflict: Conflict) -> ConflictPolicy:
        asked.append(conflict)
        return ConflictPolicy.SKIP

    eng = _engine(seaweed, proxy)
    try:
        results = eng.upload(seaweed_bucket, sources, conflict=policy, ask=ask)
    finally:
        eng.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * 300, results[0]
    assert asked == []
    assert _heads(proxy) == []
    assert 1 <= len(_lists(proxy)) <= 2
    puts = _puts(proxy)
    assert len(puts) == 300
    assert all(_conditional(p) for p in puts)


@pytest.mark.parametrize(
    "policy",
    [
        ConflictPolicy.SKIP,
        ConflictPolicy.RENAME,
        ConflictPolicy.SKIP_IDENTICAL,
        ConflictPolicy.ASK,
    ],
)
def test_existing_keys_are_found_by_the_listing_and_handled_per_policy(
    path_kind: str,
    policy: ConflictPolicy,
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    proxy: Proxy,
    seaweed_bucket: str,
    tmp_path: Path,
) -> None:
    names = [f"f{i:02}.bin" for i in range(30)] + ["read me #1+%.txt", "ä ö.bin"]
    sources = _sources(tmp_path, names, "d/")
    client = seaweed_context.client
    same = sources[3]  # the same bytes
    client.put_object(Bucket=seaweed_bucket, Key=same.key, Body=same.path.read_bytes())
    longer = sources[7]  # another size
    client.put_object(Bucket=seaweed_bucket, Key=longer.key, Body=b"x" * 999)
    other = sources[30]  # the same size, other bytes: only a checksum tells
    client.put_object(Bucket=seaweed_bucket, Key=other.key, Body=b"y" * other.size)
    unicode = sources[31]
    client.put_object(Bucket=seaweed_bucket, Key=unicode.key, Body=b"z" * 10)
    client.put_object(Bucket=seaweed_bucket, Key="d/f05.bin.old", Body=b"foreign")
    client.put_object(Bucket=seaweed_bucket, Key="d/f05/inside.bin", Body=b"foreign")
    existing = {3: same, 7: longer, 30: other, 31: unicode}
    before = {i: _body(seaweed_context, seaweed_bucket, s.key) for i, s in existing.items()}
    asked: list[Conflict] = []
    answers = {3: ConflictPolicy.SKIP, 7: ConflictPolicy.OVERWRITE, 30: ConflictPolicy.RENAME}

    def ask(conflict: Conflict) -> ConflictPolicy:
        asked.append(conflict)
        return answers.get(conflict.index, ConflictPolicy.SKIP)

    eng = _engine(seaweed, proxy)
    try:
        results = eng.upload(seaweed_bucket, sources, conflict=policy, ask=ask)
    finally:
        eng.close()

    def stored(i: int) -> bytes:
        return _body(seaweed_context, seaweed_bucket, results[i].key)

    fresh = [r for r in results if r.index not in existing]
    assert all(r.status is ItemStatus.DONE for r in fresh), fresh
    assert all(stored(r.index) == sources[r.index].path.read_bytes() for r in fresh)
    kept = {i: _body(seaweed_context, seaweed_bucket, s.key) for i, s in existing.items()}
    status = {i: results[i].status for i in existing}
    heads = {r.path.rsplit("/", 1)[-1] for r in _heads(proxy)}
    if policy is ConflictPolicy.SKIP:
        assert set(status.values()) == {ItemStatus.SKIPPED}
        assert kept == before
        assert heads == set()
    elif policy is ConflictPolicy.RENAME:
        assert set(status.values()) == {ItemStatus.DONE}
        assert kept == before
        assert results[3].key == "d/f03 (1).bin"
        assert results[31].key == "d/ä ö (1).bin"
        assert all(stored(i) == existing[i].path.read_bytes() for i in existing)
    elif policy is ConflictPolicy.SKIP_IDENTICAL:
        assert status == {
            3: ItemStatus.SKIPPED,  # the listing's size and MD5 ETag decide
            7: ItemStatus.DONE,  # the listing's size decides
            30: ItemStatus.DONE,  # the same size: its HEAD decides
            31: ItemStatus.DONE,
        }
        assert heads == {"read%20me%20%231%2B%25.txt"}
        assert kept[3] == before[3]
        assert all(kept[i] == existing[i].path.read_bytes() for i in (7, 30, 31))
    else:
        assert sorted(c.index for c in asked) == [3, 7, 30, 31]
        assert {c.index: c.remote_size for c in asked} == {3: 300, 7: 999, 30: 300, 31: 10}
        assert all(c.remote_modified is not None for c in asked)
        assert status == {
            3: ItemStatus.SKIPPED,
            7: ItemStatus.DONE,
            30: ItemStatus.DONE,
            31: ItemStatus.SKIPPED,
        }
        assert results[30].key == "d/read me #1+% (1).txt"
        assert kept[7] == longer.path.read_bytes()
        assert (kept[3], kept[30], kept[31]) == (before[3], before[30], before[31])
        assert heads == set()
    # A replacement the policy chose is not conditional; a key found free is.
    replaced = {
        ConflictPolicy.SKIP_IDENTICAL: {
            "f07.bin",
            "read%20me%20%231%2B%25.txt",
            "%C3%A4%20%C3%B6.bin",
        },
        ConflictPolicy.ASK: {"f07.bin"},
    }.get(policy, set())
    for put in _puts(proxy):
        name = put.path.rsplit("/", 1)[-1]
        assert _conditional(put) == (name not in replaced), name


@pytest.mark.parametrize("policy", [ConflictPolicy.SKIP, ConflictPolicy.ASK])
def test_a_key_created_after_the_listing_is_not_replaced(
    path_kind: str,
    policy: ConflictPolicy,
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    proxy: Proxy,
    seaweed_bucket: str,
    tmp_path: Path,
) -> None:
    sources = _sources(tmp_path, [f"f{i:02}.bin" for i in range(20)], "late/")
    target = "/late/f05.bin"

    def someone_else_stores_it_first(request: Request) -> None:
        if request.is_put_object and request.path.endswith(target) and _conditional(request):
            seaweed_context.client.put_object(
                Bucket=seaweed_bucket, Key="late/f05.bin", Body=b"theirs"
            )

    proxy.before = someone_else_stores_it_first
    asked: list[Conflict] = []

    def ask(conflict: Conflict) -> ConflictPolicy:
        asked.append(conflict)
        return ConflictPolicy.SKIP

    eng = _engine(seaweed, proxy)
    try:
        results = eng.upload(seaweed_bucket, sources, conflict=policy, ask=ask)
    finally:
        eng.close()
    assert _body(seaweed_context, seaweed_bucket, "late/f05.bin") == b"theirs"
    assert results[5].status is ItemStatus.SKIPPED, results[5]
    assert [r.status for r in results if r.index != 5] == [ItemStatus.DONE] * 19
    refused = [p for p in _puts(proxy) if p.path.endswith(target)]
    assert [p.status for p in refused] == [412]
    assert [h.path for h in _heads(proxy)] == [f"/{seaweed_bucket}/late/f05.bin"]
    if policy is ConflictPolicy.ASK:
        assert [(c.index, c.remote_size) for c in asked] == [(5, 6)]


def test_a_folder_crowded_with_other_keys_falls_back_to_a_head_each(
    path_kind: str,
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    proxy: Proxy,
    seaweed_bucket: str,
    tmp_path: Path,
) -> None:
    sources = _sources(tmp_path, [f"f{i:03}.bin" for i in range(20)], "busy/")
    client = seaweed_context.client
    # 300 keys between the batch's sixth and seventh: more than the listing may read.
    for i in range(300):
        client.put_object(Bucket=seaweed_bucket, Key=f"busy/f005-{i:03}", Body=b"")
    client.put_object(Bucket=seaweed_bucket, Key="busy/f001.bin", Body=b"theirs")
    client.put_object(Bucket=seaweed_bucket, Key="busy/f015.bin", Body=b"theirs")
    eng = _engine(seaweed, proxy)
    try:
        results = eng.upload(seaweed_bucket, sources, conflict=ConflictPolicy.SKIP)
    finally:
        eng.close()
    skipped = sorted(r.index for r in results if r.status is ItemStatus.SKIPPED)
    assert skipped == [1, 15]
    assert all(r.status is ItemStatus.DONE for r in results if r.index not in (1, 15))
    assert _body(seaweed_context, seaweed_bucket, "busy/f015.bin") == b"theirs"
    assert len(_lists(proxy)) == 2  # the page budget of a 20-key slice
    heads = sorted(h.path.rsplit("/", 1)[-1] for h in _heads(proxy))
    assert heads == [f"f{i:03}.bin" for i in range(5, 20)]  # those past what was listed


def test_a_multipart_file_keeps_its_head_right_before_it_starts(
    path_kind: str,
    seaweed: LocalServerInfo,
    proxy: Proxy,
    seaweed_bucket: str,
    tmp_path: Path,
) -> None:
    sources = _sources(tmp_path, [f"f{i:02}.bin" for i in range(12)], "mp/")
    big = make_random(tmp_path / "big.bin", 6 * MiB)
    sources.append(UploadSource(big, "mp/big.bin", 6 * MiB))
    eng = _engine(seaweed, proxy, multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    try:
        results = eng.upload(seaweed_bucket, sources, conflict=ConflictPolicy.SKIP)
    finally:
        eng.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * 13
    paths = [(r.method, r.path, r.query) for r in proxy.seen]
    heads = [p for p in paths if p[0] == "HEAD"]
    assert {p[1] for p in heads} == {f"/{seaweed_bucket}/mp/big.bin"}
    create = paths.index(("POST", f"/{seaweed_bucket}/mp/big.bin", "uploads"))
    assert paths.index(heads[0]) < create
    assert len(_lists(proxy)) == 1


def test_a_server_that_refuses_the_condition_gets_plain_puts(
    path_kind: str,
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    proxy: Proxy,
    seaweed_bucket: str,
    tmp_path: Path,
) -> None:
    sources = _sources(tmp_path, [f"f{i:02}.bin" for i in range(10)], "old/")
    refusal = (
        b"<Error><Code>NotImplemented</Code><Message>A header you provided implies "
        b"functionality that is not implemented</Message></Error>"
    )

    def refuse(request: Request) -> tuple[int, bytes] | None:
        return (501, refusal) if request.is_put_object and _conditional(request) else None

    proxy.respond = refuse
    eng = _engine(seaweed, proxy, max_concurrency=1, window=1)
    try:
        results = eng.upload(seaweed_bucket, sources, conflict=ConflictPolicy.SKIP)
    finally:
        eng.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * 10, results[0].error
    puts = _puts(proxy)
    assert [_conditional(p) for p in puts] == [True] + [False] * 10
    for s in sources:
        digest = hashlib.md5(s.path.read_bytes(), usedforsecurity=False).hexdigest()
        assert (
            hashlib.md5(
                _body(seaweed_context, seaweed_bucket, s.key), usedforsecurity=False
            ).hexdigest()
            == digest
        )


def test_a_server_listing_out_of_key_order_gets_a_head_per_file(
    path_kind: str,
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    proxy: Proxy,
    seaweed_bucket: str,
    tmp_path: Path,
) -> None:
    sources = _sources(tmp_path, [f"f{i:02}.bin" for i in range(10)], "odd/")
    seaweed_context.client.put_object(Bucket=seaweed_bucket, Key="odd/f04.bin", Body=b"theirs")
    listing = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<Name>{seaweed_bucket}</Name><Prefix>odd/</Prefix><KeyCount>2</KeyCount>"
        "<MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>"
        "<Contents><Key>odd/f09.bin</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
        '<ETag>"x"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>'
        "<Contents><Key>odd/f01.bin</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
        '<ETag>"x"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>'
        "</ListBucketResult>"
    ).encode()

    def shuffled(request: Request) -> tuple[int, bytes] | None:
        listed = request.method == "GET" and "list-type=2" in request.query
        return (200, listing) if listed else None

    proxy.respond = shuffled
    eng = _engine(seaweed, proxy)
    try:
        results = eng.upload(seaweed_bucket, sources, conflict=ConflictPolicy.SKIP)
    finally:
        eng.close()
    assert [r.index for r in results if r.status is ItemStatus.SKIPPED] == [4]
    assert all(r.status is ItemStatus.DONE for r in results if r.index != 4)
    assert len(_lists(proxy)) == 1
    assert len(_heads(proxy)) == 10


def test_a_put_whose_answer_was_lost_finds_its_own_object_and_is_done(
    path_kind: str,
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    proxy: Proxy,
    seaweed_bucket: str,
    tmp_path: Path,
) -> None:
    """The server stored the conditional PUT but the answer never came: the PUT sent
    again is refused (412), and the key is found to hold this file's bytes."""
    sources = _sources(tmp_path, [f"f{i:02}.bin" for i in range(10)], "lost/")
    target = "/lost/f03.bin"
    lost: list[Request] = []

    def lose_the_answer(request: Request) -> None:
        if request.is_put_object and request.path.endswith(target) and not lost:
            lost.append(request)
            raise ConnectionResetError("the answer is lost")

    proxy.after = lose_the_answer
    eng = _engine(seaweed, proxy)
    try:
        results = eng.upload(seaweed_bucket, sources, conflict=ConflictPolicy.RENAME)
    finally:
        eng.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * 10, results[3]
    assert results[3].key == "lost/f03.bin"
    assert results[3].detail == "CRC32"
    assert _body(seaweed_context, seaweed_bucket, "lost/f03.bin") == sources[3].path.read_bytes()
    assert [p.status for p in _puts(proxy) if p.path.endswith(target)] == [200, 412]
    listed = seaweed_context.client.list_objects_v2(Bucket=seaweed_bucket, Prefix="lost/")
    assert len(listed["Contents"]) == 10  # no "f03 (1).bin"
