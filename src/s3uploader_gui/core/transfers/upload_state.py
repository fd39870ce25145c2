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


@dataclass
class Upload:
    index: int
    source: UploadSource
    src: UploadSource | None = None  # after preparation
    key: str = ""
    journal: JournalItem | None = None
    started: bool = False
    rename_from: str = ""
    rename_n: int = 0
    # multipart
    upload_id: str | None = None
    part_size: int = 0
    parts_total: int = 0
    todo: deque[int] = field(default_factory=deque)
    in_flight: int = 0
    parts: dict[int, tuple[str, str]] = field(default_factory=dict)  # number → (etag, crc)
    # retries and ending
    retry_since: float | None = None
    retry_shown: bool = False
    attempt: int = 0
    ending: ItemStatus | None = None
    ending_error: AppError | None = None
    verified: str = ""

    @property
    def size(self) -> int:
        return (self.src or self.source).size


@dataclass(order=True)
class Delayed:
    due: float
    seq: int
    task: tuple[str, int, int] = field(compare=False)
