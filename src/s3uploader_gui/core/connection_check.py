""" "Test connection": one quick, precise answer about a profile's settings.

``check_connection`` never raises: it returns a ``CheckResult`` whose ``error`` is the
typed ``AppError`` (unknown access key, wrong secret, clock skew with the offset,
unreachable endpoint or TLS failure naming the host, SSO login needed...). When the key
may not list buckets, it says so and, given a bucket name, tests that bucket instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from s3uploader_gui.core import aws_config
from s3uploader_gui.core.errors import AccessDenied, AppError, NotFound, translate
from s3uploader_gui.core.s3.client import S3Client, make_client, make_session
from s3uploader_gui.core.s3.settings import ConnectionSettings


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a connection test.

    ``ok``: the settings work. ``bucket_count``: buckets listed (None when listing was
    denied). ``bucket``: the bucket tested instead when listing was denied.
    ``needs_bucket``: listing was denied and no bucket was given: ask for one.
    ``can_list_bucket``: with ``bucket``, whether its objects can be listed.
    """

    ok: bool
    message: str
    host: str = ""
    bucket_count: int | None = None
    bucket: str | None = None
    needs_bucket: bool = False
    can_list_bucket: bool | None = None
    temporary: bool = False
    error: AppError | None = None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def check_connection(
    settings: ConnectionSettings,
    *,
    bucket: str | None = None,
    client: S3Client | None = None,
    timeout: float = 8.0,
) -> CheckResult:
    """Try ``settings``: ListBuckets, and on AccessDenied the given ``bucket``.

    Blocks on the network for up to about ``timeout`` seconds a request, without
    retries: call it from a worker thread.
    """
    endpoint = settings.endpoint_url
    host = urlsplit(endpoint).netloc if endpoint else ""
    temporary = bool(settings.session_token)
    try:
        if client is None:
            session = make_session(settings)
            if settings.aws_profile and not settings.access_key_id:
                temporary = aws_config.check_credentials(session, settings.aws_profile)
            client = make_client(
                settings,
                session=session,
                max_attempts=1,
                connect_timeout=timeout,
                read_timeout=timeout,
            )
        endpoint = str(client.meta.endpoint_url)
        host = urlsplit(endpoint).netloc or endpoint
        try:
            answer: Any = client.list_buckets()
        except Exception as exc:
            err = translate(exc, endpoint=endpoint)
            if not isinstance(err, AccessDenied):
                raise err from None
            return _check_bucket(client, bucket, endpoint, host, temporary)
        count = len(answer.get("Buckets", []))
        return CheckResult(
            ok=True,
            message=f"Connected to {host}: {_plural(count, 'bucket')} visible.",
            host=host,
            bucket_count=count,
            temporary=temporary,
        )
    except Exception as exc:
        err = translate(exc, endpoint=endpoint)
        return CheckResult(ok=False, message=err.message, host=host, error=err)


def _check_bucket(
    client: S3Client, bucket: str | None, endpoint: str, host: str, temporary: bool
) -> CheckResult:
    """Listing buckets was denied: the key is valid; try the one bucket the user names."""
    if not bucket:
        return CheckResult(
            ok=False,
            message=(
                "The credentials are valid but may not list buckets: enter the name of a "
                "bucket to test."
            ),
            host=host,
            needs_bucket=True,
            temporary=temporary,
            error=AccessDenied("Access denied to ListBuckets.", code="AccessDenied"),
        )
    try:
        client.list_objects_v2(Bucket=bucket, MaxKeys=1)
    except Exception as exc:
        err = translate(exc, bucket=bucket, endpoint=endpoint)
        if not isinstance(err, AccessDenied):
            if isinstance(err, NotFound):
                err.message = f"The bucket “{bucket}” does not exist."
            raise err from None
    else:
        return CheckResult(
            ok=True,
            message=f"Connected to {host}: bucket “{bucket}” works (listing all buckets "
            "is not allowed for this key).",
            host=host,
            bucket=bucket,
            can_list_bucket=True,
            temporary=temporary,
        )
    try:
        client.head_bucket(Bucket=bucket)
    except Exception as exc:
        err = translate(exc, bucket=bucket, endpoint=endpoint)
        if isinstance(err, AccessDenied):
            err.message = (
                f"Access denied to bucket “{bucket}”: this key may not use it (check the "
                "bucket name and the key's policy)."
            )
        raise err from None
    return CheckResult(
        ok=True,
        message=f"Connected to {host}: bucket “{bucket}” exists, but this key may not list "
        "its objects (uploads may still work).",
        host=host,
        bucket=bucket,
        can_list_bucket=False,
        temporary=temporary,
    )
