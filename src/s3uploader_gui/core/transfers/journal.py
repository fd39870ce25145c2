"""The transfer journal: a SQLite file that lets uploads survive a quit or a crash.

Every upload the engine starts is a row in ``items`` (connection, bucket, key, local
file and its size and modification time, state, multipart upload id and part size);
every part the server has confirmed is a row in ``parts`` (number, size, ETag and
checksum). After a crash the app lists the unfinished rows and offers to resume them;
the engine then continues a multipart upload from its confirmed parts (checked against
ListParts) instead of starting over or creating a second upload.

Writes are small and committed at once (WAL mode), so a SIGKILL loses at most the part
that was in flight. The one exception is how a single-request upload ended, during a
batch: those marks are committed in groups (``Journal.finish``), since losing one only
means that file is offered again. One ``Journal`` may be used from many threads.

Several instances of the app share the file: every row carries its owner (see
``journal_owner``). ``resumable`` offers only rows whose owner is gone, ``begin`` never
reuses, and ``claim`` and ``forget`` never take, a row of another instance still running.

The journal never takes a batch down: a batch works on ``guarded()``, a view on which
any failure (a full disk, a read-only file, a damaged file) is logged, reported once
through the view's callback, and turns recording off for the rest of the batch (its
uploads go on, they just cannot be resumed after a crash). A damaged file is set aside
and a new one started (see ``journal_store``).
"""

from __future__ import annotations

import copy
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from s3uploader_gui.core import paths
from s3uploader_gui.core.transfers.journal_owner import Owner, Owners, this_process
from s3uploader_gui.core.transfers.journal_rows import (
    COLUMNS as _COLUMNS,
)
from s3uploader_gui.core.transfers.journal_rows import (
    INSERTED,
    NO_ROW,
    UNFINISHED_STATES,
    JournalItem,
    JournalPart,
    RowInserts,
)
from s3uploader_gui.core.transfers.journal_rows import item_from_row as _item
from s3uploader_gui.core.transfers.journal_rows import no_row as _no_row
from s3uploader_gui.core.transfers.journal_rows import (
    unfinished_by_identity as _unfinished_by_identity,
)
from s3uploader_gui.core.transfers.journal_store import Guard, Store

T = TypeVar("T")

__all__ = ["NO_ROW", "UNFINISHED_STATES", "Journal", "JournalItem", "JournalPart"]

_FINISH = "UPDATE items SET state=?, error=?, upload_id=NULL, updated=? WHERE id=?"

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
    updated REAL NOT NULL,
    owner_pid INTEGER NOT NULL DEFAULT 0,
    owner_started TEXT NOT NULL DEFAULT ''
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


def default_journal_path() -> Path:
    """``transfers.sqlite3`` in the user data directory."""
    return paths.data_dir() / JOURNAL_NAME


