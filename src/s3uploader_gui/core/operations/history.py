"""What the History window does to the objects of its entries (``core.history``):
download them, delete them from their buckets. Both go through the one home of each
rule: ``downloads.plan_downloads``/``run_downloads`` and ``objects.delete_objects``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from s3uploader_gui.core.history import HistoryEntry
from s3uploader_gui.core.operations.downloads import (
    DownloadOutcome,
    Selection,
    plan_downloads,
    run_downloads,
)
from s3uploader_gui.core.operations.objects import DeleteOutcome, delete_objects
from s3uploader_gui.core.transfers.model import ConflictPolicy

if TYPE_CHECKING:
    from s3uploader_gui.core.cancel import CancelToken
    from s3uploader_gui.core.s3.client import S3Context


def _by_bucket(entries: Iterable[HistoryEntry]) -> dict[str, list[HistoryEntry]]:
    groups: dict[str, list[HistoryEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.bucket, []).append(entry)
    return groups


def delete_uploaded(
    context: S3Context, entries: Sequence[HistoryEntry], *, cancel: CancelToken | None = None
) -> list[DeleteOutcome]:
    """Delete the entries' objects from their buckets; one outcome per bucket (a key
    that fails is a row of its ``failed``)."""
    return [
        delete_objects(context, bucket, sorted({e.key for e in group}), cancel=cancel)
        for bucket, group in _by_bucket(entries).items()
    ]


def download_uploaded(
    context: S3Context,
    entries: Sequence[HistoryEntry],
    dest: Path,
    *,
    cancel: CancelToken | None = None,
) -> list[DownloadOutcome]:
    """Download the entries' objects into ``dest``; a local file that exists already is
    kept and the download saved beside it (``name (1).ext``). One outcome per bucket."""
    outcomes = []
    for bucket, group in _by_bucket(entries).items():
        selections = [Selection(key, folder=False) for key in dict.fromkeys(e.key for e in group)]
        plan = plan_downloads(context, bucket, selections, dest, cancel=cancel)
        outcomes.append(run_downloads(context, plan, policy=ConflictPolicy.RENAME, cancel=cancel))
    return outcomes
