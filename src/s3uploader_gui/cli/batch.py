"""The transfer batches of ``upload`` and ``download``: one line per item, a progress line,
and the whole run stopped at the first fatal error (bad credentials, a lost endpoint), every
item still reported with its own line before that error.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from s3uploader_gui.cli.history import batch_history
from s3uploader_gui.cli.output import (
    Reporter,
    display_path,
    maybe_progress,
    record,
    working_dir,
)

if TYPE_CHECKING:
    from s3uploader_gui.cli.upload_links import LinkPrinter
    from s3uploader_gui.core.errors import AppError
    from s3uploader_gui.core.operations.uploads import UploadPlan
    from s3uploader_gui.core.s3.client import S3Context
    from s3uploader_gui.core.transfers.engine import TransferEngine
    from s3uploader_gui.core.transfers.model import DownloadSource, ItemResult, PrepareFn

CONFLICT_CHOICES = ("overwrite", "skip", "skip-identical", "rename")


class FatalWatch:
    """Cancels a batch at the first fatal item error and remembers it.

    Every item is still reported, the fatal one and those cancelled after it included;
    the fatal error ends the run once the batch is over (``raise_if_fatal``).
    """

    def __init__(self) -> None:
        from s3uploader_gui.core.cancel import CancelToken

        self.cancel = CancelToken()
        self.error: AppError | None = None

    def check(self, result: ItemResult) -> None:
        """Note ``result``: at the first fatal failure, cancel the rest of the batch."""
        from s3uploader_gui.core.transfers.model import ItemStatus

        if result.status is ItemStatus.FAILED and result.error is not None and result.error.fatal:
            if self.error is None:
                self.error = result.error
            self.cancel.cancel()

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
    command: str,
    done_status: str,
    bucket: str,
    rep: Reporter,
    watch: FatalWatch | None = None,
    links: LinkPrinter | None = None,
) -> Callable[[ItemResult], None]:
    """The ``on_item`` callback of a transfer batch: one line (or JSON object) per item,
    whatever its outcome (``watch``, when given, notes the fatal errors; ``links`` adds
    a done item's link to its JSON row)."""
    from s3uploader_gui.core.errors import user_message
    from s3uploader_gui.core.formatting import format_bytes
    from s3uploader_gui.core.transfers.model import ItemStatus

    cwd = working_dir()  # once: a line per item must not cost a system call for it

    def on_item(result: ItemResult) -> None:
        stopped = watch is not None and watch.error is not None
        if watch is not None:
            watch.check(result)
        remote = f"s3://{bucket}/{result.key}"
        local = display_path(result.path, cwd)
        what = f"{local} -> {remote}" if command == "upload" else f"{remote} -> {local}"
        fields: dict[str, Any] = {"bucket": bucket, "key": result.key, "path": result.path}
        if result.status is ItemStatus.DONE:
            if links is not None:
                fields.update(links.fields(result))
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
        status = "cancelled" if result.status is ItemStatus.CANCELLED else "failed"
        if status == "cancelled" and stopped:
            message = f"Not {done_status}: the run stopped at an error that affects every item."
        else:
            message = user_message(result.error) if result.error else str(result.status)
        rep.failed(
            record(status, nbytes=0, error=message, **fields), what, message, command=command
        )

    return on_item


def run_upload_plan(
    args: argparse.Namespace,
    rep: Reporter,
    engine: TransferEngine,
    bucket: str,
    plan: UploadPlan,
    *,
    prepare: PrepareFn | None = None,
    links: LinkPrinter | None = None,
    closing: contextlib.ExitStack | None = None,
) -> None:
    """Run an upload plan (``core.operations.uploads``) on the connection's ``engine``:
    one line per candidate, the clashes the plan found first; after a fatal error, every
    item's line, then the error. The engine stays open: the connection closes it.

    ``prepare`` (the preparer the plan was made with) processes each file, e.g. images;
    ``links`` (``--print-link``) prints the uploaded files' links after the item lines.
    ``closing``: where the wait for the history's last rows goes (it runs on the caller's
    way out, e.g. after the connection closes, which it then overlaps); None: waited here.
    """
    from s3uploader_gui.core.operations.uploads import run_uploads
    from s3uploader_gui.core.transfers.progress import TransferProgress

    context = engine.context
    progress = TransferProgress()
    on_item = _item_reporter("upload", "uploaded", bucket, rep, links=links)
    told: set[str] = set()

    def on_notice(text: str) -> None:
        """A sentence about the whole run (the journal failed): once, on stderr."""
        if text not in told:
            told.add(text)
            rep.note(text)

    # What was stored is history, as it is stored: also when a fatal error or an
    # interrupt stops the rest, and the end of the run writes only the last few.
    history = batch_history(args, context, bucket, engine.settings.options)

    def on_result(result: ItemResult) -> None:
        on_item(result)
        history.add(result)

    try:
        with maybe_progress(args, rep, progress):
            outcome = run_uploads(
                engine,
                bucket,
                plan,
                prepare=prepare,
                progress=progress,
                on_item=on_result,
                on_notice=on_notice,
            )
    finally:
        history.finish()
        if closing is None:
            history.close()
        else:
            closing.callback(history.close)
    if outcome.fatal is not None:
        raise outcome.fatal
    if links is not None:
        links.finish()


def run_transfers(
    args: argparse.Namespace,
    rep: Reporter,
    context: S3Context,
    bucket: str,
    sources: Sequence[DownloadSource],
) -> None:
    """Download ``sources``: one line per item; at the first fatal error the rest is
    cancelled (each still gets its line) and the error raised once the batch is over."""
    from s3uploader_gui.core.transfers.engine import TransferEngine
    from s3uploader_gui.core.transfers.model import ConflictPolicy
    from s3uploader_gui.core.transfers.progress import TransferProgress
    from s3uploader_gui.core.transfers.settings import EngineSettings

    watch = FatalWatch()
    progress = TransferProgress()
    policy = ConflictPolicy(conflict_policy(args))
    engine = TransferEngine(context, EngineSettings(max_concurrency=context.concurrency))
    on_item = _item_reporter(args.command, "downloaded", bucket, rep, watch)
    try:
        with maybe_progress(args, rep, progress):
            engine.download(
                bucket,
                sources,
                progress=progress,
                cancel=watch.cancel,
                on_item=on_item,
                conflict=policy,
            )
    finally:
        engine.close()
    watch.raise_if_fatal()
