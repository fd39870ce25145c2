"""``s3uploader history``: the uploads the app recorded (window and command line alike),
newest first; and the recording of ``upload``'s own batch.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from s3uploader_gui.cli.context import chosen_profile
from s3uploader_gui.cli.output import Reporter

if TYPE_CHECKING:
    from s3uploader_gui.core.history_recorder import HistoryRecorder
    from s3uploader_gui.core.s3.client import S3Context
    from s3uploader_gui.core.transfers.model import ObjectOptions

#: How many entries ``history`` prints without ``--limit``.
DEFAULT_LIMIT = 20


def batch_history(
    args: argparse.Namespace,
    context: S3Context,
    bucket: str,
    options: ObjectOptions | None = None,
) -> HistoryRecorder:
    """What records the objects ``upload`` stores, as they are stored (``close`` it once
    the batch is over); a history that cannot be written never changes the run's outcome."""
    from s3uploader_gui.core.history_recorder import HistoryRecorder

    def label() -> str:
        from s3uploader_gui.core.operations.connect import connection_label

        return connection_label(chosen_profile(args), context.settings)

    return HistoryRecorder(label, bucket, context=context, options=options)


def cmd_history(args: argparse.Namespace, rep: Reporter) -> int:
    """Print the recorded uploads, newest first: one line (or JSON object) each."""
    from s3uploader_gui.core.formatting import format_bytes
    from s3uploader_gui.core.history import HistoryStore

    with HistoryStore() as store:
        entries = store.query(args.search or "", limit=args.limit)
    if not entries:
        rep.note("no uploads recorded" + (f" matching “{args.search}”." if args.search else "."))
    for entry in entries:
        when = entry.uploaded_at.strftime("%Y-%m-%d %H:%M:%S")
        where = f"  ({entry.profile})" if entry.profile else ""
        rep.ok(entry.to_dict(), f"{when}  {format_bytes(entry.size):>10}  {entry.s3_uri}{where}")
    return rep.exit_code
