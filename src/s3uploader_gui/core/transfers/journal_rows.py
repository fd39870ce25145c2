"""The journal's rows as Python values (``journal`` reads and writes them).

Apart from ``journal`` so that each stays short; nothing here touches the file except
``unfinished_by_identity``, which reads within the caller's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3uploader_gui.core.transfers.journal_owner import NOBODY, Owner

#: The columns of ``items``, in the order ``_item`` reads them.
COLUMNS = (
    "id, connection, bucket, key, path, size, mtime_ns, state, upload_id, part_size, "
    "checksum_algorithm, options, error, owner_pid, owner_started"
)

#: States in which a row still has work to do (offered for resuming at start).
UNFINISHED_STATES = ("queued", "preparing", "uploading", "paused", "failed")

#: The id of a row that could not be written (a guarded ``begin`` that failed).
NO_ROW = -1


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
    #: The program that works on it (``NOBODY`` for rows older than owners).
    owner: Owner = NOBODY
    #: ``begin`` took over an unfinished row of the same file (from a program that is
    #: gone) instead of starting a new one.
    resumed: bool = False


def unfinished_by_identity(
    db: sqlite3.Connection, connection: str, bucket: str, count: int
) -> dict[tuple[str, str], list[JournalItem]] | None:
    """The unfinished rows of ``connection`` and ``bucket`` by (key, path), newest first:
    one query for a queue of ``count`` files instead of one per file. None when there
    are so many that asking per file reads less."""
    placeholders = ",".join("?" for _ in UNFINISHED_STATES)
    where = f"FROM items WHERE connection=? AND bucket=? AND state IN ({placeholders})"
    args = (connection, bucket, *UNFINISHED_STATES)
    (total,) = db.execute(f"SELECT COUNT(*) {where}", args).fetchone()
    if total > 4 * count + 64:
        return None
    known: dict[tuple[str, str], list[JournalItem]] = {}
    for row in db.execute(f"SELECT {COLUMNS} {where} ORDER BY id DESC", args).fetchall():
        known.setdefault((str(row[3]), str(row[4])), []).append(item_from_row(row))
    return known


def no_row(
    connection: str,
    bucket: str,
    key: str,
    path: Path,
    size: int,
    mtime_ns: int,
    options: dict[str, Any] | None,
) -> JournalItem:
    """An item with no row (``NO_ROW``): what a guarded ``begin`` that failed answers."""
    return JournalItem(
        id=NO_ROW, connection=connection, bucket=bucket, key=key,
        path=path if isinstance(path, Path) else Path(path), size=size,
        mtime_ns=mtime_ns, state="queued", upload_id=None, part_size=None,
        checksum_algorithm=None, options=dict(options or {}), error="",
    )  # fmt: skip


def item_from_row(row: tuple[Any, ...]) -> JournalItem:
    (item_id, connection, bucket, key, path, size, mtime_ns, state, upload_id, part_size,
     algorithm, options, error, owner_pid, owner_started) = row  # fmt: skip
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
        owner=Owner(int(owner_pid), str(owner_started)),
    )


#: The columns a new row is written with (after its id).
INSERTED = (
    "connection, bucket, key, path, size, mtime_ns, state, options, created, updated, "
    "owner_pid, owner_started"
)


class RowInserts:
    """New rows of one transaction, written with one statement at its end. Their ids are
    given here, as SQLite's AUTOINCREMENT would (one above every id the table ever had):
    inside the write transaction nobody else can take one, and a row's id must be known
    as it is begun."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._rows: list[tuple[Any, ...]] = []
        self._next = 0

    def add(self, row: tuple[Any, ...]) -> int:
        if not self._rows and not self._next:
            (last,) = self._db.execute("SELECT COALESCE(max(id), 0) FROM items").fetchone()
            try:
                (seq,) = self._db.execute(
                    "SELECT COALESCE(max(seq), 0) FROM sqlite_sequence WHERE name='items'"
                ).fetchone()
            except sqlite3.OperationalError:  # a table made without AUTOINCREMENT
                seq = 0
            self._next = max(int(last), int(seq)) + 1
        row_id = self._next
        self._next += 1
        self._rows.append((row_id, *row))
        return row_id

    def written(self, row_id: int) -> None:
        """Write the rows now if ``row_id`` is among them (a statement is about to
        change it)."""
        if self._rows and row_id >= self._rows[0][0]:
            self.write()

    def write(self) -> None:
        if self._rows:
            self._db.executemany(
                f"INSERT INTO items (id, {INSERTED}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                self._rows,
            )
            self._rows.clear()
