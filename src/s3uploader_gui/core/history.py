"""The upload history: every object the app stored, from the window or the command line.

One SQLite file in the user data folder (``history.sqlite3``, mode 0600, WAL) with one row
per uploaded object: when, which connection (the profile's name or the endpoint's host,
and the endpoint's host on its own), bucket, key, size, Content-Type and, for images, a
small JPEG thumbnail (at most ``THUMBNAIL_MAX_BYTES``) made from the local file after the
upload. Never a secret: no credentials, no signed URL, no ``user:password@`` of an
endpoint, not even the local file's path.

The window records through ``record_uploads`` once a batch has ended, the command line
while it runs (``history_recorder``); both make their entries with ``make_entries``. A
history that cannot be written (disk full, a locked or damaged file) is logged and
ignored, never a failed upload. Reads are paged (``query`` with ``limit`` and a keyset
position) and searched in SQL, so a history of 100,000 rows opens as fast as one of ten.

``sqlite3`` and Pillow are imported on first use (the lazy-import rule).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from s3uploader_gui.core import paths
from s3uploader_gui.core.errors import AppError, LocalFileError
from s3uploader_gui.core.history_thumbnails import THUMBNAIL_EDGE as THUMBNAIL_EDGE
from s3uploader_gui.core.history_thumbnails import THUMBNAIL_MAX_BYTES as THUMBNAIL_MAX_BYTES
from s3uploader_gui.core.history_thumbnails import small_thumbnail

if TYPE_CHECKING:
    import sqlite3

    from s3uploader_gui.core.cancel import CancelToken
    from s3uploader_gui.core.imaging.thumbcache import ThumbnailCache
    from s3uploader_gui.core.s3.client import S3Context
    from s3uploader_gui.core.transfers.model import ItemResult, ObjectOptions

log = logging.getLogger(__name__)

HISTORY_NAME = "history.sqlite3"
#: Thumbnails of a batch are made for at most this long; the rest are recorded without
#: one (a thousand large PNGs must not keep the command line busy for minutes).
THUMBNAIL_SECONDS = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    profile TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    thumbnail BLOB
);
CREATE INDEX IF NOT EXISTS uploads_time ON uploads (time, id);
CREATE INDEX IF NOT EXISTS uploads_key ON uploads (key);
PRAGMA user_version = 1;
"""

_COLUMNS = "id, time, profile, endpoint, bucket, key, size, content_type, thumbnail IS NOT NULL"


@dataclass(frozen=True)
class HistoryEntry:
    """One uploaded object. ``id`` is 0 until the entry is recorded."""

    bucket: str
    key: str
    size: int
    #: When the upload ended, in seconds since the epoch (UTC).
    time: float
    content_type: str = "application/octet-stream"
    #: The connection it went to: the profile's name, else the endpoint's host.
    profile: str = ""
    #: The endpoint's host[:port] ("" when unknown).
    endpoint: str = ""
    #: JPEG bytes, on entries to record (entries read back say ``has_thumbnail`` and
    #: leave the bytes to ``HistoryStore.thumbnail``).
    thumbnail: bytes | None = None
    has_thumbnail: bool = False
    id: int = 0

    @property
    def name(self) -> str:
        """The object's name: the last part of its key."""
        return self.key.rstrip("/").rsplit("/", 1)[-1] or self.key

    @property
    def folder(self) -> str:
        """The key's folder (``trip/day 1/``), "" at the bucket's top."""
        head, sep, _ = self.key.rpartition("/")
        return head + sep

    @property
    def s3_uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def uploaded_at(self) -> dt.datetime:
        """The upload's time, in the local time zone."""
        return dt.datetime.fromtimestamp(self.time).astimezone()

    def to_dict(self) -> dict[str, Any]:
        """What ``s3uploader history --json`` prints (no thumbnail bytes)."""
        return {
            "id": self.id,
            "time": dt.datetime.fromtimestamp(self.time, dt.UTC).isoformat(),
            "profile": self.profile,
            "endpoint": self.endpoint,
            "bucket": self.bucket,
            "key": self.key,
            "size": self.size,
            "content_type": self.content_type,
            "url": self.s3_uri,
            "thumbnail": self.has_thumbnail or self.thumbnail is not None,
        }


def default_history_path() -> Path:
    """``history.sqlite3`` in the user data directory."""
    return paths.data_dir() / HISTORY_NAME


