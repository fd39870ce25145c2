"""The transfer journal: a SQLite file that lets uploads survive a quit or a crash.

Every upload the engine starts is a row in ``items`` (connection, bucket, key, local
file and its size and modification time, state, multipart upload id and part size);
every part the server has confirmed is a row in ``parts`` (number, size, ETag and
checksum). After a crash the app lists the unfinished rows and offers to resume them;
the engine then continues a multipart upload from its confirmed parts (checked against
ListParts) instead of starting over or creating a second upload.

Writes are small and committed at once (WAL mode), so a SIGKILL loses at most the part
that was in flight. One ``Journal`` may be used from many threads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from s3uploader_gui.core import paths

JOURNAL_NAME = "transfers.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connection TEXT NOT NULL,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    state TEXT NOT NULL,
    upload_id TEXT,
    part_size INTEGER,
    checksum_algorithm TEXT,
    options TEXT NOT NULL DEFAULT '{}',
    error TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_identity ON items (connection, bucket, key, path);
CREATE TABLE IF NOT EXISTS parts (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    checksum TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, number)
);
"""

#: States in which a row still has work to do (offered for resuming at start).
UNFINISHED_STATES = ("queued", "preparing", "uploading", "paused", "failed")


@dataclass(frozen=True)
class JournalPart:
    """One part the server confirmed."""

    number: int
    size: int
    etag: str
    checksum: str


@dataclass(frozen=True)
class JournalItem:
    """One journaled upload."""

    id: int
    connection: str
    bucket: str
    key: str
    path: Path
    size: int
    mtime_ns: int
    state: str
    upload_id: str | None
    part_size: int | None
    checksum_algorithm: str | None
    options: dict[str, Any]
    error: str


def default_journal_path() -> Path:
    """``transfers.sqlite3`` in the user data directory."""
    return paths.data_dir() / JOURNAL_NAME


