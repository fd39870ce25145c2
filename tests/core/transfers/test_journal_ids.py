"""A queue is journaled with one statement for its new rows: each row still gets the id
SQLite would have given it (never one a deleted row had), and the id returned for an
item is the id of its row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from s3uploader_gui.core.transfers.journal import Journal


def _entries(
    tmp_path: Path, names: list[str]
) -> list[tuple[str, Path, int, int, dict[str, object]]]:
    options: dict[str, object] = {"options": {"acl": "private"}, "temporary": False}
    return [(f"k/{n}", tmp_path / n, 10 + i, 1000 + i, options) for i, n in enumerate(names)]


def test_each_item_gets_the_id_of_its_own_row(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    rows = journal.begin_many("c", "b", _entries(tmp_path, ["a", "b", "c"]))
    journal.close()
    with sqlite3.connect(path) as db:
        stored = dict(db.execute("SELECT id, key FROM items").fetchall())
    assert {r.id: r.key for r in rows} == stored
    assert [r.options for r in rows] == [{"options": {"acl": "private"}, "temporary": False}] * 3


def test_an_id_a_deleted_row_had_is_never_given_again(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    first = journal.begin_many("c", "b", _entries(tmp_path, ["a", "b", "c"]))
    journal.close()
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM items WHERE id=?", (first[-1].id,))
    journal = Journal(path)
    second = journal.begin_many("c", "b", _entries(tmp_path, ["d", "e"]))
    single = journal.begin("c", "b", "k/f", tmp_path / "f", 1, 1)
    journal.close()
    assert [r.id for r in second] == [first[-1].id + 1, first[-1].id + 2]
    assert single.id == first[-1].id + 3
    with sqlite3.connect(path) as db:
        stored = dict(db.execute("SELECT id, key FROM items").fetchall())
    assert stored == {first[0].id: "k/a", first[1].id: "k/b", second[0].id: "k/d",
                      second[1].id: "k/e", single.id: "k/f"}  # fmt: skip


def test_a_resumed_row_and_new_rows_in_one_queue(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    (old,) = journal.begin_many("c", "b", _entries(tmp_path, ["a"]))
    journal.close()
    # Another program (gone) begins the queue again: "a" is taken over, "b" is new.
    journal = Journal(path)
    rows = journal.begin_many("c", "b", _entries(tmp_path, ["a", "b"]))
    journal.close()
    assert rows[0].id == old.id
    assert rows[1].id == old.id + 1
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM items").fetchone() == (2,)