def _like(text: str) -> str:
    """``text`` as a LIKE pattern that matches it anywhere (``%`` and ``_`` literal)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _unreadable(path: Path, exc: Exception) -> LocalFileError:
    return LocalFileError(f"The upload history ({path}) cannot be read: {exc}.")


class HistoryStore:
    """Thread-safe access to the history file; ``":memory:"`` for one that lives with it.

    Opening creates the file (0600, in a 0700 folder when the folder is new). Raises
    ``LocalFileError`` when the file cannot be opened; ``record`` never raises.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        import sqlite3

        memory = str(path) == ":memory:"
        self.path = Path(path) if path is not None else default_history_path()
        self._lock = threading.Lock()
        try:
            if not memory:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                # Created private before SQLite opens it; SQLite gives the -wal and -shm
                # files the database file's mode.
                os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
                with contextlib.suppress(OSError):
                    os.chmod(self.path, 0o600)
            self._db = sqlite3.connect(
                ":memory:" if memory else str(self.path),
                check_same_thread=False,
                isolation_level=None,
                timeout=10,
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise _unreadable(self.path, exc) from exc

    def close(self) -> None:
        """Close the file (idempotent)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        import sqlite3

        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise _unreadable(self.path, exc) from exc

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        import sqlite3

        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise LocalFileError(
                    f"The upload history ({self.path}) cannot be changed: {exc}."
                ) from exc

    # -- writing -----------------------------------------------------------------------
    def record(self, entries: Iterable[HistoryEntry]) -> int:
        """Add ``entries``; how many were added. A write error is logged, never raised:
        the history must not fail the upload it describes."""
        rows = [
            (e.time, e.profile, e.endpoint, e.bucket, e.key, e.size, e.content_type, e.thumbnail)
            for e in entries
        ]
        if not rows:
            return 0
        try:
            with self._writing() as db:
                db.executemany(
                    "INSERT INTO uploads (time, profile, endpoint, bucket, key, size,"
                    " content_type, thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
        except Exception as exc:  # disk full, a locked or damaged file, a closed store...
            log.warning("the upload history was not written (%d entries): %s", len(rows), exc)
            return 0
        return len(rows)

    def remove(self, ids: Iterable[int]) -> int:
        """Forget the entries ``ids`` (the objects stay); how many were removed."""
        chosen = [(int(i),) for i in ids]
        with self._writing() as db:
            before = db.total_changes
            db.executemany("DELETE FROM uploads WHERE id = ?", chosen)
            return db.total_changes - before

    def clear(self) -> None:
        """Forget every entry (the objects stay)."""
        with self._writing() as db:
            db.execute("DELETE FROM uploads")

    # -- reading -----------------------------------------------------------------------
    @staticmethod
    def _where(search: str, images_only: bool) -> tuple[list[str], list[object]]:
        terms: list[str] = []
        params: list[object] = []
        if search:
            pattern = _like(search)
            terms.append("(key LIKE ? ESCAPE '\\' OR bucket LIKE ? ESCAPE '\\')")
            params += [pattern, pattern]
        if images_only:
            terms.append("content_type LIKE 'image/%'")
        return terms, params

    def query(
        self,
        search: str = "",
        limit: int = 200,
        offset: int = 0,
        *,
        newest_first: bool = True,
        after: tuple[float, int] | None = None,
        images_only: bool = False,
    ) -> list[HistoryEntry]:
        """Up to ``limit`` entries whose key or bucket contains ``search`` (any case for
        ASCII letters), newest first unless told otherwise.

        Pages follow each other by ``offset``, or faster by ``after``: the (time, id) of
        the last entry of the previous page. Thumbnail bytes are not read
        (``has_thumbnail`` says whether there is one; ``thumbnail(id)`` reads it).
        """
        terms, params = self._where(search, images_only)
        if after is not None:
            terms.append("(time, id) < (?, ?)" if newest_first else "(time, id) > (?, ?)")
            params += [after[0], after[1]]
        where = f"WHERE {' AND '.join(terms)}" if terms else ""
        order = "DESC" if newest_first else "ASC"
        sql = (
            f"SELECT {_COLUMNS} FROM uploads {where}"
            f" ORDER BY time {order}, id {order} LIMIT ? OFFSET ?"
        )
        with self._reading() as db:
            rows = db.execute(sql, [*params, max(0, limit), max(0, offset)]).fetchall()
        return [
            HistoryEntry(
                id=row[0],
                time=row[1],
                profile=row[2],
                endpoint=row[3],
                bucket=row[4],
                key=row[5],
                size=row[6],
                content_type=row[7],
                has_thumbnail=bool(row[8]),
            )
            for row in rows
        ]

    def count(self, search: str = "", *, images_only: bool = False) -> int:
        """How many entries ``query`` would find with no limit."""
        terms, params = self._where(search, images_only)
        where = f"WHERE {' AND '.join(terms)}" if terms else ""
        with self._reading() as db:
            (n,) = db.execute(f"SELECT COUNT(*) FROM uploads {where}", params).fetchone()
        return int(n)

    def thumbnail(self, entry_id: int) -> bytes | None:
        """The JPEG thumbnail of entry ``entry_id`` (None: none, or no such entry)."""
        with self._reading() as db:
            row = db.execute("SELECT thumbnail FROM uploads WHERE id = ?", (entry_id,)).fetchone()
        return bytes(row[0]) if row is not None and row[0] is not None else None


# -- recording a batch -------------------------------------------------------------------
def endpoint_host(url: str | None) -> str:
    """``host[:port]`` of an endpoint URL: never its ``user:password@`` or path."""
    if not url:
        return ""
    parts = urlsplit(url if "//" in url else f"//{url}")
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port is not None and host else host


class Outcome(Protocol):
    """What an upload batch answers (``operations.uploads.UploadOutcome``)."""

    @property
    def results(self) -> Sequence[ItemResult]: ...


def _results(outcome: Outcome | Iterable[ItemResult]) -> Sequence[ItemResult]:
    if isinstance(outcome, Iterable):
        return tuple(outcome)
    return outcome.results


def record_uploads(
    store: HistoryStore | None,
    connection_label: str,
    bucket: str,
    outcome: Outcome | Iterable[ItemResult],
    *,
    context: S3Context | None = None,
    options: ObjectOptions | None = None,
    cancel: CancelToken | None = None,
    thumbnail_seconds: float = THUMBNAIL_SECONDS,
    now: float | None = None,
    thumbnails: ThumbnailCache | None = None,
) -> int:
    """Record the objects a finished batch stored (its DONE rows) in ``store`` (None: the
    user's history file, opened for this call); how many were recorded.

    ``context`` names the endpoint (its host only), ``options`` give the Content-Types the
    objects were sent with (else by extension). Images get a thumbnail made from their
    local file, while ``thumbnail_seconds`` last and ``cancel`` is not set; the rest are
    recorded without one; ``thumbnails`` (the window's cache) serves those its queue
    already made. Never raises for the history's sake: the upload is done.
    (``history_recorder.HistoryRecorder`` records a batch while it runs, the same way.)
    """
    from s3uploader_gui.core.transfers.model import ItemStatus

    done = [r for r in _results(outcome) if r.status is ItemStatus.DONE]
    if not done:
        return 0
    entries = make_entries(
        done,
        connection_label,
        bucket,
        endpoint=batch_endpoint(context),
        options=options,
        moment=time.time() if now is None else now,
        deadline=time.monotonic() + thumbnail_seconds,
        cancel=cancel,
        thumbnails=thumbnails,
    )
    if store is not None:
        return store.record(entries)
    own = open_history()
    if own is None:
        return 0
    with own:
        return own.record(entries)


def open_history() -> HistoryStore | None:
    """The user's history file, opened; None (logged) when it cannot be."""
    try:
        return HistoryStore()
    except AppError as err:
        log.warning("the upload history was not written: %s", err)
        return None


def batch_endpoint(context: S3Context | None) -> str:
    """The host[:port] a batch's entries name ("" when unknown)."""
    try:
        return endpoint_host(context.endpoint) if context is not None else ""
    except Exception as exc:  # a client that cannot be built: the entries still count
        log.info("history: endpoint unknown: %s", exc)
        return ""


def make_entries(
    done: Iterable[ItemResult],
    connection_label: str,
    bucket: str,
    *,
    endpoint: str,
    options: ObjectOptions | None,
    moment: float,
    deadline: float,
    cancel: CancelToken | None = None,
    types: dict[str, str] | None = None,
    thumbnails: ThumbnailCache | None = None,
) -> list[HistoryEntry]:
    """The entries of stored objects ``done``, recorded at ``moment``; images get a
    thumbnail (from ``thumbnails`` when it holds one) until ``deadline``
    (``time.monotonic``) or ``cancel``. ``types`` keeps the Content-Type found for each
    extension, across calls for one batch."""
    types = {} if types is None else types
    entries = []
    for result in done:
        entry = HistoryEntry(
            bucket=bucket,
            key=result.key,
            size=result.bytes,
            time=moment,
            content_type=_content_type(result.key, options, types) or "application/octet-stream",
            profile=connection_label,
            endpoint=endpoint,
        )
        in_time = time.monotonic() < deadline and not (cancel is not None and cancel.cancelled)
        if entry.is_image and in_time:
            entry = replace(entry, thumbnail=small_thumbnail(Path(result.path), thumbnails))
        entries.append(entry)
    return entries


def _content_type(key: str, options: ObjectOptions | None, types: dict[str, str]) -> str:
    """The Content-Type ``key`` was sent with, found once per extension: it follows the
    options and the key's extension (``naming.content_type_for``) alone."""
    name = key.replace("\\", "/").rpartition("/")[2]
    ext: str | None = None
    if name not in ("", "."):  # else the path's last part is not ``name``: no shortcut
        dot = name.rfind(".")
        ext = name[dot:].lower() if 0 < dot < len(name) - 1 else ""  # PurePath.suffix
        if ext in types:
            return types[ext]
    from s3uploader_gui.core.naming import content_type_for

    found = str(options.extra_args(key)["ContentType"]) if options else content_type_for(key)
    if ext is not None:
        types[ext] = found
    return found
