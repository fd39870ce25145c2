"""Uploads and downloads: fast, resumable, verified.

Uploads are driven here, request by request, on one thread pool per engine (sized to
the concurrency, sharing the connection's client and its pool):

* a file below the multipart threshold is one PutObject with a CRC32 checksum header;
* a larger file is a multipart upload whose part size grows so that any file up to
  5 TiB fits in 10,000 parts; parts of several files are in flight at once, each with
  its own CRC32. Every confirmed part is written to the journal (upload id, part number,
  ETag, checksum), so after a quit or a crash the upload continues from the parts the
  server still lists (ListParts) rather than starting again or creating a second upload.

Every upload is verified end to end: the server checks the CRC32 of every request body
(BadDigest otherwise) and echoes it, and the engine compares the echo — and, for
multipart uploads, the composite checksum CompleteMultipartUpload returns — with what it
computed from the file. A server that does not keep checksums is checked through the
ETag (the MD5 of the body), or else by a HEAD of the size it holds. A mismatch is a failed
item, never a silent success. The file is opened once and read only through that open
file; a change to it meanwhile (size, times, inode) fails the item (``source``).

Memory is bounded: at most ``max_concurrency`` request bodies of at most
``EngineSettings.buffer_limit`` bytes each are held at once (bigger parts stream from
the file). Downloads go through s3transfer's TransferManager (size and ETag supplied, so
no extra HEAD per object).

The package holds one concept per module (see each module's docstring). This ``__init__``
re-exports the public names and imports a module only when one of its names is first
used, so that ``core.transfers.journal`` (sqlite3) or ``core.transfers.progress`` can be
imported without the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from s3uploader_gui.core.transfers.checksums import composite_crc32 as composite_crc32
    from s3uploader_gui.core.transfers.checksums import crc32_b64 as crc32_b64
    from s3uploader_gui.core.transfers.checksums import file_crc32 as file_crc32
    from s3uploader_gui.core.transfers.control import BandwidthLimiter as BandwidthLimiter
    from s3uploader_gui.core.transfers.control import BatchControl as BatchControl
    from s3uploader_gui.core.transfers.engine import TransferEngine as TransferEngine
    from s3uploader_gui.core.transfers.journal import Journal as Journal
    from s3uploader_gui.core.transfers.journal import JournalItem as JournalItem
    from s3uploader_gui.core.transfers.journal import JournalPart as JournalPart
    from s3uploader_gui.core.transfers.model import AskFn as AskFn
    from s3uploader_gui.core.transfers.model import Conflict as Conflict
    from s3uploader_gui.core.transfers.model import ConflictPolicy as ConflictPolicy
    from s3uploader_gui.core.transfers.model import DownloadSource as DownloadSource
    from s3uploader_gui.core.transfers.model import ItemCallback as ItemCallback
    from s3uploader_gui.core.transfers.model import ItemResult as ItemResult
    from s3uploader_gui.core.transfers.model import ItemStatus as ItemStatus
    from s3uploader_gui.core.transfers.model import ObjectOptions as ObjectOptions
    from s3uploader_gui.core.transfers.model import PrepareFn as PrepareFn
    from s3uploader_gui.core.transfers.model import StateCallback as StateCallback
    from s3uploader_gui.core.transfers.progress import ProgressSnapshot as ProgressSnapshot
    from s3uploader_gui.core.transfers.progress import TransferProgress as TransferProgress
    from s3uploader_gui.core.transfers.settings import MAX_OBJECT_SIZE as MAX_OBJECT_SIZE
    from s3uploader_gui.core.transfers.settings import MAX_PART_SIZE as MAX_PART_SIZE
    from s3uploader_gui.core.transfers.settings import MAX_PARTS as MAX_PARTS
    from s3uploader_gui.core.transfers.settings import MIN_PART_SIZE as MIN_PART_SIZE
    from s3uploader_gui.core.transfers.settings import EngineSettings as EngineSettings
    from s3uploader_gui.core.transfers.settings import GiB as GiB
    from s3uploader_gui.core.transfers.settings import KiB as KiB
    from s3uploader_gui.core.transfers.settings import MiB as MiB
    from s3uploader_gui.core.transfers.settings import TiB as TiB
    from s3uploader_gui.core.transfers.settings import part_size_for as part_size_for

#: Each public name and the module of this package that defines it.
_HOMES = {
    "GiB": "settings",
    "KiB": "settings",
    "MAX_OBJECT_SIZE": "settings",
    "MAX_PARTS": "settings",
    "MAX_PART_SIZE": "settings",
    "MIN_PART_SIZE": "settings",
    "MiB": "settings",
    "TiB": "settings",
    "EngineSettings": "settings",
    "part_size_for": "settings",
    "AskFn": "model",
    "Conflict": "model",
    "ConflictPolicy": "model",
    "DownloadSource": "model",
    "ItemCallback": "model",
    "ItemResult": "model",
    "ItemStatus": "model",
    "ObjectOptions": "model",
    "PrepareFn": "model",
    "StateCallback": "model",
    "BandwidthLimiter": "control",
    "BatchControl": "control",
    "composite_crc32": "checksums",
    "crc32_b64": "checksums",
    "file_crc32": "checksums",
    "TransferEngine": "engine",
    "ProgressSnapshot": "progress",
    "TransferProgress": "progress",
    "Journal": "journal",
    "JournalItem": "journal",
    "JournalPart": "journal",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