class Journal:
    """Thread-safe access to the journal file, as one owner (by default this program)."""

    def __init__(self, path: Path | str | None = None, *, owner: Owner | None = None) -> None:
        """Open (creating if needed) the journal at ``path``; ``":memory:"`` for a
        journal that lives as long as this object. A damaged file is set aside and a new
        one started. ``owner``: whose rows this object writes (tests play other
        instances with it)."""
        memory = str(path) == ":memory:"
        #: False for a journal in memory (nothing of it outlives this program).
        self.persistent = not memory
        self.path = Path(path) if path is not None else default_journal_path()
        if not memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.owner = owner or this_process()
        self._store = Store(None if memory else self.path, _prepare)
        self._guard: Guard | None = None

    def close(self) -> None:
        """Close the database (idempotent). A ``guarded`` view shares it: never close one."""
        self._store.close()

    def flush(self) -> None:
        """Commit the marks ``finish`` has grouped (at the end of a batch); never raises
        (a failure goes to the view that wrote them)."""
        self._store.flush()

    # -- failures ------------------------------------------------------------------------
    def guarded(self, on_failure: Callable[[str], None]) -> Journal:
        """This journal as one batch uses it: no call ever raises. The first failure is
        logged and ``on_failure`` gets one sentence for the user (on whichever thread
        failed); from then on the batch records nothing more (only how items end, still
        tried quietly, so a finished upload is not offered again), and reads that fail
        answer "nothing journaled"."""
        view = copy.copy(self)
        view._guard = Guard(on_failure)
        return view

    @property
    def damaged(self) -> bool:
        """True once a statement found the file damaged (``recover`` replaces it)."""
        return self._store.damaged

    def recover(self) -> Path | None:
        """Set a damaged file aside (kept) and start a new journal in its place; where the
        damaged file went, or None when there was nothing to do."""
        return self._store.recover()

    def _do(
        self,
        op: Callable[[sqlite3.Connection], T],
        fallback: Callable[[], T],
        *,
        write: bool = True,
        ending: bool = False,
        transaction: bool = True,
    ) -> T:
        """Run ``op``; on a guarded view, a failure gives ``fallback()`` instead."""
        guard = self._guard
        if guard is None:
            return self._store.run(op, transaction=transaction and write)
        if write and guard.failed and not ending:
            return fallback()  # resuming is off for this batch: nothing more is recorded
        try:
            return self._store.run(op, transaction=transaction and write)
        except Exception as exc:
            guard.fail(exc)
            return fallback()

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
        (size or modification time) is forgotten: its parts belong to other bytes. A row
        of another instance that still runs is left alone (this upload gets its own); one
        whose owner is gone becomes this owner's.
        """
        entry = (key, path, size, mtime_ns, options)
        return self._do(
            lambda db: self._begin(db, connection, bucket, *entry),
            lambda: _no_row(connection, bucket, *entry),
        )

    def begin_many(
        self,
        connection: str,
        bucket: str,
        entries: list[tuple[str, Path, int, int, dict[str, Any] | None]],
    ) -> list[JournalItem]:
        """``begin`` for many (key, path, size, mtime_ns, options) in one transaction:
        a whole queue is journaled before its first upload, at the cost of one commit."""

        def op(db: sqlite3.Connection) -> list[JournalItem]:
            owners = Owners(self.owner)
            known = _unfinished_by_identity(db, connection, bucket, len(entries))
            # Entries often share one options object: encoded once, and read back once
            # (the rows' options are only read, so they may share the parsed value).
            encoded: dict[int, tuple[str, dict[str, Any]]] = {}
            items = []
            inserts = RowInserts(db)
            for key, path, size, mtime_ns, options in entries:
                pair = encoded.get(id(options))
                if pair is None:
                    text = json.dumps(options or {})
                    pair = encoded[id(options)] = (text, json.loads(text))
                items.append(
                    self._begin(db, connection, bucket, key, path, size, mtime_ns, options,
                                owners=owners, encoded=pair[0], parsed=pair[1], known=known,
                                inserts=inserts)
                )  # fmt: skip
            inserts.write()
            return items

        return self._do(op, lambda: [_no_row(connection, bucket, *entry) for entry in entries])

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
        *,
        owners: Owners | None = None,
        encoded: str | None = None,
        parsed: dict[str, Any] | None = None,
        known: dict[tuple[str, str], list[JournalItem]] | None = None,
        inserts: RowInserts | None = None,
    ) -> JournalItem:
        """``known``: the unfinished rows of this connection and bucket by (key, path),
        newest first (``_unfinished_by_identity``), kept up to date here; None: asked."""
        now = time.time()
        where = str(path)
        if known is None:
            placeholders = ",".join("?" for _ in UNFINISHED_STATES)
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM items WHERE connection=? AND bucket=? AND key=? "
                f"AND path=? AND state IN ({placeholders}) ORDER BY id DESC",
                (connection, bucket, key, where, *UNFINISHED_STATES),
            ).fetchall()
            candidates = [_item(row) for row in rows]
        else:
            candidates = known.setdefault((key, where), [])
        if encoded is None:
            encoded = json.dumps(options or {})
        if parsed is None:
            parsed = json.loads(encoded)
        mine = self.owner
        owners = owners or Owners(mine)
        for n, item in enumerate(candidates):
            if owners.other_running(item.owner):
                continue  # another running instance's upload: never touched
            if inserts is not None:
                inserts.written(item.id)  # begun earlier in this queue: updated below
            if item.size == size and item.mtime_ns == mtime_ns:
                db.execute(
                    "UPDATE items SET state='queued', options=?, owner_pid=?, owner_started=?, "
                    "updated=? WHERE id=?",
                    (encoded, mine.pid, mine.started, now, item.id),
                )
                taken = replace(item, state="queued", options=parsed, owner=mine, resumed=True)
                candidates[n] = taken
                return taken
            db.execute("UPDATE items SET state='stale', updated=? WHERE id=?", (now, item.id))
            del candidates[n]
            break
        row = (connection, bucket, key, where, size, mtime_ns, "queued", encoded, now, now,
               mine.pid, mine.started)  # fmt: skip
        if inserts is not None:
            row_id = inserts.add(row)
        else:
            cur = db.execute(
                f"INSERT INTO items ({INSERTED}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", row
            )
            row_id = int(cur.lastrowid or 0)
        made = JournalItem(
            id=row_id, connection=connection, bucket=bucket, key=key,
            path=path if isinstance(path, Path) else Path(path), size=size, mtime_ns=mtime_ns,
            state="queued", upload_id=None, part_size=None, checksum_algorithm=None,
            options=parsed, error="", owner=mine,
        )  # fmt: skip
        candidates.insert(0, made)
        return made

    def get(self, item_id: int) -> JournalItem | None:
        def op(db: sqlite3.Connection) -> JournalItem | None:
            row = db.execute(f"SELECT {_COLUMNS} FROM items WHERE id=?", (item_id,)).fetchone()
            return _item(row) if row is not None else None

        return self._do(op, lambda: None, write=False)

    def set_state(self, item_id: int, state: str, error: str = "") -> None:
        """Record the item's state (and, for failures, the reason)."""
        if item_id != NO_ROW:
            self._do(
                lambda db: db.execute(
                    "UPDATE items SET state=?, error=?, updated=? WHERE id=?",
                    (state, error, time.time(), item_id),
                ),
                _nothing,
                ending=True,
                transaction=False,  # one statement: atomic by itself
            )

    def set_key(self, item_id: int, key: str) -> None:
        """The item goes to another key (a renamed conflict, a prepared file)."""
        if item_id != NO_ROW:
            self._do(
                lambda db: db.execute(
                    "UPDATE items SET key=?, updated=? WHERE id=?", (key, time.time(), item_id)
                ),
                _nothing,
                transaction=False,
            )

    def set_multipart(
        self, item_id: int, upload_id: str | None, part_size: int | None, algorithm: str | None
    ) -> None:
        """Remember (or, with None, forget) the item's multipart upload; parts are reset."""

        def op(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM parts WHERE item_id=?", (item_id,))
            db.execute(
                "UPDATE items SET upload_id=?, part_size=?, checksum_algorithm=?, updated=? "
                "WHERE id=?",
                (upload_id, part_size, algorithm, time.time(), item_id),
            )

        if item_id != NO_ROW:
            self._do(op, _nothing)

    def add_part(self, item_id: int, part: JournalPart) -> None:
        """Record a part the server confirmed."""
        if item_id != NO_ROW:
            self._do(
                lambda db: db.execute(
                    "INSERT OR REPLACE INTO parts (item_id, number, size, etag, checksum) "
                    "VALUES (?,?,?,?,?)",
                    (item_id, part.number, part.size, part.etag, part.checksum),
                ),
                _nothing,
                transaction=False,
            )

    def parts(self, item_id: int) -> list[JournalPart]:
        def op(db: sqlite3.Connection) -> list[JournalPart]:
            rows = db.execute(
                "SELECT number, size, etag, checksum FROM parts WHERE item_id=? ORDER BY number",
                (item_id,),
            ).fetchall()
            return [JournalPart(*row) for row in rows]

        return self._do(op, list, write=False)

    def finish(self, item_id: int, state: str, error: str = "", *, parts: bool = True) -> None:
        """The item ended (done, cancelled, skipped...): its parts are no longer needed.
        ``parts=False``: it never had any (a single PUT), one statement is enough; on a
        batch's view (``guarded``) that statement is committed with others (see
        ``journal_store.GROUP_SIZE``; ``flush`` commits them at the batch's end): a mark
        lost in a crash only has the file offered again, whereas a commit per file would
        cost a batch of small files more than their uploads."""
        if item_id == NO_ROW:
            return
        params = (state, error, time.time(), item_id)
        if not parts and self._guard is not None:
            self._store.defer(_FINISH, params, self._guard.fail)
            return

        def op(db: sqlite3.Connection) -> None:
            if parts:
                db.execute("DELETE FROM parts WHERE item_id=?", (item_id,))
            db.execute(_FINISH, params)

        self._do(op, _nothing, ending=True, transaction=parts)

    def unfinished(self, connection: str | None = None) -> list[JournalItem]:
        """Rows with work left (optionally for one connection), oldest first, whoever
        works on them (see ``resumable``)."""
        placeholders = ",".join("?" for _ in UNFINISHED_STATES)
        query = f"SELECT {_COLUMNS} FROM items WHERE state IN ({placeholders})"
        args: list[Any] = list(UNFINISHED_STATES)
        if connection is not None:
            query += " AND connection=?"
            args.append(connection)

        def op(db: sqlite3.Connection) -> list[JournalItem]:
            return [_item(r) for r in db.execute(query + " ORDER BY id", args).fetchall()]

        return self._do(op, list, write=False)

    def resumable(self, connection: str | None = None) -> list[JournalItem]:
        """The unfinished rows to offer for resuming: those whose owner is gone (it quit
        or crashed). Never this program's own, never another running instance's."""
        owners = Owners(self.owner)
        return [i for i in self.unfinished(connection) if not owners.alive(i.owner)]

    def claim(self, item_ids: Iterable[int]) -> list[int]:
        """Make the rows this owner's, when nobody running holds them; the ids taken (the
        others belong to a running instance: leave them and their uploads alone)."""
        mine = self.owner
        owners = Owners(mine)

        def op(db: sqlite3.Connection) -> list[int]:
            taken = []
            for item_id in item_ids:
                row = db.execute(
                    "SELECT owner_pid, owner_started FROM items WHERE id=?", (item_id,)
                ).fetchone()
                if row is None or owners.other_running(Owner(int(row[0]), str(row[1]))):
                    continue
                db.execute(
                    "UPDATE items SET owner_pid=?, owner_started=?, updated=? WHERE id=?",
                    (mine.pid, mine.started, time.time(), item_id),
                )
                taken.append(item_id)
            return taken

        return self._do(op, list)

    def forget(self, item_ids: list[int]) -> None:
        """Drop rows the user chose not to resume (their multipart uploads must be
        aborted first); rows another running instance works on are kept."""
        owners = Owners(self.owner)

        def op(db: sqlite3.Connection) -> None:
            for item_id in item_ids:
                row = db.execute(
                    "SELECT owner_pid, owner_started FROM items WHERE id=?", (item_id,)
                ).fetchone()
                if row is None or owners.other_running(Owner(int(row[0]), str(row[1]))):
                    continue
                db.execute("DELETE FROM parts WHERE item_id=?", (item_id,))
                db.execute("DELETE FROM items WHERE id=?", (item_id,))

        self._do(op, _nothing)

    def prune(self, older_than_s: float = 7 * 86400) -> None:
        """Delete finished rows older than ``older_than_s`` seconds."""
        placeholders = ",".join("?" for _ in UNFINISHED_STATES)
        self._do(
            lambda db: db.execute(
                f"DELETE FROM items WHERE state NOT IN ({placeholders}) AND updated < ?",
                (*UNFINISHED_STATES, time.time() - older_than_s),
            ),
            _nothing,
        )


def _prepare(db: sqlite3.Connection) -> None:
    """Create the tables, and add the owner columns to a journal older than them."""
    db.executescript(_SCHEMA)
    columns = {str(r[1]) for r in db.execute("PRAGMA table_info(items)")}
    if "owner_pid" in columns:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        columns = {str(r[1]) for r in db.execute("PRAGMA table_info(items)")}
        if "owner_pid" not in columns:  # another instance may have just added them
            db.execute("ALTER TABLE items ADD COLUMN owner_pid INTEGER NOT NULL DEFAULT 0")
            db.execute("ALTER TABLE items ADD COLUMN owner_started TEXT NOT NULL DEFAULT ''")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _nothing() -> None:
    return None
