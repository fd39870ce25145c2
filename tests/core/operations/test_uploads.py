"""``core.operations.uploads``: keys unique within a batch, one row per source, "cancelled"
only for what the server did not store, every row after a fatal error. Against SeaweedFS
(the planning rules also without a server)."""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import Cancelled, SignatureMismatch
from s3uploader_gui.core.imaging.options import ImageOptions, OutputFormat
from s3uploader_gui.core.imaging.prepare import ImagePreparer
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.naming import KEY_CLASH, UploadSource
from s3uploader_gui.core.operations.uploads import (
    UploadOutcome,
    expand_paths,
    plan_uploads,
    run_uploads,
)
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers import TransferProgress
from s3uploader_gui.core.transfers.control import BatchControl
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import ConflictPolicy, ItemResult, ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from tests.conftest import seaweed_settings
from tests.helpers.files import make_jpeg, make_png, make_random
from tests.helpers.s3proxy import Request, proxy_to

ALL_POLICIES = list(ConflictPolicy)
NOT_RENAME = [p for p in ConflictPolicy if p is not ConflictPolicy.RENAME]


def body(context: S3Context, bucket: str, key: str) -> bytes:
    data: bytes = context.client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return data


def keys(context: S3Context, bucket: str) -> set[str]:
    listed = context.client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"] for o in listed}


def clash_sentence(other: Path, key: str) -> str:
    return f"Another file in this upload, {other}, goes to the same key {key}."


@pytest.fixture
def engine(seaweed_context: S3Context) -> Iterator[TransferEngine]:
    eng = TransferEngine(seaweed_context, EngineSettings(max_concurrency=4))
    try:
        yield eng
    finally:
        eng.close()


@pytest.fixture
def two_cards(tmp_path: Path) -> tuple[Path, Path]:
    """Two camera folders with a file of the same name (different bytes) in each."""
    first = make_random(tmp_path / "DCIM" / "100CANON" / "IMG_0001.JPG", 1000)
    second = make_random(tmp_path / "DCIM" / "101CANON" / "IMG_0001.JPG", 2000)
    return first, second


def upload(
    engine: TransferEngine, bucket: str, candidates: list[UploadSource], **kw: Any
) -> tuple[UploadOutcome, list[ItemResult]]:
    """Plan and run; also the rows as ``on_item`` reported them."""
    policy = kw.pop("policy", ConflictPolicy.OVERWRITE)
    convert = kw.pop("convert", None)
    plan = plan_uploads(candidates, policy=policy, convert=convert)
    seen: list[ItemResult] = []
    outcome = run_uploads(engine, bucket, plan, prepare=convert, on_item=seen.append, **kw)
    return outcome, seen


# -- planning (no server) --------------------------------------------------------------------
def test_expanding_keeps_every_file_that_maps_to_one_key(two_cards: tuple[Path, Path]) -> None:
    first, second = two_cards
    expanded = expand_paths([first, second, first], "trip")
    # The very same file given twice is one source; two files of one name are two.
    assert [(c.path, c.key) for c in expanded.candidates] == [
        (first, "trip/IMG_0001.JPG"),
        (second, "trip/IMG_0001.JPG"),
    ]
    assert expanded.problems == ()


@pytest.mark.parametrize("policy", NOT_RENAME)
def test_plan_reports_the_clash_for_the_item_not_stored(
    two_cards: tuple[Path, Path], policy: ConflictPolicy
) -> None:
    first, second = two_cards
    plan = plan_uploads(expand_paths([first, second], "trip/").candidates, policy=policy)
    assert [(i.index, i.key) for i in plan.items] == [(0, "trip/IMG_0001.JPG")]
    (rejected,) = plan.rejected
    assert (rejected.index, rejected.source.path, rejected.key) == (1, second, "trip/IMG_0001.JPG")
    assert rejected.reason == clash_sentence(first, "trip/IMG_0001.JPG")
    assert rejected.error.code == KEY_CLASH


