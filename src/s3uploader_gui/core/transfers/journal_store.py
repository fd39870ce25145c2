"""The journal's SQLite file: opened, checked, and set aside when it is damaged.

One ``Store`` is one connection, shared by a ``Journal`` and the views its batches use,
under one lock. A file that is damaged (SQLite says "malformed" or "not a database", or
its quick check finds a fault) is never repaired in place nor deleted: it is renamed to
``<name>.damaged-<time>`` (with its write-ahead log), kept for inspection, and a new,
empty journal takes its name, at open or, for damage found while the app runs, at the
start of the next batch (``recover``). ``Guard`` is how a batch's view of the journal
turns any failure into one sentence for the user.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: SQLite's names for a file that is not a sound database.
_DAMAGE = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})


class Damaged(sqlite3.DatabaseError):
    """The quick check found faults in the journal file."""


def is_damage(exc: BaseException) -> bool:
    """True when ``exc`` says the journal file is damaged (not full, locked, read-only)."""
    if isinstance(exc, Damaged):
        return True
    return isinstance(exc, sqlite3.DatabaseError) and (
        getattr(exc, "sqlite_errorname", "") in _DAMAGE
        # Without an error code (older Pythons), by SQLite's own words.
        or "malformed" in str(exc)
        or "not a database" in str(exc)
    )


#: Deferred statements are committed together once this many wait, or ``GROUP_DELAY``
#: seconds after the first of them (whichever comes first), or before anything else.
GROUP_SIZE = 256
GROUP_DELAY = 0.25

#: Told when a deferred statement could not be written (a batch's ``Guard.fail``).
OnError = Callable[[Exception], None]


class Store:
    """One connection to the journal file (``None``: a database in memory)."""

    def __init__(self, path: Path | None, prepare: Callable[[sqlite3.Connection], None]) -> None:
        """Open ``path``, setting it aside first when it is damaged; ``prepare`` creates
        or updates the schema of a sound file."""
        self.path = path
        self.lock = threading.Lock()
        #: Set when a statement found the file damaged; ``recover`` starts a new one.
        self.damaged = False
        self._prepare = prepare
        #: Statements written later, together (``defer``): (sql, parameters, on_error).
        self._deferred: list[tuple[str, tuple[object, ...], OnError | None]] = []
        # One thread writes them GROUP_DELAY after the first (started with the first):
        # a thread per group would make the caller wait for it to start.
        self._first = threading.Event()
        self._closing = threading.Event()
        self._writer: threading.Thread | None = None
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            if path is None or not is_damage(exc):
                raise
            aside = set_aside(path)
            log.warning("the transfer journal is damaged (%s): kept as %s; a new one is started",
                        exc, aside)  # fmt: skip
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        if self.path is not None:
            # Rows name buckets, keys and local paths: private to the user. SQLite gives its
            # -wal and -shm files the database file's permissions.
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            os.chmod(self.path, 0o600)
        db = sqlite3.connect(
            ":memory:" if self.path is None else str(self.path),
            check_same_thread=False,
            isolation_level=None,
            timeout=10,
        )
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            # A file can open and still be damaged further in: look at every page now,
            # rather than fail in the middle of a batch (a journal is a few hundred KiB).
            faults = [str(r[0]) for r in db.execute("PRAGMA quick_check").fetchall()]
            if faults != ["ok"]:
                raise Damaged("; ".join(faults[:3]))
            self._prepare(db)
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        """Write what is deferred, then close."""
        self.flush()
        self._closing.set()
        self._first.set()
        with self.lock:
            self.db.close()

    def defer(self, sql: str, params: tuple[object, ...], on_error: OnError | None) -> None:
        """Run ``sql`` later, in one transaction with the other deferred statements (see
        ``GROUP_SIZE``): for marks whose loss in a crash costs little (an upload that
        ended is offered again). Whatever runs next on the store runs after them. A
        failure goes to ``on_error`` (None: it is logged)."""
        with self.lock:
            self._deferred.append((sql, params, on_error))
            if len(self._deferred) < GROUP_SIZE:
                if len(self._deferred) == 1:
                    self._first.set()
                    if self._writer is None:
                        self._writer = threading.Thread(
                            target=self._write_later, name="journal-writer", daemon=True
                        )
                        self._writer.start()
                return
            failed = self._write_deferred()
        _tell(failed)

    def _write_later(self) -> None:
        """The writer thread: the deferred statements, GROUP_DELAY after the first."""
        while not self._closing.is_set():
            self._first.wait()
            self._first.clear()
            if self._closing.wait(GROUP_DELAY):
                return  # ``close`` writes them
            self.flush()

    def flush(self) -> None:
        """Write the deferred statements now (never raises: see ``defer``)."""
        with self.lock:
            failed = self._write_deferred()
        _tell(failed)

    def _write_deferred(self) -> tuple[Exception, list[OnError | None]] | None:
        """Under the lock: the deferred statements in one transaction; on failure, the
        error and whom to tell (they are told once the lock is released)."""
        pending, self._deferred = self._deferred, []
        if not pending:
            return None
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
            for sql, group in itertools.groupby(pending, key=lambda entry: entry[0]):
                db.executemany(sql, [entry[1] for entry in group])
            db.execute("COMMIT")
        except Exception as exc:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            if is_damage(exc):
                self.damaged = True
            whom: list[OnError | None] = []
            for entry in pending:
                if entry[2] not in whom:  # bound methods of one guard are equal
                    whom.append(entry[2])
            return exc, whom
        return None

    def run(self, op: Callable[[sqlite3.Connection], T], *, transaction: bool) -> T:
        """``op`` under the lock (in a transaction, committed at once, when asked), after
        the deferred statements."""
        failed = None
        try:
            with self.lock:
                if self._deferred:
                    failed = self._write_deferred()
                return self._run(op, transaction=transaction)
        finally:
            _tell(failed)

    def _run(self, op: Callable[[sqlite3.Connection], T], *, transaction: bool) -> T:
        db = self.db
        try:
            if not transaction:
                return op(db)
            db.execute("BEGIN IMMEDIATE")
            result = op(db)
            db.execute("COMMIT")
            return result
        except BaseException as exc:
            if transaction and db.in_transaction:
                # SQLite may have rolled back by itself (a full disk): only if not.
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            if is_damage(exc):
                self.damaged = True
            raise

    def recover(self) -> Path | None:
        """Set the damaged file aside and start a new journal; where the old one went
        (None: it was not damaged, or lived in memory and was simply replaced)."""
        with self.lock:
            if not self.damaged:
                return None
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            aside = set_aside(self.path) if self.path is not None else None
            self.db = self._open()
            self.damaged = False
        log.warning("the transfer journal was damaged: kept as %s; a new one was started", aside)
        return aside


def _tell(failed: tuple[Exception, list[OnError | None]] | None) -> None:
    if failed is None:
        return
    exc, whom = failed
    for on_error in whom:
        if on_error is None:
            log.warning("the transfer journal could not record how uploads ended: %s", exc)
        else:
            on_error(exc)


def set_aside(path: Path) -> Path:
    """Rename the journal file (and its write-ahead log) to ``<name>.damaged-<time>``; the
    new name. The shared-memory index is removed: it belongs to the old file."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    path.rename(aside)
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        # Left there, the old log would be replayed into the new journal.
        wal.rename(aside.with_name(aside.name + "-wal"))
    with contextlib.suppress(FileNotFoundError):
        path.with_name(path.name + "-shm").unlink()
    return aside


