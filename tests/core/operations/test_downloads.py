"""core.operations.downloads: planning (problems fail alone, existing files listed) and
running (a local file replaced only under its policy, and only by a checked download).

Against SeaweedFS; on moto where SeaweedFS refuses the keys (``..`` segments, names over
255 bytes), as AWS stores them.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.errors import IntegrityError
from s3uploader_gui.core.operations.downloads import (
    FOLDS_EVERYTHING,
    FOLDS_NOTHING,
    DownloadPlan,
    DownloadRow,
    Folding,
    PlannedDownload,
    Selection,
    detect_folding,
    plan_downloads,
    run_downloads,
)
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.downloads import is_partial_download
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import ConflictPolicy, ItemStatus
from tests.conftest import unique_bucket
from tests.helpers.files import put_objects, tree_bytes


@pytest.fixture
def engine(seaweed_context: S3Context) -> Iterator[TransferEngine]:
    eng = TransferEngine(seaweed_context)
    yield eng
    eng.close()


@pytest.fixture
def moto_engine(moto_context: S3Context) -> Iterator[TransferEngine]:
    eng = TransferEngine(moto_context)
    yield eng
    eng.close()


def _by_key(rows: tuple[DownloadRow, ...]) -> dict[str, DownloadRow]:
    return {r.key: r for r in rows}


# -- existing local files -----------------------------------------------------------------
def test_existing_file_is_listed_and_kept_replaced_or_renamed_by_policy(
    engine: TransferEngine, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    put_objects(seaweed_context, seaweed_bucket, {"d/a.txt": b"remote a", "d/b.txt": b"remote b"})
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "a.txt").write_bytes(b"mine")
    plan = plan_downloads(seaweed_context, seaweed_bucket, [Selection("d/")], dest)
    assert [i.key for i in plan.items] == ["d/a.txt", "d/b.txt"]
    assert [i.key for i in plan.existing] == ["d/a.txt"]  # the question a face asks
    assert plan.problems == ()
    assert all(i.etag for i in plan.items)  # seen while listing: sent as If-Match

    skip = run_downloads(engine, plan, policy=ConflictPolicy.SKIP)
    rows = _by_key(skip.rows)
    assert rows["d/a.txt"].status is ItemStatus.SKIPPED
    assert rows["d/b.txt"].status is ItemStatus.DONE
    assert tree_bytes(dest) == {"a.txt": b"mine", "b.txt": b"remote b"}

    keep_both = run_downloads(engine, plan, policy=ConflictPolicy.RENAME)
    rows = _by_key(keep_both.rows)
    assert rows["d/a.txt"].status is ItemStatus.DONE
    assert rows["d/a.txt"].path == (dest / "a (1).txt").resolve()
    assert (dest / "a.txt").read_bytes() == b"mine"
    assert (dest / "a (1).txt").read_bytes() == b"remote a"

    replace = run_downloads(engine, plan, policy=ConflictPolicy.OVERWRITE)
    assert [r.status for r in replace.rows] == [ItemStatus.DONE, ItemStatus.DONE]
    assert (dest / "a.txt").read_bytes() == b"remote a"
    assert not [p for p in os.listdir(dest) if is_partial_download(p)]


def test_per_item_decisions(
    engine: TransferEngine, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    """The GUI's answers (Replace / Keep both / Skip) are one policy per key."""
    keys = {f"d/{n}.txt": f"remote {n}".encode() for n in "abcdef"}
    put_objects(seaweed_context, seaweed_bucket, keys)
    dest = tmp_path / "dest"
    dest.mkdir()
    for n in "abce":
        (dest / f"{n}.txt").write_bytes(b"mine " + n.encode())
    (dest / "f.txt").write_bytes(b"remote f")
    plan = plan_downloads(seaweed_context, seaweed_bucket, [Selection("d/")], dest)
    assert [i.key for i in plan.existing] == ["d/a.txt", "d/b.txt", "d/c.txt", "d/e.txt", "d/f.txt"]
    decisions = {
        "d/a.txt": ConflictPolicy.OVERWRITE,
        "d/b.txt": ConflictPolicy.RENAME,
        "d/e.txt": ConflictPolicy.SKIP_IDENTICAL,
        "d/f.txt": ConflictPolicy.SKIP_IDENTICAL,
    }
    seen: list[str] = []
    outcome = run_downloads(engine, plan, policy=decisions, on_item=lambda r: seen.append(r.key))
    assert sorted(seen) == sorted(keys)
    assert [r.status for r in outcome.rows] == [
        ItemStatus.DONE,
        ItemStatus.DONE,
        ItemStatus.SKIPPED,  # no answer for c: kept
        ItemStatus.DONE,
        ItemStatus.DONE,  # e differs: replaced
        ItemStatus.SKIPPED,  # f is identical
    ]
    assert _by_key(outcome.rows)["d/f.txt"].detail == "the local file is identical"
    assert tree_bytes(dest) == {
        "a.txt": b"remote a",
        "b.txt": b"mine b",
        "b (1).txt": b"remote b",
        "c.txt": b"mine c",
        "d.txt": b"remote d",
        "e.txt": b"remote e",
        "f.txt": b"remote f",
    }


