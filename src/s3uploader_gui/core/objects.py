"""Bucket and object operations other than transfers and listing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError, ServerError, translate
from s3uploader_gui.core.listing import iter_objects
from s3uploader_gui.core.s3client import S3Client

#: DeleteObjects takes at most this many keys per request.
DELETE_BATCH = 1000


def create_bucket(client: S3Client, bucket: str, region: str | None = None) -> None:
    """Create ``bucket`` (in ``region`` when it is not us-east-1)."""
    kwargs: dict[str, Any] = {"Bucket": bucket}
    region = region or client.meta.region_name
    if region and region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        client.create_bucket(**kwargs)
    except Exception as exc:
        raise translate(exc, bucket=bucket) from exc


def bucket_exists(client: S3Client, bucket: str) -> bool:
    """True when ``bucket`` exists and is reachable with these credentials."""
    try:
        client.head_bucket(Bucket=bucket)
    except Exception as exc:
        err = translate(exc, bucket=bucket)
        if err.code in {"404", "NoSuchBucket", "NotFound"}:
            return False
        raise err from exc
    return True


def ensure_bucket(client: S3Client, bucket: str, region: str | None = None) -> bool:
    """Create ``bucket`` unless it exists; True when it was created."""
    if bucket_exists(client, bucket):
        return False
    try:
        create_bucket(client, bucket, region)
    except AppError as err:
        if err.code == "BucketAlreadyOwnedByYou":
            return False
        raise
    return True


@dataclass(frozen=True)
class DeleteResult:
    deleted: list[str]
    failed: list[tuple[str, AppError]]


def delete_keys(
    client: S3Client,
    bucket: str,
    keys: Iterable[str],
    *,
    progress: Callable[[int], None] | None = None,
    cancel: CancelToken | None = None,
) -> DeleteResult:
    """Delete ``keys`` in batches of 1,000; a key that fails does not stop the others."""
    deleted: list[str] = []
    failed: list[tuple[str, AppError]] = []
    batch: list[str] = []

    def flush() -> None:
        if not batch:
            return
        try:
            answer = client.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": False}
            )
        except Exception as exc:
            err = translate(exc, bucket=bucket)
            failed.extend((k, err) for k in batch)
        else:
            deleted.extend(d["Key"] for d in answer.get("Deleted", []))
            for e in answer.get("Errors", []):
                failed.append(
                    (
                        e["Key"],
                        ServerError(
                            f"s3://{bucket}/{e['Key']} was not deleted: "
                            f"{e.get('Message') or e.get('Code')}",
                            code=str(e.get("Code", "")),
                        ),
                    )
                )
        if progress is not None:
            progress(len(batch))
        batch.clear()

    for key in keys:
        if cancel is not None:
            cancel.raise_if_cancelled()
        batch.append(key)
        if len(batch) >= DELETE_BATCH:
            flush()
    flush()
    return DeleteResult(deleted=deleted, failed=failed)


def delete_prefix(
    client: S3Client,
    bucket: str,
    prefix: str,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: CancelToken | None = None,
) -> DeleteResult:
    """Delete every object under ``prefix`` (a "folder"), including its marker."""
    if prefix and not prefix.endswith("/"):
        # Folder "a" is "a/": a bare "a" would also delete "ab/..." and a file named "a".
        prefix += "/"

    def keys() -> Iterable[str]:
        for page in iter_objects(client, bucket, prefix, recursive=True, cancel=cancel):
            yield from (o.key for o in page.objects)
        if prefix:
            yield prefix  # the folder marker, if any; deleting a missing key succeeds

    return delete_keys(client, bucket, keys(), progress=progress, cancel=cancel)


def create_folder(client: S3Client, bucket: str, prefix: str) -> str:
    """Create an empty "folder" marker object ``prefix/``; returns the marker key."""
    key = prefix if prefix.endswith("/") else prefix + "/"
    try:
        client.put_object(Bucket=bucket, Key=key, Body=b"")
    except Exception as exc:
        raise translate(exc, bucket=bucket, key=key) from exc
    return key
