"""Bucket and object requests other than transfers and listing: the building blocks.

Each function here is one request or one step (create, delete a batch, HEAD, ACL, tags,
copy without replacing). ``core.operations.objects`` puts them together into what the
faces call (delete, move, new folder, properties) and owns the rules (what a copy must
carry over is ``core.operations.carry_over``); call that instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError, NotFound, ServerError, translate
from s3uploader_gui.core.s3.buckets import bucket_exists as bucket_exists
from s3uploader_gui.core.s3.client import S3Client
from s3uploader_gui.core.s3.listing import iter_objects

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


def prefix_keys(
    client: S3Client, bucket: str, prefix: str, *, cancel: CancelToken | None = None
) -> Iterator[str]:
    """Every key in the "folder" ``prefix`` (all depths), then its marker ``prefix/``
    when that object exists.

    ``prefix`` is taken as a folder: "a" means "a/", so that "ab/..." and an object named
    "a" are never part of it. Only listed keys come out: a marker that was never there is
    not asked for (some servers refuse to delete it inside a batch, failing a delete
    that removed everything). The marker is looked for first, before anything is
    deleted, since a server that keeps folders as directories drops the folder with its
    last object.
    """
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    marker = bool(prefix) and _marker_exists(client, bucket, prefix)
    for page in iter_objects(client, bucket, prefix, recursive=True, cancel=cancel):
        yield from (o.key for o in page.objects)
    if marker:
        yield prefix


def _marker_exists(client: S3Client, bucket: str, prefix: str) -> bool:
    """True when the object ``prefix`` (ending in "/") is listed. A listing, not a HEAD:
    some servers (SeaweedFS) answer a HEAD of any folder that holds objects. The marker
    is the first key a listing of its own prefix can return."""
    try:
        answer = client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    except Exception as exc:
        raise translate(exc, bucket=bucket) from exc
    return any(o.get("Key") == prefix for o in answer.get("Contents", []))


def delete_prefix(
    client: S3Client,
    bucket: str,
    prefix: str,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: CancelToken | None = None,
) -> DeleteResult:
    """Delete every object under ``prefix`` (a "folder"), including its marker if any."""
    keys = prefix_keys(client, bucket, prefix, cancel=cancel)
    return delete_keys(client, bucket, keys, progress=progress, cancel=cancel)


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
    #: "AES256", "aws:kms"... ("" when the server does not say).
    server_side_encryption: str = ""
    kms_key_id: str = ""
    #: The Expires header as a date, and as sent (when it is not a date, only the text).
    expires: dt.datetime | None = None
    expires_text: str = ""
    website_redirect: str = ""
    #: "AES256" when encrypted with a key of the uploader's own (SSE-C).
    customer_key_algorithm: str = ""
    #: Object Lock: "GOVERNANCE"/"COMPLIANCE" until a date, and a legal hold "ON"/"OFF".
    lock_mode: str = ""
    lock_until: dt.datetime | None = None
    legal_hold: str = ""


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
        server_side_encryption=str(head.get("ServerSideEncryption", "")),
        kms_key_id=str(head.get("SSEKMSKeyId", "")),
        expires=_date(head.get("Expires")),
        expires_text=str(head.get("ExpiresString") or head.get("Expires") or ""),
        website_redirect=str(head.get("WebsiteRedirectLocation", "")),
        customer_key_algorithm=str(head.get("SSECustomerAlgorithm", "")),
        lock_mode=str(head.get("ObjectLockMode", "")),
        lock_until=_date(head.get("ObjectLockRetainUntilDate")),
        legal_hold=str(head.get("ObjectLockLegalHoldStatus", "")),
    )


def _date(value: object) -> dt.datetime | None:
    return value if isinstance(value, dt.datetime) else None


def object_acl(client: S3Client, bucket: str, key: str) -> dict[str, Any]:
    """GetObjectAcl of ``s3://bucket/key``: its ``Owner`` and ``Grants``."""
    try:
        answer: dict[str, Any] = client.get_object_acl(Bucket=bucket, Key=key)  # type: ignore[assignment]
    except Exception as exc:
        raise translate(exc, bucket=bucket, key=key) from exc
    return answer


def object_tags(client: S3Client, bucket: str, key: str) -> list[tuple[str, str]]:
    """The tags of ``s3://bucket/key`` as (key, value) pairs, in the server's order."""
    try:
        answer = client.get_object_tagging(Bucket=bucket, Key=key)
    except Exception as exc:
        raise translate(exc, bucket=bucket, key=key) from exc
    return [(str(t["Key"]), str(t["Value"])) for t in answer.get("TagSet", [])]


def object_exists(client: S3Client, bucket: str, key: str) -> bool:
    """True when ``s3://bucket/key`` exists (HeadObject); other errors are raised."""
    try:
        client.head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        err = translate(exc, bucket=bucket, key=key)
        if isinstance(err, NotFound) and not err.fatal:
            return False
        raise err from exc
    return True