# -- the object changed between plan and run ----------------------------------------------
def test_object_changed_after_planning_fails_and_keeps_the_local_file(
    engine: TransferEngine, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    put_objects(
        seaweed_context, seaweed_bucket, {"d/a.txt": b"version 1", "d/new.txt": b"version 1"}
    )
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "a.txt").write_bytes(b"my own file")
    plan = plan_downloads(seaweed_context, seaweed_bucket, [Selection("d/")], dest)
    # Same size: only the ETag (If-Match) can tell.
    put_objects(
        seaweed_context, seaweed_bucket, {"d/a.txt": b"version 2", "d/new.txt": b"version 2"}
    )

    outcome = run_downloads(engine, plan, policy=ConflictPolicy.OVERWRITE)
    assert [r.status for r in outcome.rows] == [ItemStatus.FAILED, ItemStatus.FAILED]
    for row in outcome.rows:
        assert isinstance(row.error, IntegrityError)
        assert row.error.code == "PreconditionFailed"
        assert "changed" in row.error.message
    assert os.listdir(dest) == ["a.txt"]  # no temporary file, no new.txt
    assert (dest / "a.txt").read_bytes() == b"my own file"

    # Planned again, the new version downloads.
    plan = plan_downloads(seaweed_context, seaweed_bucket, [Selection("d/")], dest)
    outcome = run_downloads(engine, plan, policy=ConflictPolicy.OVERWRITE)
    assert [r.status for r in outcome.rows] == [ItemStatus.DONE, ItemStatus.DONE]
    assert tree_bytes(dest) == {"a.txt": b"version 2", "new.txt": b"version 2"}


def test_size_mismatch_fails_and_keeps_the_local_file(
    engine: TransferEngine, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    """Before: the file was renamed over the user's file, then deleted by the size check."""
    put_objects(seaweed_context, seaweed_bucket, {"a.txt": b"remote"})
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "a.txt").write_bytes(b"my own file")
    target = (dest / "a.txt").resolve()
    plan = DownloadPlan(seaweed_bucket, dest, (PlannedDownload("a.txt", target, 99, None),), (), ())
    (row,) = run_downloads(engine, plan, policy=ConflictPolicy.OVERWRITE).rows
    assert row.status is ItemStatus.FAILED
    assert isinstance(row.error, IntegrityError) and row.error.code == "SizeMismatch"
    assert os.listdir(dest) == ["a.txt"]
    assert (dest / "a.txt").read_bytes() == b"my own file"


# -- a file appears at the target after planning -----------------------------------------
class _AppearDuringGet:
    """Creates the local file of a key while its GET is being sent (after the engine
    decided where the object lands, before it lands)."""

    def __init__(self, context: S3Context, targets: dict[str, Path]) -> None:
        self.client = context.client
        self.targets = targets
        self.client.meta.events.register("before-call.s3.GetObject", self)

    def __call__(self, params: dict[str, Any], **kwargs: Any) -> None:
        key = params.get("url_path", "").rsplit("/", 1)[-1]
        for name, path in self.targets.items():
            if name.endswith(key) and not path.exists():
                path.write_bytes(b"appeared")

    def close(self) -> None:
        self.client.meta.events.unregister("before-call.s3.GetObject", self)


