"""``s3uploader rm`` and ``s3uploader mb``: delete objects (or whole prefixes), create a
bucket.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from s3uploader_gui.cli.context import config_error, open_context, require_bucket
from s3uploader_gui.cli.output import Reporter, record

if TYPE_CHECKING:
    from s3uploader_gui.core.naming import S3Url
    from s3uploader_gui.core.operations.objects import DeleteOutcome


def _group_by_bucket(urls: Sequence[S3Url]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for url in urls:
        groups.setdefault(url.bucket, []).append(url.key)
    return groups


def _report_deleted(outcome: DeleteOutcome, rep: Reporter) -> None:
    bucket = outcome.bucket
    for key in outcome.deleted:
        rep.ok(record("deleted", bucket=bucket, key=key), f"delete: s3://{bucket}/{key}")
    for key, err in outcome.failed:
        if err.fatal:
            raise err
        rep.failed(
            record("failed", bucket=bucket, key=key, error=err.message),
            f"s3://{bucket}/{key}",
            err.message,
            command="delete",
        )


def cmd_rm(args: argparse.Namespace, rep: Reporter) -> int:
    """Delete objects; with ``--recursive`` a key ending in ``/`` deletes the whole prefix."""
    from s3uploader_gui.core.naming import parse_s3_url
    from s3uploader_gui.core.operations.objects import delete_objects

    urls = [parse_s3_url(u) for u in args.urls]
    for url in urls:
        if not url.key and not args.recursive:
            raise config_error(f"rm needs a key: write s3://BUCKET/KEY, not “{url}”.")
    with open_context(args) as context:
        for bucket, keys in _group_by_bucket(urls).items():
            require_bucket(context.client, bucket)
            prefixes = [k for k in keys if args.recursive and (not k or k.endswith("/"))]
            plain = [k for k in keys if k not in prefixes]
            _report_deleted(delete_objects(context, bucket, plain, prefixes), rep)
    return rep.exit_code


# -- mb ----------------------------------------------------------------------------------
def _bucket_only(url: S3Url, command: str) -> str:
    if url.key:
        raise config_error(f"{command} takes a bucket only (s3://BUCKET), not “{url}”.")
    return url.bucket


def cmd_mb(args: argparse.Namespace, rep: Reporter) -> int:
    """Create a bucket."""
    from s3uploader_gui.core.errors import AppError
    from s3uploader_gui.core.naming import parse_s3_url
    from s3uploader_gui.core.operations.objects import new_bucket

    bucket = _bucket_only(parse_s3_url(args.url), "mb")
    with open_context(args) as context:
        try:
            new_bucket(context, bucket, args.region)
        except AppError as err:
            if err.fatal:
                raise
            rep.failed(
                record("failed", bucket=bucket, error=err.message),
                f"s3://{bucket}",
                err.message,
                command="make_bucket",
            )
        else:
            rep.ok(record("created", bucket=bucket), f"make_bucket: {bucket}")
    return rep.exit_code