def test_plan_compares_keys_after_nfc_normalisation(tmp_path: Path) -> None:
    name = "Crème.jpg"
    a = make_random(tmp_path / "a" / "x", 1)
    b = make_random(tmp_path / "b" / "x", 1)
    nfd, nfc = unicodedata.normalize("NFD", name), unicodedata.normalize("NFC", name)
    candidates = [UploadSource(a, nfd, 1), UploadSource(b, nfc, 1)]
    plan = plan_uploads(candidates, policy=ConflictPolicy.OVERWRITE)
    assert [i.key for i in plan.items] == [nfc]
    assert [r.key for r in plan.rejected] == [nfc]
    renamed = plan_uploads(candidates, policy=ConflictPolicy.RENAME)
    assert [i.key for i in renamed.items] == [nfc, "Crème (1).jpg"]


def test_plan_rename_skips_keys_the_batch_wants_and_keys_taken(tmp_path: Path) -> None:
    files = [make_random(tmp_path / f"f{i}" / "a.jpg", 1) for i in range(3)]
    candidates = [
        UploadSource(files[0], "a.jpg", 1),
        UploadSource(files[1], "a.jpg", 1),  # wants a.jpg: renamed...
        UploadSource(files[2], "a (1).jpg", 1),  # ...but not to the key this one wants
    ]
    plan = plan_uploads(candidates, policy=ConflictPolicy.RENAME, taken=["a (2).jpg"])
    assert [i.key for i in plan.items] == ["a.jpg", "a (3).jpg", "a (1).jpg"]
    assert [i.renamed for i in plan.items] == [False, True, False]
    assert plan.rejected == ()
    assert {"a.jpg", "a (1).jpg", "a (2).jpg", "a (3).jpg"} <= plan.reserved


def test_plan_names_the_file_of_a_taken_key(tmp_path: Path) -> None:
    earlier = tmp_path / "earlier.jpg"
    new = make_random(tmp_path / "new" / "a.jpg", 1)
    plan = plan_uploads(
        [UploadSource(new, "a.jpg", 1)], policy=ConflictPolicy.SKIP, taken={"a.jpg": earlier}
    )
    assert plan.items == ()
    assert plan.rejected[0].reason == clash_sentence(earlier, "a.jpg")
    plan = plan_uploads(
        [UploadSource(new, "a.jpg", 1)], policy=ConflictPolicy.SKIP, taken=["a.jpg"]
    )
    assert (
        plan.rejected[0].reason == "Another file in this upload already goes to the same key a.jpg."
    )


def test_plan_knows_the_key_after_a_format_conversion(tmp_path: Path) -> None:
    png = make_png(tmp_path / "a.png")
    jpg = make_jpeg(tmp_path / "a.jpg")
    heic = tmp_path / "b.HEIC"
    candidates = [
        UploadSource(png, "p/a.png", 1),
        UploadSource(jpg, "p/a.jpg", 1),
        UploadSource(heic, "p/b.HEIC", 1),
    ]
    webp = ImageOptions(format=OutputFormat.WEBP)
    plan = plan_uploads(candidates, policy=ConflictPolicy.OVERWRITE, convert=webp)
    assert [i.key for i in plan.items] == ["p/a.webp", "p/b.webp"]
    assert plan.rejected[0].reason == clash_sentence(png, "p/a.webp")
    # Per-item options of an ImagePreparer count: here a.jpg keeps its format.
    keep = ImageOptions(format=OutputFormat.KEEP)
    preparer = ImagePreparer(webp, {"p/a.jpg": keep})
    plan = plan_uploads(candidates, policy=ConflictPolicy.OVERWRITE, convert=preparer)
    assert [i.key for i in plan.items] == ["p/a.webp", "p/a.jpg", "p/b.webp"]
    # Kept in its own format, a HEIC becomes a JPEG: it then clashes with a.jpg.
    keep_plan = plan_uploads(
        [UploadSource(jpg, "b.jpg", 1), UploadSource(heic, "b.heic", 1)],
        policy=ConflictPolicy.RENAME,
        convert=keep,
    )
    assert [i.key for i in keep_plan.items] == ["b.jpg", "b (1).jpg"]


