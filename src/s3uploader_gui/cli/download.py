"""``s3uploader download``: one object, or everything under a prefix, to a local folder.

Planning and running are the core's (``core.operations.downloads``), as for the window:
a key that cannot be saved (escapes the folder, too long a name, two keys for one file)
is one failed line and the rest download; an existing local file is skipped unless
``--on-conflict`` says otherwise, and is replaced only by a checked download.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from s3uploader_gui.cli.batch import conflict_policy
from s3uploader_gui.cli.context import config_error, open_context, require_bucket
from s3uploader_gui.cli.output import Reporter, display_path, maybe_progress, record

if TYPE_CHECKING:
    from s3uploader_gui.core.cancel import CancelToken
    from s3uploader_gui.core.errors import AppError
    from s3uploader_gui.core.operations.downloads import DownloadRow


class _RowPrinter:
    """Prints one line (or JSON object) per row; stops the run at the first fatal error.

    A fatal error (bad credentials, a lost endpoint) is not an item's fault: it cancels
    the rest, every item still gets its row, and the error is raised once at the end (one
    line, exit 2), as for every command.
    """

    def __init__(self, rep: Reporter, bucket: str, cancel: CancelToken, *, skip_hint: bool):
        self.rep = rep
        self.bucket = bucket
        self.cancel = cancel
        self.skip_hint = skip_hint
        self.fatal: AppError | None = None

    def __call__(self, row: DownloadRow) -> None:
        from s3uploader_gui.core.errors import user_message
        from s3uploader_gui.core.formatting import format_bytes
        from s3uploader_gui.core.transfers.model import ItemStatus

        # Every row is printed, the fatal one and those cancelled after it included: a
        # user must see what happened to each item before the one-line fatal error.
        if row.error is not None and row.error.fatal and self.fatal is None:
            self.fatal = row.error
            self.cancel.cancel()
        remote = f"s3://{self.bucket}/{row.key}"
        what = remote if row.path is None else f"{remote} -> {display_path(row.path)}"
        bucket, key, path = self.bucket, row.key, row.path
        if row.status is ItemStatus.DONE:
            self.rep.ok(
                record("downloaded", bucket=bucket, key=key, path=path, nbytes=row.bytes),
                f"download: {what} ({format_bytes(row.bytes)})",
            )
        elif row.status is ItemStatus.SKIPPED:
            note = row.detail
            if self.skip_hint and note == "the local file exists":
                note += "; --overwrite replaces it"
            self.rep.ok(
                record("skipped", bucket=bucket, key=key, path=path, nbytes=0, note=note),
                f"skip: {what} ({note})",
            )
        else:
            message = user_message(row.error) if row.error else str(row.status)
            self.rep.failed(
                record("failed", bucket=bucket, key=key, path=path, nbytes=0, error=message),
                what,
                message,
                command="download",
            )


def cmd_download(args: argparse.Namespace, rep: Reporter) -> int:
    """Download one object, or everything under a prefix, into DEST_DIR."""
    from s3uploader_gui.core.cancel import CancelToken
    from s3uploader_gui.core.naming import parse_s3_url
    from s3uploader_gui.core.operations.downloads import (
        Selection,
        plan_downloads,
        run_downloads,
    )
    from s3uploader_gui.core.transfers.engine import TransferEngine
    from s3uploader_gui.core.transfers.model import ConflictPolicy
    from s3uploader_gui.core.transfers.progress import TransferProgress
    from s3uploader_gui.core.transfers.settings import EngineSettings

    url = parse_s3_url(args.source)
    dest = Path(args.dest)
    if dest.exists() and not dest.is_dir():
        raise config_error(f"{dest} exists and is not a folder.")
    policy = ConflictPolicy(conflict_policy(args))
    cancel = CancelToken()
    with open_context(args) as context:
        require_bucket(context.client, url.bucket)
        plan = plan_downloads(context, url.bucket, [Selection(url.key)], dest, cancel=cancel)
        printer = _RowPrinter(rep, url.bucket, cancel, skip_hint=policy is ConflictPolicy.SKIP)
        progress = TransferProgress()
        engine = TransferEngine(context, EngineSettings(max_concurrency=context.concurrency))
        try:
            with maybe_progress(args, rep, progress):
                run_downloads(
                    engine, plan, policy=policy, progress=progress, cancel=cancel, on_item=printer
                )
        finally:
            engine.close()
    if printer.fatal is not None:
        raise printer.fatal
    return rep.exit_code
