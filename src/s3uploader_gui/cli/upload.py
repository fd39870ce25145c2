"""``s3uploader upload``: files and folders to a bucket, images optionally processed on the way
(the originals are never modified).
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from s3uploader_gui.cli.batch import conflict_policy, run_upload_plan
from s3uploader_gui.cli.context import BucketCheck, open_run_connection
from s3uploader_gui.cli.output import Reporter, display_path, record

if TYPE_CHECKING:
    from s3uploader_gui.core.imaging.prepare import ImagePreparer
    from s3uploader_gui.core.naming import UploadSource


def _image_preparer(
    args: argparse.Namespace, sources: Sequence[UploadSource]
) -> ImagePreparer | None:
    """An ImagePreparer when an image option was given (else files upload as they are)."""
    given = (args.resize, args.quality, args.format, args.metadata)
    if all(v is None for v in given):
        return None
    from s3uploader_gui.core.imaging.options import ImageOptions, MetadataPolicy, OutputFormat
    from s3uploader_gui.core.imaging.prepare import ImagePreparer

    options = ImageOptions(
        max_edge=args.resize or None,
        format=OutputFormat(args.format or "keep"),
        quality=args.quality if args.quality is not None else 85,
        metadata=MetadataPolicy(args.metadata or "strip-location"),
    )
    preparer = ImagePreparer(options)
    return preparer if preparer.needed(list(sources)) else None


def cmd_upload(args: argparse.Namespace, rep: Reporter) -> int:
    """Upload files and folders under ``--to``: one line per file, including the files
    not sent because another one goes to the same key (planned before anything is sent)."""
    from s3uploader_gui.core.naming import normalize_prefix, parse_s3_url
    from s3uploader_gui.core.operations.uploads import expand_paths, plan_uploads
    from s3uploader_gui.core.transfers.model import ConflictPolicy

    target = parse_s3_url(args.to)
    prefix = normalize_prefix(target.key)
    # The history writes its last rows while the connection closes; both end before this.
    with contextlib.ExitStack() as closing, open_run_connection(args) as connection:
        context = connection.context
        check = None
        if target.bucket not in connection.known_buckets:
            # Asked before the scan, answered during it; the answer still decides first.
            check = BucketCheck(context, target.bucket, lean=connection.engine.fast)
        expanded = expand_paths(args.paths, prefix)
        if check is not None:
            check.result()
        for path, err in expanded.problems:
            rep.failed(
                record("failed", bucket=target.bucket, path=path, nbytes=0, error=err.message),
                display_path(path),
                err.message,
                command="upload",
            )
        prepare = _image_preparer(args, expanded.candidates)
        policy = ConflictPolicy(conflict_policy(args))
        plan = plan_uploads(expanded.candidates, policy=policy, convert=prepare)
        links = None
        if args.print_link:
            from s3uploader_gui.cli.upload_links import LinkPrinter

            links = LinkPrinter(args, rep, context, target.bucket)
        engine = connection.engine
        run_upload_plan(
            args, rep, engine, target.bucket, plan, prepare=prepare, links=links, closing=closing
        )
    return rep.exit_code