class Guard:
    """The failure state of one batch's view of the journal (``Journal.guarded``)."""

    def __init__(self, on_failure: Callable[[str], None]) -> None:
        self.on_failure = on_failure
        self.failed = False
        self._lock = threading.Lock()

    def fail(self, exc: Exception) -> None:
        """Note a failure: the first is logged and told (``on_failure``), once."""
        with self._lock:
            first, self.failed = not self.failed, True
        if not first:
            log.debug("the transfer journal still fails: %s", exc)
            return
        log.warning("the transfer journal failed; resuming is off for this batch: %s", exc,
                    exc_info=exc)  # fmt: skip
        self.on_failure(failure_sentence(exc))


def failure_sentence(exc: BaseException) -> str:
    """One sentence for the user about a journal failure."""
    name = str(getattr(exc, "sqlite_errorname", ""))
    if is_damage(exc):
        why = "is damaged (it will be kept aside and a new one started)"
    elif name == "SQLITE_FULL" or getattr(exc, "errno", None) == errno.ENOSPC:
        why = "cannot be written: the disk is full"
    elif name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
        why = "cannot be written: its file or folder is read-only"
    else:
        why = "cannot be written"
    return (
        f"The transfer journal {why}: these uploads go on, but cannot be resumed if the "
        "app quits or crashes before they finish."
    )