def managed_copy(
    client: S3Client,
    source_bucket: str,
    source_key: str,
    bucket: str,
    key: str,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Copy one object with boto3's managed copy (multipart for big objects).

    It replaces whatever is at the target: callers that must not (a move) check first.
    """
    try:
        client.copy(
            {"Bucket": source_bucket, "Key": source_key},
            bucket,
            key,
            ExtraArgs=dict(extra) if extra else None,
        )
    except Exception as exc:
        raise translate(exc, bucket=bucket, key=source_key) from exc


# -- copies that do not replace --------------------------------------------------------
#: CopyObject copies at most 5 GiB; beyond, a multipart copy (which has no condition).
_COPY_OBJECT_MAX = 5 * 1024**3
#: Answers meaning "the conditional write found something there".
_PRECONDITION = {"PreconditionFailed", "412", "ConditionalRequestConflict"}
#: Answers of a server that does not understand a conditional copy at all.
_UNSUPPORTED = {"NotImplemented", "501", "InvalidArgument", "InvalidRequest"}


def _aws_endpoint(client: S3Client) -> bool:
    host = urlsplit(str(client.meta.endpoint_url)).hostname or ""
    return host == "amazonaws.com" or host.endswith(".amazonaws.com")


class KeyCopier:
    """Copies keys within a bucket, replacing a target only when told to (a move's copy).

    On AWS a conditional CopyObject (``If-None-Match: *``) refuses an existing target
    by itself. Other servers also get a HEAD of the target right before the copy, since
    some ignore the condition and replace (moto does); where it is honoured (SeaweedFS),
    the condition closes the gap between the two. Objects over 5 GiB, and servers that
    refuse the condition, get the HEAD and then boto3's managed (multipart) copy.
    One copier serves one run: it remembers a server that refuses the condition.
    """

    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        self.trust_condition = _aws_endpoint(client)
        self.send_condition = True

    def copy(
        self, old: str, new: str, *, replace: bool, extra: Mapping[str, Any] | None = None
    ) -> bool:
        """Copy ``old`` to ``new``; False when ``new`` exists and ``replace`` is False.

        ``extra`` are the copy's arguments (what the copy must carry over: headers,
        encryption, grants, tags); a folder marker takes none.
        """
        if old.endswith("/") and new.endswith("/"):
            put_marker(self.client, self.bucket, new)
            return True
        args = dict(extra or {})
        if replace:
            managed_copy(self.client, self.bucket, old, self.bucket, new, args)
            return True
        if not self.trust_condition and object_exists(self.client, self.bucket, new):
            return False
        if not self.send_condition:  # this server refuses the condition: HEAD was enough
            managed_copy(self.client, self.bucket, old, self.bucket, new, args)
            return True
        try:
            self.client.copy_object(
                Bucket=self.bucket,
                Key=new,
                CopySource={"Bucket": self.bucket, "Key": old},
                IfNoneMatch="*",
                **args,
            )
        except Exception as exc:
            err = translate(exc, bucket=self.bucket, key=old)
            if err.code in _PRECONDITION:
                return False
            if err.code in _UNSUPPORTED and not err.fatal:
                # Too big for CopyObject, or a server that refuses the condition.
                if self._source_size(old) <= _COPY_OBJECT_MAX:
                    self.send_condition = self.trust_condition = False
                return self._large(old, new, args)
            raise err from exc
        return True

    def _source_size(self, key: str) -> int:
        return object_properties(self.client, self.bucket, key).size

    def _large(self, old: str, new: str, args: dict[str, Any]) -> bool:
        """A copy without condition (multipart when big), right after a HEAD of ``new``."""
        if object_exists(self.client, self.bucket, new):
            return False
        managed_copy(self.client, self.bucket, old, self.bucket, new, args)
        return True


def put_marker(client: S3Client, bucket: str, key: str) -> None:
    """Put the folder marker ``key`` unless something is there (a marker holds nothing)."""
    try:
        client.put_object(Bucket=bucket, Key=key, Body=b"", IfNoneMatch="*")
    except Exception as exc:
        err = translate(exc, bucket=bucket, key=key)
        if err.code in _PRECONDITION:
            return
        if err.code not in _UNSUPPORTED or err.fatal:
            raise err from exc
        if not object_exists(client, bucket, key):
            create_folder(client, bucket, key)


def put_unless_changed(
    client: S3Client, bucket: str, key: str, body: bytes, etag: str | None, **args: Any
) -> bool:
    """Put ``key`` only if it is still as last seen: absent (``etag`` None) or holding
    ``etag``. False when something else is there now (nothing was written).

    A conditional PutObject where the server honours it; a server that refuses the
    condition gets a HEAD right before a plain put instead.
    """
    condition: dict[str, Any] = {"IfNoneMatch": "*"} if etag is None else {"IfMatch": f'"{etag}"'}
    try:
        client.put_object(Bucket=bucket, Key=key, Body=body, **condition, **args)
    except Exception as exc:
        err = translate(exc, bucket=bucket, key=key)
        if err.code in _PRECONDITION or (etag and isinstance(err, NotFound) and not err.fatal):
            return False
        if err.code not in _UNSUPPORTED or err.fatal:
            raise err from exc
    else:
        return True
    try:
        now: str | None = object_properties(client, bucket, key).etag
    except NotFound as err:
        if err.fatal:
            raise
        now = None
    if now != etag:
        return False
    try:
        client.put_object(Bucket=bucket, Key=key, Body=body, **args)
    except Exception as exc:
        raise translate(exc, bucket=bucket, key=key) from exc
    return True