class Journal:
    """Thread-safe access to the journal file."""

    def __init__(self, path: Path | str | None = None) -> None:
        """Open (creating if needed) the journal at ``path``; ``":memory:"`` for a
        journal that lives as long as this object."""
        memory = str(path) == ":memory:"
        self.path = Path(path) if path is not None else default_journal_path()
        if not memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            ":memory:" if memory else str(self.path),
            check_same_thread=False,
            isolation_level=None,
            timeout=10,
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database (idempotent)."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- items ---------------------------------------------------------------------------
    def begin(
        self,
        connection: str,
        bucket: str,
        key: str,
        path: Path,
        size: int,
        mtime_ns: int,
        options: dict[str, Any] | None = None,
    ) -> JournalItem:
        """The row for this upload: an unfinished one for the same file, or a new one.

        A row for the same connection, bucket, key and path whose file has changed since
        (size or modification time) is forgotten: its parts belong to other bytes.
        """
        with self._tx() as db:
            return self._begin(db, connection, bucket, key, path, size, mtime_ns, options)

    def begin_many(
        self,
        connection: str,
        bucket: str,
        entries: list[tuple[str, Path, int, int, dict[str, Any] | None]],
    ) -> list[JournalItem]:
        """``begin`` for many (key, path, size, mtime_ns, options) in one transaction:
        a whole queue is journaled before its first upload, at the cost of one commit."""
        with self._tx() as db:
            return [self._begin(db, connection, bucket, *entry) for entry in entries]

    def _begin(
        self,
        db: sqlite3.Connection,
        connection: str,
        bucket: str,
        key: str,
        path: Path,
        size: int,
        mtime_ns: int,
        options: dict[str, Any] | None,
    ) -> JournalItem:
        now = time.time()
        placeholders = ",".join("?" for _ in UNFINISHED_STATES)
        row = db.execute(
            f"SELECT * FROM items WHERE connection=? AND bucket=? AND key=? AND path=? "
            f"AND state IN ({placeholders}) ORDER BY id DESC LIMIT 1",
            (connection, bucket, key, str(path), *UNFINISHED_STATES),
        ).fetchone()
        encoded = json.dumps(options or {})
        if row is not None:
            item = _item(row)
            if item.size == size and item.mtime_ns == mtime_ns:
                db.execute(
                    "UPDATE items SET state='queued', options=?, updated=? WHERE id=?",
                    (encoded, now, item.id),
                )
                return replace(item, state="queued", options=json.loads(encoded))
            db.execute("UPDATE items SET state='stale', updated=? WHERE id=?", (now, item.id))
        cur = db.execute(
            "INSERT INTO items (connection, bucket, key, path, size, mtime_ns, state, "
            "options, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (connection, bucket, key, str(path), size, mtime_ns, "queued", encoded, now, now),
        )
        return JournalItem(
            id=int(cur.lastrowid or 0), connection=connection, bucket=bucket, key=key,
            path=Path(path), size=size, mtime_ns=mtime_ns, state="queued", upload_id=None,
            part_size=None, checksum_algorithm=None, options=json.loads(encoded), error="",
        )  # fmt: skip

    def get(self, item_id: int) -> JournalItem | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM items WHERE id=?", (item_id,)).fetchone()
        return _item(row) if row is not None else None

    def set_state(self, item_id: int, state: str, error: str = "") -> None:
        """Record the item's state (and, for failures, the reason)."""
        with self._tx() as db:
            db.execute(
                "UPDATE items SET state=?, error=?, updated=? WHERE id=?",
                (state, error, time.time(), item_id),
            )

    def set_key(self, item_id: int, key: str) -> None:
        """The item goes to another key (a renamed conflict, a prepared file)."""
        with self._tx() as db:
            db.execute("UPDATE items SET key=?, updated=? WHERE id=?", (key, time.time(), item_id))

    def set_multipart(
        self, item_id: int, upload_id: str | None, part_size: int | None, algorithm: str | None
    ) -> None:
        """Remember (or, with None, forget) the item's multipart upload; parts are reset."""
        with self._tx() as db:
            db.execute("DELETE FROM parts WHERE item_id=?", (item_id,))
            db.execute(
                "UPDATE items SET upload_id=?, part_size=?, checksum_algorithm=?, updated=? "
                "WHERE id=?",
                (upload_id, part_size, algorithm, time.time(), item_id),
            )

    def add_part(self, item_id: int, part: JournalPart) -> None:
        """Record a part the server confirmed."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO parts (item_id, number, size, etag, checksum) "
                "VALUES (?,?,?,?,?)",
                (item_id, part.number, part.size, part.etag, part.checksum),
            )

    def parts(self, item_id: int) -> list[JournalPart]:
        with self._lock:
            rows = self._db.execute(
                "SELECT number, size, etag, checksum FROM parts WHERE item_id=? ORDER BY number",
                (item_id,),
            ).fetchall()
        return [JournalPart(*row) for row in rows]

    def finish(self, item_id: int, state: str, error: str = "", *, parts: bool = True) -> None:
        """The item ended (done, cancelled, skipped...): its parts are no longer needed.
        ``parts=False``: it never had any (a single PUT), one statement is enough."""
        update = "UPDATE items SET state=?, error=?, upload_id=NULL, updated=? WHERE id=?"
        if not parts:
            with self._lock:  # one statement: atomic without a transaction of its own
                self._db.execute(update, (state, error, time.time(), item_id))
            return
        with self._tx() as db:
            db.execute("DELETE FROM parts WHERE item_id=?", (item_id,))
            db.execute(update, (state, error, time.time(), item_id))

    def unfinished(self, connection: str | None = None) -> list[JournalItem]:
        """Rows with work left (optionally for one connection), oldest first."""
        placeholders = ",".join("?" for _ in UNFINISHED_STATES)
        query = f"SELECT * FROM items WHERE state IN ({placeholders})"
        args: list[Any] = list(UNFINISHED_STATES)
        if connection is not None:
            query += " AND connection=?"
            args.append(connection)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        return [_item(r) for r in rows]

    def forget(self, item_ids: list[int]) -> None:
        """Drop rows the user chose not to resume (their multipart uploads must be aborted)."""
        with self._tx() as db:
            for item_id in item_ids:
                db.execute("DELETE FROM parts WHERE item_id=?", (item_id,))
                db.execute("DELETE FROM items WHERE id=?", (item_id,))

    def prune(self, older_than_s: float = 7 * 86400) -> None:
        """Delete finished rows older than ``older_than_s`` seconds."""
        placeholders = ",".join("?" for _ in UNFINISHED_STATES)
        with self._tx() as db:
            db.execute(
                f"DELETE FROM items WHERE state NOT IN ({placeholders}) AND updated < ?",
                (*UNFINISHED_STATES, time.time() - older_than_s),
            )


def _item(row: tuple[Any, ...]) -> JournalItem:
    (item_id, connection, bucket, key, path, size, mtime_ns, state, upload_id, part_size,
     algorithm, options, error, _created, _updated) = row  # fmt: skip
    return JournalItem(
        id=int(item_id),
        connection=str(connection),
        bucket=str(bucket),
        key=str(key),
        path=Path(path),
        size=int(size),
        mtime_ns=int(mtime_ns),
        state=str(state),
        upload_id=upload_id,
        part_size=part_size,
        checksum_algorithm=algorithm,
        options=json.loads(options or "{}"),
        error=str(error),
    )
