"""``s3uploader ls``: buckets, or the folders and objects under a prefix, laid out like
``aws s3 ls``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from s3uploader_gui.cli.context import open_context
from s3uploader_gui.cli.output import Reporter, record

if TYPE_CHECKING:
    import datetime as dt

    from s3uploader_gui.core.naming import S3Url
    from s3uploader_gui.core.s3.client import S3Client


def _local_time(value: dt.datetime | None) -> str:
    """``aws s3 ls`` style: local time, to the second."""
    if value is None:
        return " " * 19
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _ls_buckets(client: S3Client, rep: Reporter) -> None:
    from s3uploader_gui.core.s3.listing import list_buckets

    for bucket in list_buckets(client):
        rep.ok(
            record("listed", bucket=bucket.name, type="bucket", created=_iso(bucket.created)),
            f"{_local_time(bucket.created)} {bucket.name}",
        )


def _ls_objects(client: S3Client, url: S3Url, recursive: bool, rep: Reporter) -> None:
    from s3uploader_gui.core.s3.listing import iter_objects

    for page in iter_objects(client, url.bucket, url.key, recursive=recursive):
        for prefix in page.prefixes:
            name = prefix.rstrip("/").rsplit("/", 1)[-1] + "/"
            rep.ok(
                record("listed", bucket=url.bucket, key=prefix, type="prefix"),
                f"{'PRE':>30} {name}",
            )
        for obj in page.objects:
            name = obj.key if recursive else obj.key.rsplit("/", 1)[-1]
            rep.ok(
                record(
                    "listed",
                    bucket=url.bucket,
                    key=obj.key,
                    nbytes=obj.size,
                    type="object",
                    last_modified=_iso(obj.last_modified),
                ),
                f"{_local_time(obj.last_modified)} {obj.size:>10} {name}",
            )


def cmd_ls(args: argparse.Namespace, rep: Reporter) -> int:
    """List buckets, or the folders and objects under a prefix."""
    from s3uploader_gui.core.naming import parse_s3_url

    url = parse_s3_url(args.url) if args.url else None
    with open_context(args) as context:
        if url is None:
            _ls_buckets(context.client, rep)
        else:
            _ls_objects(context.client, url, args.recursive, rep)
    return rep.exit_code
