"""``s3uploader history``: the uploads the app recorded (window and command line alike),
newest first; and the recording of ``upload``'s own batch.
"""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from s3uploader_gui.cli.context import chosen_profile
from s3uploader_gui.cli.output import Reporter

if TYPE_CHECKING:
    from s3uploader_gui.core.operations.uploads import UploadOutcome
    from s3uploader_gui.core.s3.client import S3Context
    from s3uploader_gui.core.transfers.model import ObjectOptions

log = logging.getLogger(__name__)

#: How many entries ``history`` prints without ``--limit``.
DEFAULT_LIMIT = 20


def record_batch(
    args: argparse.Namespace,
    context: S3Context,
    bucket: str,
    outcome: UploadOutcome,
    options: ObjectOptions | None = None,
) -> None:
    """Add the objects ``upload`` stored to the history; a history that cannot be written
    never changes the run's outcome (``record_uploads`` logs and goes on)."""
    from s3uploader_gui.core.history import record_uploads
    from s3uploader_gui.core.operations.connect import connection_label

    try:
        label = connection_label(chosen_profile(args), context.settings)
    except Exception as exc:  # the run is over; the history only loses the profile's name
        log.info("history: no connection label: %s", exc)
        label = ""
    record_uploads(None, label, bucket, outcome, context=context, options=options)


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