# -- two folders, one name ---------------------------------------------------------------------
@pytest.mark.parametrize("policy", ALL_POLICIES)
def test_same_name_from_two_folders(
    engine: TransferEngine,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    two_cards: tuple[Path, Path],
    policy: ConflictPolicy,
) -> None:
    first, second = two_cards
    candidates = list(expand_paths([first, second], "trip/").candidates)
    outcome, seen = upload(engine, seaweed_bucket, candidates, policy=policy)
    assert [r.index for r in outcome.results] == [0, 1]
    assert sorted(r.index for r in seen) == [0, 1]  # every row reported once
    done, other = outcome.results
    assert (done.status, done.key, done.path) == (ItemStatus.DONE, "trip/IMG_0001.JPG", first)
    assert body(seaweed_context, seaweed_bucket, "trip/IMG_0001.JPG") == first.read_bytes()
    if policy is ConflictPolicy.RENAME:
        assert (other.status, other.key, other.path) == (
            ItemStatus.DONE,
            "trip/IMG_0001 (1).JPG",
            second,
        )
        assert body(seaweed_context, seaweed_bucket, "trip/IMG_0001 (1).JPG") == (
            second.read_bytes()
        )
        assert outcome.uploaded == 2
    else:
        assert (other.status, other.path) == (ItemStatus.FAILED, second)
        assert other.error is not None and other.error.code == KEY_CLASH
        assert other.error.message == clash_sentence(first, "trip/IMG_0001.JPG")
        assert seen[0] == other  # reported before anything was sent
        assert keys(seaweed_context, seaweed_bucket) == {"trip/IMG_0001.JPG"}
        assert (outcome.uploaded, outcome.failed) == (1, 1)


