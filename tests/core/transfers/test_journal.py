"""The SQLite transfer journal."""

from __future__ import annotations

import threading
from pathlib import Path

from s3uploader_gui.core import paths
from s3uploader_gui.core.transfers.journal import Journal, JournalPart, default_journal_path


def test_default_path_is_in_the_user_data_dir() -> None:
    assert default_journal_path().parent == paths.data_dir()
    journal = Journal()
    try:
        assert journal.path.is_file()
    finally:
        journal.close()


def test_begin_reuses_the_unfinished_row_of_the_same_file(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    f = tmp_path / "a.bin"
    first = journal.begin("local", "b", "k", f, 100, 7, {"acl": ""})
    journal.set_multipart(first.id, "upload-1", 5 << 20, "CRC32")
    journal.add_part(first.id, JournalPart(1, 5 << 20, '"e1"', "AAAA"))
    journal.set_state(first.id, "uploading")
    journal.close()

    # After a "crash": a new Journal on the same file sees the same row and its parts.
    journal = Journal(tmp_path / "j.sqlite3")
    again = journal.begin("local", "b", "k", f, 100, 7)
    assert again.id == first.id
    assert again.upload_id == "upload-1"
    assert again.part_size == 5 << 20
    assert journal.parts(again.id) == [JournalPart(1, 5 << 20, '"e1"', "AAAA")]
    assert [i.id for i in journal.unfinished("local")] == [first.id]
    assert journal.unfinished("other") == []

    # The file changed (size or mtime): the old row and its parts are not reused.
    changed = journal.begin("local", "b", "k", f, 101, 7)
    assert changed.id != first.id
    assert changed.upload_id is None
    assert [i.id for i in journal.unfinished()] == [changed.id]
    journal.close()


def test_finish_drops_parts_and_leaves_the_unfinished_list(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    item = journal.begin("c", "b", "k", tmp_path / "x", 1, 1)
    journal.set_multipart(item.id, "u", 5 << 20, "CRC32")
    journal.add_part(item.id, JournalPart(1, 1, "e", "c"))
    journal.finish(item.id, "done")
    assert journal.parts(item.id) == []
    got = journal.get(item.id)
    assert got is not None and got.state == "done" and got.upload_id is None
    assert journal.unfinished() == []
    journal.prune(older_than_s=-1)
    assert journal.get(item.id) is None
    journal.close()


def test_forget_and_states(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    a = journal.begin("c", "b", "a", tmp_path / "a", 1, 1)
    b = journal.begin("c", "b", "b", tmp_path / "b", 1, 1)
    journal.set_state(a.id, "failed", "boom")
    journal.set_key(b.id, "b (1)")
    rows = {i.key: i for i in journal.unfinished()}
    assert rows["a"].state == "failed" and rows["a"].error == "boom"
    assert "b (1)" in rows
    journal.forget([a.id, b.id])
    assert journal.unfinished() == []
    journal.close()


def test_memory_journal_and_threads(tmp_path: Path) -> None:
    journal = Journal(":memory:")
    item = journal.begin("c", "b", "k", tmp_path / "k", 10, 1)

    def add(n: int) -> None:
        journal.add_part(item.id, JournalPart(n, 1, f"e{n}", ""))

    threads = [threading.Thread(target=add, args=(n,)) for n in range(1, 21)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.number for p in journal.parts(item.id)] == list(range(1, 21))
    assert not (tmp_path / ":memory:").exists()
    journal.close()


def test_the_journal_file_is_private_to_the_user(tmp_path) -> None:
    import stat

    from s3uploader_gui.core.transfers.journal import Journal

    path = tmp_path / "journal.sqlite"
    path.write_bytes(b"")
    path.chmod(0o644)  # an older version's file
    journal = Journal(path)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for extra in tmp_path.glob("journal.sqlite-*"):
            assert stat.S_IMODE(extra.stat().st_mode) == 0o600, extra.name
    finally:
        journal.close()