@pytest.mark.parametrize("policy", [ConflictPolicy.SKIP, ConflictPolicy.RENAME])
def test_a_file_appearing_after_planning_is_not_replaced(
    policy: ConflictPolicy,
    engine: TransferEngine,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
) -> None:
    put_objects(
        seaweed_context, seaweed_bucket, {"d/early.txt": b"remote", "d/late.txt": b"remote"}
    )
    dest = tmp_path / "dest"
    dest.mkdir()
    plan = plan_downloads(seaweed_context, seaweed_bucket, [Selection("d/")], dest)
    assert plan.existing == ()
    (dest / "early.txt").write_bytes(b"appeared")  # before the run
    hook = _AppearDuringGet(seaweed_context, {"late.txt": dest / "late.txt"})  # during it
    try:
        outcome = run_downloads(engine, plan, policy=policy)
    finally:
        hook.close()
    assert (dest / "early.txt").read_bytes() == b"appeared"
    assert (dest / "late.txt").read_bytes() == b"appeared"
    rows = _by_key(outcome.rows)
    if policy is ConflictPolicy.RENAME:
        assert rows["d/early.txt"].path == (dest / "early (1).txt").resolve()
        assert rows["d/late.txt"].path == (dest / "late (1).txt").resolve()
        assert (dest / "early (1).txt").read_bytes() == b"remote"
        assert (dest / "late (1).txt").read_bytes() == b"remote"
    else:
        assert [r.status for r in outcome.rows] == [ItemStatus.SKIPPED] * 2
        assert "appeared" in rows["d/late.txt"].detail
        assert sorted(os.listdir(dest)) == ["early.txt", "late.txt"]  # no temporary file


# -- keys that cannot be saved fail alone --------------------------------------------------
LONG = "d/" + "k" * 300 + ".txt"


def test_long_key_and_one_file_for_two_keys_fail_alone(
    moto_engine: TransferEngine, moto_context: S3Context, tmp_path: Path
) -> None:
    """SeaweedFS refuses names over 255 bytes (KeyTooLongError); AWS and moto store them."""
    bucket = unique_bucket("long")
    moto_context.client.create_bucket(Bucket=bucket)
    nfc = "d/caf" + unicodedata.normalize("NFC", "\u00e9") + ".txt"
    nfd = "d/caf" + unicodedata.normalize("NFD", "\u00e9") + ".txt"
    keys = {
        LONG: b"long",
        "d/A.txt": b"upper",
        "d/a.txt": b"lower",
        nfc: b"composed",
        nfd: b"decomposed",
        "d/x//y.txt": b"double slash",
        "d/x/y.txt": b"single slash",
        "d/file": b"a file",
        "d/file/inside.txt": b"under a folder of the same name",
        "d/ok.txt": b"fine",
        "d/sub/ok2.txt": b"fine too",
    }
    put_objects(moto_context, bucket, keys)
    dest = tmp_path / "dest"
    plan = plan_downloads(moto_context, bucket, [Selection("d/")], dest, folding=FOLDS_EVERYTHING)
    failing = {LONG, "d/A.txt", "d/a.txt", nfc, nfd, "d/x//y.txt", "d/x/y.txt", "d/file"}
    assert {p.key for p in plan.problems} == failing
    assert len(plan.problems) == len(failing)  # one row per key
    problems = {p.key: p for p in plan.problems}
    assert problems[LONG].code == "NameTooLong"
    assert problems["d/A.txt"].code == "SameFile" and "“d/a.txt”" in problems["d/A.txt"].message
    assert problems[nfd].code == "SameFile"
    assert problems["d/x//y.txt"].code == "SameFile"
    assert "case" not in problems["d/x//y.txt"].message  # one file on any file system
    assert "upper and lower case" in problems["d/A.txt"].message
    assert problems["d/file"].code == "FileAndFolder"
    assert all("\n" not in p.message for p in plan.problems)

    seen: list[DownloadRow] = []
    outcome = run_downloads(moto_engine, plan, on_item=seen.append)
    assert len(outcome.rows) == len(keys) == len(seen)
    assert {r.key for r in outcome.failed} == failing
    assert {r.key for r in outcome.downloaded} == {"d/ok.txt", "d/sub/ok2.txt", "d/file/inside.txt"}
    assert tree_bytes(dest) == {
        "ok.txt": b"fine",
        "sub/ok2.txt": b"fine too",
        "file/inside.txt": b"under a folder of the same name",
    }

    # Where the file system tells them apart, the case and Unicode pairs are two files.
    plan = plan_downloads(moto_context, bucket, [Selection("d/")], dest, folding=FOLDS_NOTHING)
    assert {p.key for p in plan.problems} == {LONG, "d/x//y.txt", "d/x/y.txt", "d/file"}
    only_unicode = plan_downloads(
        moto_context, bucket, [Selection("d/")], dest, folding=Folding(case=False, unicode=True)
    )
    assert {nfc, nfd} <= {p.key for p in only_unicode.problems}
    assert not {"d/A.txt", "d/a.txt"} & {p.key for p in only_unicode.problems}


