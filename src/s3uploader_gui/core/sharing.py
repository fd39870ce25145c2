"""Presigned and public links to objects."""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

from s3uploader_gui.core.errors import ConfigError, translate
from s3uploader_gui.core.s3client import S3Client

#: SigV4 presigned URLs are valid for at most seven days.
MAX_EXPIRY_SECONDS = 7 * 24 * 3600
DEFAULT_EXPIRY_SECONDS = 3600


def presigned_get_url(
    client: S3Client, bucket: str, key: str, expires: int = DEFAULT_EXPIRY_SECONDS
) -> str:
    """A SigV4 presigned GET link to ``s3://bucket/key`` valid for ``expires`` seconds."""
    if not 1 <= expires <= MAX_EXPIRY_SECONDS:
        raise ConfigError(
            f"A presigned link can last from 1 second to 7 days ({MAX_EXPIRY_SECONDS} s); "
            f"{expires} s is out of range."
        )
    try:
        url: str = client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
        )
    except Exception as exc:
        raise translate(exc, bucket=bucket, key=key) from exc
    if not url:
        raise ConfigError("The S3 client produced an empty link.")
    return url


def public_url(
    endpoint_url: str,
    bucket: str,
    key: str,
    *,
    path_style: bool,
    base_url: str | None = None,
) -> str:
    """The unsigned URL of an object (works only for publicly readable objects)."""
    quoted = quote(key, safe="/~")
    if base_url:
        return base_url.rstrip("/") + "/" + quoted
    parts = urlsplit(endpoint_url)
    if path_style:
        path = parts.path.rstrip("/") + "/" + quote(bucket, safe="") + "/" + quoted
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    netloc = f"{bucket}.{parts.netloc}"
    return urlunsplit((parts.scheme, netloc, "/" + quoted, "", ""))