def test_png_and_jpg_both_converted_to_webp(
    engine: TransferEngine, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    from tests.helpers.images import decode

    png = make_png(tmp_path / "a.png", size=(40, 30))
    jpg = make_jpeg(tmp_path / "a.jpg", size=(64, 48))
    candidates = list(expand_paths([png, jpg], "pics").candidates)
    preparer = ImagePreparer(ImageOptions(format=OutputFormat.WEBP))

    outcome, _ = upload(engine, seaweed_bucket, candidates, convert=preparer)
    stored, clashed = outcome.results
    assert (stored.status, stored.key) == (ItemStatus.DONE, "pics/a.webp")
    assert clashed.status is ItemStatus.FAILED
    assert clashed.error is not None and clashed.error.code == KEY_CLASH
    assert clashed.error.message == clash_sentence(png, "pics/a.webp")
    assert keys(seaweed_context, seaweed_bucket) == {"pics/a.webp"}
    assert decode(body(seaweed_context, seaweed_bucket, "pics/a.webp")).size == (40, 30)

    candidates = list(expand_paths([png, jpg], "renamed").candidates)
    outcome, _ = upload(
        engine, seaweed_bucket, candidates, convert=preparer, policy=ConflictPolicy.RENAME
    )
    assert [(r.status, r.key) for r in outcome.results] == [
        (ItemStatus.DONE, "renamed/a.webp"),
        (ItemStatus.DONE, "renamed/a (1).webp"),
    ]
    renamed = decode(body(seaweed_context, seaweed_bucket, "renamed/a (1).webp"))
    assert (renamed.format, renamed.size) == ("WEBP", (64, 48))
    assert decode(body(seaweed_context, seaweed_bucket, "renamed/a.webp")).size == (40, 30)


def test_a_conversion_that_did_not_happen_keeps_the_base_key(
    engine: TransferEngine, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    """The plan expected a.png to become a.webp, but preparing left it alone (say the file
    needed no change): it goes to a.png, its own key, not to a clash with itself."""
    png = make_random(tmp_path / "a.png", 100)
    jpg = make_random(tmp_path / "b.jpg", 100)

    def to_webp(key: str) -> str:
        return key.rsplit(".", 1)[0] + ".webp"

    def untouched(source: UploadSource, cancel: CancelToken) -> UploadSource:
        return source

    for policy in (ConflictPolicy.OVERWRITE, ConflictPolicy.RENAME):
        candidates = list(expand_paths([png, jpg], policy).candidates)
        plan = plan_uploads(candidates, policy=policy, convert=to_webp)
        assert [i.key for i in plan.items] == [f"{policy}/a.webp", f"{policy}/b.webp"]
        outcome = run_uploads(engine, seaweed_bucket, plan, prepare=untouched)
        assert [(r.status, r.key) for r in outcome.results] == [
            (ItemStatus.DONE, f"{policy}/a.png"),
            (ItemStatus.DONE, f"{policy}/b.jpg"),
        ]


def test_rename_candidate_that_is_itself_in_the_batch(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    """The server has a.jpg; the batch holds a.jpg and a (1).jpg. The runtime rename of the
    first must not land on the second's key: three keys, nothing overwritten."""
    client = seaweed_context.client
    client.put_object(Bucket=seaweed_bucket, Key="a.jpg", Body=b"on the server")
    first = tmp_path / "a.jpg"
    first.write_bytes(b"the first file")
    second = tmp_path / "a (1).jpg"
    second.write_bytes(b"the second file")
    # One request at a time: the rename's existence check comes before the other's PUT.
    eng = TransferEngine(seaweed_context, EngineSettings(max_concurrency=1))
    try:
        candidates = list(expand_paths([first, second]).candidates)
        outcome, _ = upload(eng, seaweed_bucket, candidates, policy=ConflictPolicy.RENAME)
    finally:
        eng.close()
    assert [(r.status, r.key) for r in outcome.results] == [
        (ItemStatus.DONE, "a (2).jpg"),
        (ItemStatus.DONE, "a (1).jpg"),
    ]
    assert body(seaweed_context, seaweed_bucket, "a.jpg") == b"on the server"
    assert body(seaweed_context, seaweed_bucket, "a (1).jpg") == b"the second file"
    assert body(seaweed_context, seaweed_bucket, "a (2).jpg") == b"the first file"


def test_callbacks_progress_and_control_speak_in_candidate_indices(
    engine: TransferEngine, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    """A rejection shifts the items sent; the caller still sees its own row numbers."""
    a = make_random(tmp_path / "x" / "a.bin", 100)
    a_again = make_random(tmp_path / "y" / "a.bin", 200)
    c = make_random(tmp_path / "c.bin", 300)
    d = make_random(tmp_path / "d.bin", 400)
    plan = plan_uploads(expand_paths([a, a_again, c, d]).candidates, policy=ConflictPolicy.SKIP)
    assert [i.index for i in plan.items] == [0, 2, 3]
    control = BatchControl()
    control.cancel(2)  # the caller's row 2: c.bin
    progress = TransferProgress()
    started: list[int] = []
    states: list[int] = []
    outcome = run_uploads(
        engine,
        seaweed_bucket,
        plan,
        progress=progress,
        control=control,
        on_start=started.append,
        on_state=lambda i, status, detail: states.append(i),
    )
    assert [(r.index, r.status) for r in outcome.results] == [
        (0, ItemStatus.DONE),
        (1, ItemStatus.FAILED),
        (2, ItemStatus.CANCELLED),
        (3, ItemStatus.DONE),
    ]
    assert sorted(started) == [0, 3] and set(states) <= {0, 3}
    snap = progress.snapshot()
    assert snap.item_bytes == {0: 100, 2: 0, 3: 400}
    assert (snap.items_total, snap.items_finished) == (3, 3)
    assert keys(seaweed_context, seaweed_bucket) == {"a.bin", "d.bin"}


# -- cancel while the server is answering ------------------------------------------------------
@pytest.fixture(params=["fast", "botocore"])
def request_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways a request is sent: the lean sender and botocore."""
    if request.param == "botocore":
        monkeypatch.setenv("S3UPLOADER_FAST_PATH", "0")
    return str(request.param)


@pytest.mark.parametrize("multipart", [False, True], ids=["put", "multipart"])
def test_cancel_while_the_answer_is_on_its_way_keeps_what_was_stored(
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
    request_path: str,
    multipart: bool,
) -> None:
    """The server stores the first file but is slow to say so; cancel lands meanwhile. The
    first file is DONE (it replaced the object), the second, never sent, is CANCELLED."""
    client = seaweed_context.client
    client.put_object(Bucket=seaweed_bucket, Key="up/first.bin", Body=b"previous version")
    size = 6 * MiB if multipart else 3000
    first = make_random(tmp_path / "first.bin", size)
    second = make_random(tmp_path / "second.bin", 100)
    token = CancelToken()
    answered = threading.Event()

    def slow_answer(request: Request) -> None:
        stored = request.is_complete if multipart else request.is_put_object
        if stored and request.path.endswith("/first.bin") and request.status == 200:
            token.cancel()
            time.sleep(0.6)  # the engine sees the cancel long before the answer
            answered.set()

    with proxy_to(seaweed.endpoint_url) as proxy:
        proxy.after = slow_answer
        context = S3Context(seaweed_settings(seaweed, endpoint_url=proxy.endpoint_url))
        settings = EngineSettings(
            max_concurrency=1, window=1, multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB
        )
        eng = TransferEngine(context, settings)
        assert (eng.fast is not None) == (request_path == "fast")
        try:
            candidates = list(expand_paths([first, second], "up").candidates)
            outcome, _ = upload(eng, seaweed_bucket, candidates, cancel=token)
        finally:
            eng.close()
    assert answered.is_set()
    done, cancelled = outcome.results
    assert (done.status, done.error) == (ItemStatus.DONE, None)
    assert done.bytes == size
    assert body(seaweed_context, seaweed_bucket, "up/first.bin") == first.read_bytes()
    assert cancelled.status is ItemStatus.CANCELLED
    assert isinstance(cancelled.error, Cancelled)
    assert "up/second.bin" not in keys(seaweed_context, seaweed_bucket)
    assert client.list_multipart_uploads(Bucket=seaweed_bucket).get("Uploads", []) == []


def test_a_cancel_before_the_body_is_sent_is_still_cancelled(
    seaweed: LocalServerInfo, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    """The other side of the rule: a PUT that never reached the server is CANCELLED."""
    token = CancelToken()
    files = [make_random(tmp_path / f"f{i}.bin", 500) for i in range(3)]
    progress = TransferProgress()
    token.cancel()
    eng = TransferEngine(seaweed_context, EngineSettings(max_concurrency=2))
    try:
        plan = plan_uploads(expand_paths(files).candidates, policy=ConflictPolicy.OVERWRITE)
        outcome = run_uploads(eng, seaweed_bucket, plan, cancel=token, progress=progress)
    finally:
        eng.close()
    assert [r.status for r in outcome.results] == [ItemStatus.CANCELLED] * 3
    assert keys(seaweed_context, seaweed_bucket) == set()


# -- a fatal error ---------------------------------------------------------------------------
def _break_signatures_of_puts(request: Request) -> None:
    """The server sees a wrong signature on every PutObject (as with a wrong secret)."""
    if request.is_put_object:
        name = next(n for n in request.headers if n.lower() == "authorization")
        auth = request.headers[name]
        request.headers[name] = auth[:-1] + ("0" if auth[-1] != "0" else "1")


def test_after_a_fatal_error_every_item_has_a_row(
    seaweed: LocalServerInfo, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    files = [make_random(tmp_path / "d" / f"f{i:02}.bin", 300) for i in range(12)]
    dup = make_random(tmp_path / "other" / "f00.bin", 300)  # a clash, found when planning
    with proxy_to(seaweed.endpoint_url) as proxy:
        proxy.before = _break_signatures_of_puts
        context = S3Context(seaweed_settings(seaweed, endpoint_url=proxy.endpoint_url))
        eng = TransferEngine(context, EngineSettings(max_concurrency=2))
        try:
            candidates = list(expand_paths([*files, dup]).candidates)
            outcome, seen = upload(eng, seaweed_bucket, candidates)
        finally:
            eng.close()
    assert isinstance(outcome.fatal, SignatureMismatch)
    assert [r.index for r in outcome.results] == list(range(13))
    assert sorted(r.index for r in seen) == list(range(13))
    assert [r.path for r in outcome.results] == [*files, dup]
    statuses = [r.status for r in outcome.results]
    assert set(statuses) <= {ItemStatus.FAILED, ItemStatus.CANCELLED}
    assert outcome.cancelled >= 1  # the batch stopped at the first fatal error
    for r in outcome.results:
        assert r.error is not None
        if r.status is ItemStatus.CANCELLED:
            assert "stopped at an error" in r.error.message
    assert outcome.results[-1].error is not None
    assert outcome.results[-1].error.code == KEY_CLASH
    assert keys(seaweed_context, seaweed_bucket) == set()
