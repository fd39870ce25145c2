"""Bucket and object operations other than transfers and listing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError, ConfigError, NotFound, ServerError, translate
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


# -- properties ------------------------------------------------------------------------
@dataclass(frozen=True)
class ObjectProperties:
    """What HeadObject tells about one object."""

    bucket: str
    key: str
    size: int
    etag: str
    content_type: str
    cache_control: str
    storage_class: str
    last_modified: dt.datetime | None
    metadata: dict[str, str] = field(default_factory=dict)
    content_disposition: str = ""
    content_encoding: str = ""
    content_language: str = ""


def object_properties(client: S3Client, bucket: str, key: str) -> ObjectProperties:
    """HeadObject of ``s3://bucket/key`` as ObjectProperties."""
    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        raise translate(exc, bucket=bucket, key=key) from exc
    return ObjectProperties(
        bucket=bucket,
        key=key,
        size=int(head.get("ContentLength", 0)),
        etag=str(head.get("ETag", "")).strip('"'),
        content_type=str(head.get("ContentType", "")),
        cache_control=str(head.get("CacheControl", "")),
        # S3 leaves StorageClass out for STANDARD objects.
        storage_class=str(head.get("StorageClass") or "STANDARD"),
        last_modified=head.get("LastModified"),
        metadata={str(k): str(v) for k, v in (head.get("Metadata") or {}).items()},
        content_disposition=str(head.get("ContentDisposition", "")),
        content_encoding=str(head.get("ContentEncoding", "")),
        content_language=str(head.get("ContentLanguage", "")),
    )


def _managed_copy(
    client: S3Client,
    source_bucket: str,
    source_key: str,
    bucket: str,
    key: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """Copy one object with boto3's managed copy (multipart for big objects)."""
    try:
        client.copy(
            {"Bucket": source_bucket, "Key": source_key}, bucket, key, ExtraArgs=extra or None
        )
    except Exception as exc:
        raise translate(exc, bucket=bucket, key=source_key) from exc


def update_headers(
    client: S3Client,
    bucket: str,
    key: str,
    *,
    content_type: str,
    cache_control: str,
) -> ObjectProperties:
    """Set Content-Type and Cache-Control by copying the object onto itself.

    S3 cannot change an object's headers in place: a copy with
    ``MetadataDirective=REPLACE`` rewrites them, so every other header and the user
    metadata are carried over explicitly.
    """
    props = object_properties(client, bucket, key)
    extra: dict[str, Any] = {
        "MetadataDirective": "REPLACE",
        "Metadata": dict(props.metadata),
    }
    if content_type.strip():
        extra["ContentType"] = content_type.strip()
    if cache_control.strip():
        extra["CacheControl"] = cache_control.strip()
    for name, value in (
        ("ContentDisposition", props.content_disposition),
        ("ContentEncoding", props.content_encoding),
        ("ContentLanguage", props.content_language),
    ):
        if value:
            extra[name] = value
    if props.storage_class and props.storage_class != "STANDARD":
        extra["StorageClass"] = props.storage_class
    _managed_copy(client, bucket, key, bucket, key, extra)
    return object_properties(client, bucket, key)


# -- rename / move ---------------------------------------------------------------------
@dataclass(frozen=True)
class MoveResult:
    moved: list[tuple[str, str]]
    failed: list[tuple[str, AppError]]


def plan_move(
    client: S3Client,
    bucket: str,
    source: str,
    target: str,
    *,
    cancel: CancelToken | None = None,
) -> list[tuple[str, str]]:
    """(old key, new key) pairs to rename an object, or a folder when both end in "/"."""
    if not source.endswith("/"):
        return [(source, target)]
    if not target.endswith("/"):
        target += "/"
    if target.startswith(source):
        raise ConfigError("A folder cannot be moved into itself.")
    pairs: list[tuple[str, str]] = []
    for page in iter_objects(client, bucket, source, recursive=True, cancel=cancel):
        pairs.extend((o.key, target + o.key[len(source) :]) for o in page.objects)
    # Listings leave out the folder's own marker object: move it too when it exists, and
    # make one for an empty folder so that it still appears at its new place.
    if not pairs or _exists(client, bucket, source):
        pairs.insert(0, (source, target))
    return pairs


def _exists(client: S3Client, bucket: str, key: str) -> bool:
    try:
        client.head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        err = translate(exc, bucket=bucket, key=key)
        if isinstance(err, NotFound) or err.code in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise err from exc
    return True


def move_objects(
    client: S3Client,
    bucket: str,
    moves: Iterable[tuple[str, str]],
    *,
    progress: Callable[[int], None] | None = None,
    cancel: CancelToken | None = None,
) -> MoveResult:
    """Rename objects by copying each one, then deleting the originals in batches.

    An original is deleted only once its copy exists, so a failure never loses data.
    """
    moved: list[tuple[str, str]] = []
    failed: list[tuple[str, AppError]] = []
    for old, new in moves:
        if cancel is not None:
            cancel.raise_if_cancelled()
        if old == new:
            continue
        try:
            if old.endswith("/") and new.endswith("/"):
                create_folder(client, bucket, new)
            else:
                _managed_copy(client, bucket, old, bucket, new)
        except AppError as err:
            failed.append((old, err))
        else:
            moved.append((old, new))
        if progress is not None:
            progress(1)
    result = delete_keys(client, bucket, [old for old, _ in moved])
    gone = set(result.deleted)
    failed.extend(result.failed)
    return MoveResult(moved=[(o, n) for o, n in moved if o in gone], failed=failed)
