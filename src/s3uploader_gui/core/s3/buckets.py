"""Whether a bucket exists: the one HEAD that the command line's bucket check and the
local storage's wait both send, kept apart from ``core.objects`` so that asking it loads
nothing of listings (re-exported there as ``bucket_exists``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from s3uploader_gui.core.errors import translate

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.client import S3Client


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
