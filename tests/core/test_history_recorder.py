"""``HistoryRecorder``: a batch recorded while it runs. Stored objects only, written as
they come (before the batch ends), the rest at ``close``, also after an interrupt; the
entries as ``record_uploads`` makes them."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from s3uploader_gui.core.history import HistoryStore, _content_type, record_uploads
from s3uploader_gui.core.history_recorder import HistoryRecorder
from s3uploader_gui.core.naming import content_type_for
from s3uploader_gui.core.transfers.model import ItemResult, ItemStatus, ObjectOptions
from tests.helpers.files import make_random
from tests.helpers.images import photo


def _done(i: int, path: Path, key: str | None = None) -> ItemResult:
    return ItemResult(i, key or f"up/f{i}.bin", path, ItemStatus.DONE, 100 + i)


def _keys(store: HistoryStore) -> set[str]:
    return {e.key for e in store.query(limit=1000)}


def test_objects_are_recorded_while_the_batch_runs(tmp_path: Path) -> None:
    data = make_random(tmp_path / "d.bin", 10)
    asked: list[str] = []

    def label() -> str:
        asked.append(threading.current_thread().name)
        return "Conn"

    with HistoryStore(tmp_path / "h.sqlite3") as store:
        rec = HistoryRecorder(label, "bkt", store=store, interval=0.01)
        for i in range(5):
            rec.add(_done(i, data))
        rec.add(ItemResult(9, "up/failed.bin", data, ItemStatus.FAILED))
        rec.add(ItemResult(8, "up/skipped.bin", data, ItemStatus.SKIPPED))
        deadline = time.monotonic() + 5
        while len(_keys(store)) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _keys(store) == {f"up/f{i}.bin" for i in range(5)}  # before close
        rec.add(_done(5, data))
        assert rec.close() == 6
        rec.add(_done(6, data))  # after close: not recorded
        entries = store.query(limit=100)
    assert {e.key for e in entries} == {f"up/f{i}.bin" for i in range(6)}
    assert all(e.profile == "Conn" and e.bucket == "bkt" for e in entries)
    assert {e.key: e.size for e in entries}["up/f3.bin"] == 103
    assert asked == ["history"]  # asked once, on the writing thread


def test_an_interrupted_batch_keeps_what_was_stored(tmp_path: Path) -> None:
    data = make_random(tmp_path / "d.bin", 10)
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        rec = HistoryRecorder(lambda: "x", "b", store=store, interval=60)
        with pytest.raises(KeyboardInterrupt):
            try:
                rec.add(_done(0, data))
                rec.add(_done(1, data))
                raise KeyboardInterrupt
            finally:
                rec.close()  # as the command line's batch does
        assert rec.recorded == 2
        assert _keys(store) == {"up/f0.bin", "up/f1.bin"}


def test_nothing_stored_opens_no_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from s3uploader_gui.core import history

    opened: list[int] = []
    monkeypatch.setattr(history, "open_history", lambda: opened.append(1))
    rec = HistoryRecorder(lambda: "x", "b")
    rec.add(ItemResult(0, "k", tmp_path / "k", ItemStatus.FAILED))
    assert rec.close() == 0
    assert opened == []


def test_entries_are_those_record_uploads_makes(tmp_path: Path) -> None:
    jpeg = photo(tmp_path / "p.jpg", (400, 300))
    data = make_random(tmp_path / "d.bin", 10)
    results = [_done(0, jpeg, "a/p.jpg"), _done(1, data, "a/d.txt"), _done(2, data, "a/d.bin")]
    options = ObjectOptions(content_types={".txt": "text/x-notes"})
    rows = []
    for way in ("at once", "while running"):
        with HistoryStore(":memory:") as store:
            if way == "at once":
                record_uploads(store, "L", "b", results, options=options)
            else:
                rec = HistoryRecorder(lambda: "L", "b", store=store, options=options)
                for r in results:
                    rec.add(r)
                rec.close()
            got = store.query()
            rows.append(
                sorted(
                    (
                        e.key,
                        e.content_type,
                        e.size,
                        e.profile,
                        e.has_thumbnail,
                        store.thumbnail(e.id),
                    )
                    for e in got
                )
            )
    assert rows[0] == rows[1]
    assert [r[1] for r in rows[0]] == ["application/octet-stream", "text/x-notes", "image/jpeg"]


@pytest.mark.parametrize("with_options", [False, True])
def test_the_content_type_found_once_per_extension_is_each_keys_own(with_options: bool) -> None:
    options = ObjectOptions(content_types={".txt": "text/x-notes"}) if with_options else None
    keys = [
        "a.txt", "b.TXT", "c.tar.gz", "d.gz", "e", ".bashrc", "f.", "g/..", "h/.", "i/",
        "j/k.jpg/", "l\\m.png", "n.JPG", "o/p.q/r", "..", ".", "", "s/.hidden.png", "t..png",
        "u.txt/", "v/./w.webp", "x.mp4",
    ]  # fmt: skip
    types: dict[str, str] = {}
    for _ in range(2):
        for key in keys:
            if options is not None:
                want = str(options.extra_args(key)["ContentType"])
            else:
                want = content_type_for(key)
            assert _content_type(key, options, types) == want, key


class _SlowStore:
    """A history whose writes wait for ``go``."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.writing = threading.Event()
        self.keys: list[str] = []

    def record(self, entries: list[object]) -> int:
        self.writing.set()
        assert self.go.wait(10)
        self.keys += [e.key for e in entries]  # type: ignore[attr-defined]
        return len(entries)


def test_finish_takes_no_more_and_does_not_wait_close_waits(tmp_path: Path) -> None:
    data = make_random(tmp_path / "d.bin", 10)
    store = _SlowStore()
    rec = HistoryRecorder(lambda: "x", "b", store=store, interval=60)  # type: ignore[arg-type]
    rec.add(_done(0, data))
    rec.add(_done(1, data))
    started = time.monotonic()
    rec.finish()  # the rows are written by the recorder's thread, which waits for go
    assert time.monotonic() - started < 1
    assert store.writing.wait(5)
    rec.add(_done(2, data))  # after finish: not recorded
    assert store.keys == []
    store.go.set()
    assert rec.close() == 2
    assert store.keys == ["up/f0.bin", "up/f1.bin"]
