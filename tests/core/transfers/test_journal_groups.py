"""How a batch's single-request uploads end is committed in groups (``Journal.finish`` on a
guarded view): one transaction for many marks, written before anything else reads or
writes the journal, after ``GROUP_DELAY`` at the latest, and at the end of a batch."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers import journal_store
from s3uploader_gui.core.transfers.journal import Journal, JournalItem
from s3uploader_gui.core.transfers.model import ItemStatus
from tests.core.transfers.test_engine_features import small_engine, src
from tests.helpers.files import make_random


def _rows(journal: Journal, n: int) -> list[JournalItem]:
    entries = [(f"k{i}", Path(f"/src/f{i}"), 10, 1, None) for i in range(n)]
    return journal.begin_many("c", "b", entries)  # type: ignore[arg-type]


def _states(path: Path) -> dict[str, str]:
    """The states as another program (or the app after a crash) reads them."""
    db = sqlite3.connect(path)
    try:
        return dict(db.execute("SELECT key, state FROM items").fetchall())
    finally:
        db.close()


def test_finished_marks_are_one_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_store, "GROUP_DELAY", 3600.0)
    journal = Journal(tmp_path / "j.sqlite3")
    rows = _rows(journal, 100)
    seen: list[str] = []
    journal._store.db.set_trace_callback(seen.append)
    view = journal.guarded(lambda text: None)
    for row in rows:
        view.finish(row.id, "done", parts=False)
    assert set(_states(journal.path).values()) == {"queued"}  # not written yet
    journal.flush()
    journal._store.db.set_trace_callback(None)
    assert sum(s.startswith("BEGIN") for s in seen) == 1
    assert sum(s.startswith("UPDATE items") for s in seen) == 100
    assert set(_states(journal.path).values()) == {"done"}
    journal.close()


def test_what_comes_next_sees_the_marks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_store, "GROUP_DELAY", 3600.0)
    journal = Journal(tmp_path / "j.sqlite3")
    rows = _rows(journal, 3)
    view = journal.guarded(lambda text: None)
    view.finish(rows[0].id, "done", parts=False)
    view.finish(rows[1].id, "skipped", parts=False)
    assert [i.key for i in journal.unfinished()] == ["k2"]
    assert _states(journal.path) == {"k0": "done", "k1": "skipped", "k2": "queued"}
    # The same file again: the ended row is not taken up, a new one is made.
    again = view.begin("c", "b", "k0", Path("/src/f0"), 10, 1)
    assert again.id not in {r.id for r in rows}
    journal.close()


def test_marks_are_written_after_the_delay_and_at_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_store, "GROUP_DELAY", 0.05)
    journal = Journal(tmp_path / "j.sqlite3")
    rows = _rows(journal, 2)
    view = journal.guarded(lambda text: None)
    view.finish(rows[0].id, "done", parts=False)
    deadline = time.monotonic() + 5
    while _states(journal.path)["k0"] != "done":
        assert time.monotonic() < deadline, "never written"
        time.sleep(0.02)
    monkeypatch.setattr(journal_store, "GROUP_DELAY", 3600.0)
    view.finish(rows[1].id, "done", parts=False)
    journal.close()
    assert _states(journal.path) == {"k0": "done", "k1": "done"}


def test_a_group_that_cannot_be_written_is_told_to_its_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_store, "GROUP_DELAY", 3600.0)
    journal = Journal(tmp_path / "j.sqlite3")
    rows = _rows(journal, 5)
    told: list[str] = []
    view = journal.guarded(told.append)
    for row in rows:
        view.finish(row.id, "done", parts=False)
    with journal._store.lock:
        journal._store.db.execute("PRAGMA query_only=ON")
    journal.flush()  # never raises
    assert len(told) == 1 and "cannot be written" in told[0]
    with journal._store.lock:
        journal._store.db.execute("PRAGMA query_only=OFF")
    journal.close()


def test_a_multipart_end_and_an_unguarded_finish_are_written_at_once(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    rows = _rows(journal, 2)
    journal.guarded(lambda text: None).finish(rows[0].id, "done", parts=True)
    journal.finish(rows[1].id, "done", parts=False)
    assert _states(journal.path) == {"k0": "done", "k1": "done"}
    journal.close()


def test_a_batch_has_written_every_mark_when_it_returns(
    moto_context: S3Context, http_bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_store, "GROUP_DELAY", 3600.0)
    files = [make_random(tmp_path / f"f{i}.bin", 100 + i) for i in range(5)]
    journal = Journal(tmp_path / "j.sqlite3")
    eng = small_engine(moto_context, journal=journal)
    try:
        results = eng.upload(http_bucket, [src(f, f"g/{f.name}") for f in files])
        states: dict[str, Any] = _states(journal.path)
    finally:
        eng.close()
        journal.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * len(files)
    assert states == {f"g/{f.name}": "done" for f in files}


def test_begin_many_takes_the_same_rows_as_begin_one_by_one(tmp_path: Path) -> None:
    """``begin_many`` reads the unfinished rows once; what it decides must not differ
    from ``begin`` per file: rows of the same file taken up, changed files' rows stale,
    another running instance's rows left alone, repeated entries in one queue."""
    from tests.helpers.owners import gone_owner, running_owner

    def scenario(journal_path: Path, other: Any, gone: Any, many: bool) -> list[tuple[Any, ...]]:
        old_gone = Journal(journal_path, owner=gone)
        old_other = Journal(journal_path, owner=other)
        old_gone.begin("c", "b", "same", Path("/s/same"), 10, 1)
        old_gone.begin("c", "b", "changed", Path("/s/changed"), 10, 1)
        old_other.begin("c", "b", "theirs", Path("/s/theirs"), 10, 1)
        old_gone.begin("c", "other-bucket", "same", Path("/s/same"), 10, 1)
        done = old_gone.begin("c", "b", "ended", Path("/s/ended"), 10, 1)
        old_gone.finish(done.id, "done")
        old_gone.close()
        old_other.close()
        entries = [
            ("same", Path("/s/same"), 10, 1, {"o": 1}),
            ("changed", Path("/s/changed"), 11, 1, {"o": 1}),
            ("theirs", Path("/s/theirs"), 10, 1, {"o": 1}),
            ("ended", Path("/s/ended"), 10, 1, {"o": 1}),
            ("new", Path("/s/new"), 10, 1, None),
            ("new", Path("/s/new"), 10, 1, None),
            ("new", Path("/s/new"), 12, 1, None),
        ]
        journal = Journal(journal_path)
        if many:
            items = journal.begin_many("c", "b", entries)  # type: ignore[arg-type]
        else:
            items = [journal.begin("c", "b", *e) for e in entries]  # type: ignore[arg-type]
        db = journal._store.db
        rows = db.execute(
            "SELECT id, bucket, key, size, state, options, owner_pid FROM items ORDER BY id"
        ).fetchall()
        journal.close()
        return [(i.id, i.key, i.size, i.state, i.options, i.owner) for i in items] + rows

    gone = gone_owner()
    with running_owner() as other:
        one_by_one = scenario(tmp_path / "a.sqlite3", other, gone, many=False)
        many = scenario(tmp_path / "b.sqlite3", other, gone, many=True)
    assert many == one_by_one
