"""The per-item state of an upload batch (its key, its multipart upload and parts, its
retries, how it is ending) and a request waiting to be retried."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.transfers.model import ItemStatus

if TYPE_CHECKING:  # sqlite3 loads with the first engine, not at start-up
    from s3uploader_gui.core.transfers.journal import JournalItem
    from s3uploader_gui.core.transfers.source import SourceFile


@dataclass
class Upload:
    """One item of the batch as it goes (a docstring also spares ``dataclass`` writing
    one from the signature as the module loads)."""

    index: int
    source: UploadSource
    src: UploadSource | None = None  # after preparation
    key: str = ""
    journal: JournalItem | None = None
    started: bool = False
    rename_from: str = ""
    rename_n: int = 0
    #: Its key was found free: the PUT is conditional (``If-None-Match: *``), so a key
    #: that appeared since is never replaced unasked.
    unless_exists: bool = False
    #: How often such a PUT found the key taken (a server answering 412 for ever must
    #: not keep the item going round).
    taken: int = 0
    #: Begun by a program that is gone (a crash, a quit) and never marked finished: the
    #: server may hold its bytes already, and finding them there means it is done.
    maybe_stored: bool = False
    #: The source, open from the first byte read to the item's end (every byte is read
    #: through it, and it tells whether the file changed meanwhile).
    file: SourceFile | None = None
    #: The stat as the item started found a regular file (its open need not ask again).
    seen_regular: bool = False
    # multipart
    upload_id: str | None = None
    part_size: int = 0
    parts_total: int = 0
    todo: deque[int] = field(default_factory=deque)
    in_flight: int = 0
    parts: dict[int, tuple[str, str]] = field(default_factory=dict)  # number → (etag, crc)
    #: How the server confirmed each part: "CRC32" (echoed), "MD5" (ETag), "" (it did not).
    part_checks: dict[int, str] = field(default_factory=dict)
    # retries and ending
    retry_since: float | None = None
    retry_shown: bool = False
    attempt: int = 0
    ending: ItemStatus | None = None
    ending_error: AppError | None = None
    #: The multipart upload is worthless (the file changed): abort it once idle.
    discard_upload: bool = False
    verified: str = ""

    @property
    def size(self) -> int:
        return (self.src or self.source).size


@dataclass(order=True)
class Delayed:
    """A request waiting to be retried: ``task`` at ``due``, in ``seq`` order."""

    due: float
    seq: int
    task: tuple[str, int, int] = field(compare=False)
