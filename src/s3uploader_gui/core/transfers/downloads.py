"""Downloads: the engine's way in (``run_downloads``), loading the batch itself
(``download_batch``) at the first download, so that a run that only uploads never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from s3uploader_gui.core.cancel import CancelToken
    from s3uploader_gui.core.transfers.model import (
        ConflictPolicy,
        DownloadSource,
        ItemCallback,
        ItemResult,
    )
    from s3uploader_gui.core.transfers.parts import EngineParts
    from s3uploader_gui.core.transfers.progress import TransferProgress


def run_downloads(
    engine: EngineParts,
    bucket: str,
    sources: Sequence[DownloadSource],
    policies: Sequence[ConflictPolicy],
    progress: TransferProgress,
    cancel: CancelToken,
    on_item: ItemCallback | None,
    on_start: Callable[[int], None] | None,
) -> list[ItemResult]:
    """Download ``sources`` (one conflict policy each) as ``TransferEngine.download`` says
    (``download_batch.run_downloads``)."""
    from s3uploader_gui.core.transfers.download_batch import run_downloads as run

    return run(engine, bucket, sources, policies, progress, cancel, on_item, on_start)


def is_partial_download(name: str) -> bool:
    """True for the name of a download's temporary file (``partials.is_partial_download``)."""
    from s3uploader_gui.core.transfers.partials import is_partial_download as is_partial

    return is_partial(name)
