"""The last worker bodies left in the browser: downloading (Download… and drag out).

They are moved here unchanged from the pane and will become calls of
``core.operations.downloads``; every other browser action calls its core operation.
"""

from __future__ import annotations

from pathlib import Path

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import UnsafePath
from s3uploader_gui.core.listing import iter_objects
from s3uploader_gui.core.naming import safe_local_path
from s3uploader_gui.core.objects import object_properties
from s3uploader_gui.core.progress import TransferProgress
from s3uploader_gui.core.s3client import S3Context
from s3uploader_gui.core.transfers import DownloadSource, ItemStatus, TransferEngine


def _download_job(
    context: S3Context,
    bucket: str,
    items: list[tuple[str, bool, str]],
    dest: Path,
    *,
    progress: TransferProgress,
    cancel: CancelToken,
) -> tuple[int, list[str], list[Path]]:
    """Download objects and folders (recursively) into ``dest``.

    ``items`` are (key or prefix, is_folder, strip): the part of the key dropped so that
    ``photos/2026/a.jpg`` selected in ``photos/`` lands at ``dest/2026/a.jpg``.
    """
    sources: list[DownloadSource] = []
    problems: list[str] = []
    seen: set[Path] = set()

    def add(key: str, size: int, strip: str) -> None:
        try:
            path = safe_local_path(dest, key, strip)
        except UnsafePath as err:
            problems.append(err.message)
            return
        if path not in seen:
            seen.add(path)
            sources.append(DownloadSource(key=key, path=path, size=size))

    for key, is_folder, strip in items:
        if is_folder:
            for page in iter_objects(context.client, bucket, key, recursive=True, cancel=cancel):
                for obj in page.objects:
                    if not obj.key.endswith("/"):  # folder markers are not files
                        add(obj.key, obj.size, strip)
        else:
            size = object_properties(context.client, bucket, key).size
            add(key, size, strip)
    engine = TransferEngine(context)
    try:
        results = engine.download(bucket, sources, progress=progress, cancel=cancel)
    finally:
        engine.close()
    done = [r for r in results if r.status == ItemStatus.DONE]
    problems += [r.error.message for r in results if r.error is not None]
    return len(done), problems, [r.path for r in done]


def _drag_job(
    context: S3Context,
    bucket: str,
    targets: list[tuple[str, str]],
    *,
    progress: TransferProgress,
    cancel: CancelToken,
) -> tuple[int, list[str]]:
    """Download (key, local path) pairs for a drag out."""
    client = context.client
    sources = []
    for key, path in targets:
        size = object_properties(client, bucket, key).size
        sources.append(DownloadSource(key=key, path=Path(path), size=size))
    engine = TransferEngine(context)
    try:
        results = engine.download(bucket, sources, progress=progress, cancel=cancel)
    finally:
        engine.close()
    problems = [r.error.message for r in results if r.error is not None]
    return sum(r.status == ItemStatus.DONE for r in results), problems
