"""``s3uploader download``: one object, or everything under a prefix, to a local folder.

Keys become local paths only through ``safe_local_path``: a key can never write outside
the destination, and two keys never write the same file.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from s3uploader_gui.cli.batch import conflict_policy, run_transfers
from s3uploader_gui.cli.context import config_error, open_context, require_bucket
from s3uploader_gui.cli.output import Reporter, display_path, record

if TYPE_CHECKING:
    from s3uploader_gui.core.naming import S3Url
    from s3uploader_gui.core.s3client import S3Client
    from s3uploader_gui.core.transfers import DownloadSource


def _head_size(client: S3Client, bucket: str, key: str) -> int | None:
    """The object's size; None when it does not exist."""
    from s3uploader_gui.core.errors import AccessDenied, NotFound, translate

    try:
        answer = client.head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        err = translate(exc, bucket=bucket, key=key)
        if isinstance(err, NotFound):
            return None
        if isinstance(err, AccessDenied):
            return 0  # size unknown (no permission to HEAD, or a wrong secret): the GET tells
        raise err from exc
    return int(answer.get("ContentLength", 0))


#: ETags seen while listing, so downloads need no HEAD per object.
_ETAGS: dict[tuple[str, str], str] = {}


def _iter_prefix(client: S3Client, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
    from s3uploader_gui.core.listing import iter_objects

    for page in iter_objects(client, bucket, prefix, recursive=True):
        for obj in page.objects:
            if not obj.key.endswith("/"):  # folder markers are not files
                _ETAGS[(bucket, obj.key)] = obj.etag
                yield obj.key, obj.size


def _download_candidates(
    client: S3Client, url: S3Url
) -> tuple[list[tuple[str, int]], str, str | None]:
    """(key, size) pairs to fetch, the prefix to strip, and a reason when there are none."""
    key = url.key
    if key and not key.endswith("/"):
        size = _head_size(client, url.bucket, key)
        if size is not None:
            return [(key, size)], key[: key.rfind("/") + 1], None
        key += "/"  # not an object: maybe a "folder"
    found = list(_iter_prefix(client, url.bucket, key))
    if not found:
        what = f"s3://{url.bucket}/{url.key}"
        return [], key, f"{what} does not exist (no object and nothing under it)."
    return found, key, None


def _plan_downloads(
    client: S3Client, url: S3Url, dest: Path, *, overwrite: bool, rep: Reporter
) -> list[DownloadSource]:
    """Map keys to safe local paths; unsafe keys fail, existing files are skipped."""
    from s3uploader_gui.core.errors import UnsafePath
    from s3uploader_gui.core.naming import safe_local_path
    from s3uploader_gui.core.transfers import DownloadSource

    candidates, strip, missing = _download_candidates(client, url)
    if missing is not None:
        rep.failed(
            record("failed", bucket=url.bucket, key=url.key, nbytes=0, error=missing),
            str(url),
            missing,
            command="download",
        )
    plan: list[DownloadSource] = []
    claimed: set[Path] = set()
    for key, size in candidates:
        where = f"s3://{url.bucket}/{key}"
        try:
            path = safe_local_path(dest, key, strip)
            if path in claimed:
                raise UnsafePath(f"The key “{key}” maps to the same file as another key.")
        except UnsafePath as err:
            rep.failed(
                record("failed", bucket=url.bucket, key=key, nbytes=0, error=err.message),
                where,
                err.message,
                command="download",
            )
            continue
        claimed.add(path)
        if not overwrite and (path.exists() or path.is_symlink()):
            rep.ok(
                record(
                    "skipped",
                    bucket=url.bucket,
                    key=key,
                    path=path,
                    nbytes=0,
                    note="the local file exists; --overwrite replaces it",
                ),
                f"skip: {where} -> {display_path(path)} (exists; --overwrite replaces it)",
            )
            continue
        etag = _ETAGS.pop((url.bucket, key), "") or None
        plan.append(DownloadSource(key=key, path=path, size=size, etag=etag))
    return plan


def cmd_download(args: argparse.Namespace, rep: Reporter) -> int:
    """Download one object, or everything under a prefix, into DEST_DIR."""
    from s3uploader_gui.core.naming import parse_s3_url

    url = parse_s3_url(args.source)
    dest = Path(args.dest)
    if dest.exists() and not dest.is_dir():
        raise config_error(f"{dest} exists and is not a folder.")
    with open_context(args) as context:
        require_bucket(context.client, url.bucket)
        # "skip" is decided while planning (no request); the others by the engine.
        skip = conflict_policy(args) == "skip"
        plan = _plan_downloads(context.client, url, dest, overwrite=not skip, rep=rep)
        if not plan:
            return rep.exit_code
        dest.mkdir(parents=True, exist_ok=True)
        run_transfers(args, rep, context, url.bucket, plan)
    return rep.exit_code
