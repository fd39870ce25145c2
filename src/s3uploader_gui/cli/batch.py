"""The transfer batch that ``upload`` and ``download`` share: one line per item, a progress
line, and the whole run stopped at the first fatal error (bad credentials, a lost endpoint).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from s3uploader_gui.cli.output import Reporter, display_path, maybe_progress, record

if TYPE_CHECKING:
    from s3uploader_gui.core.errors import AppError
    from s3uploader_gui.core.naming import UploadSource
    from s3uploader_gui.core.s3client import S3Context
    from s3uploader_gui.core.transfers import DownloadSource, ItemResult, PrepareFn

CONFLICT_CHOICES = ("overwrite", "skip", "skip-identical", "rename")


class FatalWatch:
    """Cancels a batch at the first fatal item error and remembers it."""

    def __init__(self) -> None:
        from s3uploader_gui.core.cancel import CancelToken

        self.cancel = CancelToken()
        self.error: AppError | None = None

    def check(self, result: ItemResult) -> bool:
        """True when ``result`` should not be reported (fatal, or cancelled after fatal)."""
        from s3uploader_gui.core.transfers import ItemStatus

        if self.error is not None and result.status is ItemStatus.CANCELLED:
            return True
        if result.status is ItemStatus.FAILED and result.error is not None and result.error.fatal:
            if self.error is None:
                self.error = result.error
            self.cancel.cancel()
            return True
        return False

    def raise_if_fatal(self) -> None:
        if self.error is not None:
            raise self.error


def conflict_policy(args: argparse.Namespace) -> str:
    """The --on-conflict choice, with the older flags as aliases."""
    chosen: str | None = getattr(args, "on_conflict", None)
    if chosen:
        return chosen
    if getattr(args, "skip_existing", False):
        return "skip-identical"
    if getattr(args, "overwrite", False):
        return "overwrite"
    return "overwrite" if args.command == "upload" else "skip"


def _item_reporter(
    command: str, done_status: str, bucket: str, rep: Reporter, watch: FatalWatch
) -> Callable[[ItemResult], None]:
    """The ``on_item`` callback of a transfer batch: one line (or JSON object) per item."""
    from s3uploader_gui.core.errors import user_message
    from s3uploader_gui.core.progress import format_bytes
    from s3uploader_gui.core.transfers import ItemStatus

    def on_item(result: ItemResult) -> None:
        if watch.check(result):
            return
        remote = f"s3://{bucket}/{result.key}"
        local = display_path(result.path)
        what = f"{local} -> {remote}" if command == "upload" else f"{remote} -> {local}"
        fields: dict[str, Any] = {"bucket": bucket, "key": result.key, "path": result.path}
        if result.status is ItemStatus.DONE:
            rep.ok(
                record(done_status, nbytes=result.bytes, **fields),
                f"{command}: {what} ({format_bytes(result.bytes)})",
            )
            return
        if result.status is ItemStatus.SKIPPED:
            rep.ok(
                record("skipped", nbytes=0, note=result.detail, **fields),
                f"skip: {what} ({result.detail})",
            )
            return
        message = user_message(result.error) if result.error else str(result.status)
        rep.failed(
            record("failed", nbytes=0, error=message, **fields), what, message, command=command
        )

    return on_item


def run_transfers(
    args: argparse.Namespace,
    rep: Reporter,
    context: S3Context,
    bucket: str,
    sources: Sequence[UploadSource] | Sequence[DownloadSource],
    *,
    prepare: PrepareFn | None = None,
) -> None:
    """Upload or download ``sources``; stop at the first fatal error and raise it.

    ``prepare`` (uploads only) processes each file before it is sent, e.g. images.
    """
    from s3uploader_gui.core.progress import TransferProgress
    from s3uploader_gui.core.transfers import ConflictPolicy, EngineSettings, TransferEngine

    upload = args.command == "upload"
    watch = FatalWatch()
    progress = TransferProgress()
    policy = ConflictPolicy(conflict_policy(args))
    settings = EngineSettings(max_concurrency=context.concurrency)
    if upload:
        settings.conflict = policy
    engine = TransferEngine(context, settings)
    run: Callable[..., object] = engine.upload if upload else engine.download
    done_status = "uploaded" if upload else "downloaded"
    on_item = _item_reporter(args.command, done_status, bucket, rep, watch)
    extra: dict[str, Any] = {}
    if not upload:
        extra["conflict"] = policy
    if upload and prepare is not None:
        extra["prepare"] = prepare
    try:
        with maybe_progress(args, rep, progress):
            run(bucket, sources, progress=progress, cancel=watch.cancel, on_item=on_item, **extra)
    finally:
        engine.close()
    watch.raise_if_fatal()