def test_hostile_keys_fail_alone(
    moto_engine: TransferEngine, moto_context: S3Context, tmp_path: Path
) -> None:
    bucket = unique_bucket("evil")
    moto_context.client.create_bucket(Bucket=bucket)
    put_objects(
        moto_context,
        bucket,
        {"../../evil.txt": b"x", "a/../../x": b"x", "back\\slash": b"x", "good/ok.txt": b"ok"},
    )
    work = tmp_path / "work"
    dest = work / "dest"
    plan = plan_downloads(moto_context, bucket, [Selection("")], dest)
    assert {p.key for p in plan.problems} == {"../../evil.txt", "a/../../x", "back\\slash"}
    outcome = run_downloads(moto_engine, plan)
    assert [r.key for r in outcome.downloaded] == ["good/ok.txt"]
    assert tree_bytes(tmp_path) == {"work/dest/good/ok.txt": b"ok"}


def test_selections_with_strip_and_one_that_matches_nothing(
    engine: TransferEngine, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    """The browser's selection: items keep their own name (strip = the folder shown)."""
    put_objects(
        seaweed_context,
        seaweed_bucket,
        {"photos/2026/a.jpg": b"a", "photos/2026/deep/b.jpg": b"b", "photos/c.jpg": b"c"},
    )
    dest = tmp_path / "dest"
    plan = plan_downloads(
        seaweed_context,
        seaweed_bucket,
        [
            Selection("photos/2026/", folder=True, strip="photos/"),
            Selection("photos/c.jpg", folder=False, strip="photos/"),
            Selection("photos/gone.jpg", folder=False, strip="photos/"),
            Selection("photos/empty/", folder=True, strip="photos/"),
        ],
        dest,
    )
    assert [p.key for p in plan.problems] == ["photos/gone.jpg", "photos/empty/"]
    assert all(p.code == "NotFound" for p in plan.problems)
    single = next(i for i in plan.items if i.key == "photos/c.jpg")
    assert single.etag and single.size == 1  # from one HEAD
    outcome = run_downloads(engine, plan)
    assert len(outcome.rows) == 5
    assert len(outcome.downloaded) == 3 and len(outcome.failed) == 2
    assert tree_bytes(dest) == {"2026/a.jpg": b"a", "2026/deep/b.jpg": b"b", "c.jpg": b"c"}


# -- the destination's file system ---------------------------------------------------------
def test_detect_folding(tmp_path: Path) -> None:
    # This machine's temporary folder (ext4, tmpfs, overlayfs) tells every name apart.
    assert detect_folding(tmp_path) == FOLDS_NOTHING
    assert detect_folding(tmp_path / "not" / "yet") == FOLDS_NOTHING
    assert os.listdir(tmp_path) == []  # the probe is gone, nothing created
    # Unsure (cannot create a file there): assume it folds.
    if Path("/proc/self").is_dir():
        assert detect_folding(Path("/proc/self")) == FOLDS_EVERYTHING


def test_folding_is_probed_when_a_pair_depends_on_it(
    engine: TransferEngine,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from s3uploader_gui.core.operations import downloads as ops

    probed: list[Path] = []

    def fake(folder: Path) -> Folding:
        probed.append(folder)
        return FOLDS_EVERYTHING

    monkeypatch.setattr(ops, "detect_folding", fake)
    put_objects(seaweed_context, seaweed_bucket, {"d/A.txt": b"A", "d/b.txt": b"b"})
    dest = tmp_path / "dest"
    plan = plan_downloads(seaweed_context, seaweed_bucket, [Selection("d/")], dest)
    assert probed == [] and plan.problems == ()  # nothing could clash: no probe
    put_objects(seaweed_context, seaweed_bucket, {"d/a.txt": b"a"})
    plan = plan_downloads(seaweed_context, seaweed_bucket, [Selection("d/")], dest)
    assert probed == [dest]
    assert {p.key for p in plan.problems} == {"d/A.txt", "d/a.txt"}
    outcome = run_downloads(engine, plan)
    assert tree_bytes(dest) == {"b.txt": b"b"}
    assert len(outcome.failed) == 2
