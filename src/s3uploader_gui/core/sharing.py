"""Presigned and public links to objects: the URLs, the credentials' real lifetime and
the text formats. ``core.operations.links.make_links`` is what the faces call.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from s3uploader_gui.core.errors import ConfigError, translate
from s3uploader_gui.core.naming import is_image_name
from s3uploader_gui.core.s3.client import (
    S3Client,
    S3Context,
    has_no_virtual_hosts,
    is_aws_endpoint,
)

#: SigV4 presigned URLs are valid for at most seven days.
MAX_EXPIRY_SECONDS = 7 * 24 * 3600
DEFAULT_EXPIRY_SECONDS = 3600


def check_expiry(seconds: int) -> None:
    """Raise ``ConfigError`` unless a presigned link may last ``seconds`` (1 s to 7 days)."""
    if not 1 <= seconds <= MAX_EXPIRY_SECONDS:
        raise ConfigError(
            f"A presigned link can last from 1 second to 7 days ({MAX_EXPIRY_SECONDS} s); "
            f"{seconds} s is out of range."
        )


def presigned_get_url(
    client: S3Client, bucket: str, key: str, expires: int = DEFAULT_EXPIRY_SECONDS
) -> str:
    """A SigV4 presigned GET link to ``s3://bucket/key`` valid for ``expires`` seconds."""
    check_expiry(expires)
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


def s3_uri(bucket: str, key: str) -> str:
    """``s3://bucket/key`` exactly as the AWS CLI writes it (the key is not escaped)."""
    return f"s3://{bucket}/{key}"


def uses_path_style(context: S3Context, bucket: str) -> bool:
    """Whether public URLs for ``bucket`` use path style on this connection: as the
    client addresses it, wherever its endpoint came from (the profile,
    ``AWS_ENDPOINT_URL_S3`` or ``~/.aws``)."""
    endpoint = context.endpoint
    if has_no_virtual_hosts(endpoint):
        return True  # bucket.127.0.0.1 or bucket.localhost resolves nowhere
    style = context.settings.addressing_style
    if style == "path":
        return True
    if style == "virtual":
        return False
    if not is_aws_endpoint(endpoint):
        return True  # what make_config and botocore choose for "auto" on another server
    # A bucket name with dots breaks the TLS wildcard certificate of virtual hosts.
    return "." in bucket


def public_url_needs_region(context: S3Context, base_url: str | None = None) -> bool:
    """True when a public URL names a region (AWS's own regional host names)."""
    return not base_url and _default_aws_endpoint(context)


def _default_aws_endpoint(context: S3Context) -> bool:
    return is_aws_endpoint(context.endpoint) and not context.settings.endpoint_url


def public_url_for(
    context: S3Context,
    bucket: str,
    key: str,
    *,
    base_url: str | None = None,
    region: str | None = None,
) -> str:
    """The public (unsigned) URL of an object on this connection.

    ``base_url`` (a CDN or website address from the profile) wins when set. On AWS the
    regional virtual-hosted form is used (``bucket.s3.REGION.amazonaws.com``), with
    ``region``: the bucket's (``S3Context.bucket_region``), else the connection's.
    """
    if base_url:
        return public_url("", bucket, key, path_style=True, base_url=base_url)
    endpoint = context.endpoint
    path_style = uses_path_style(context, bucket)
    if _default_aws_endpoint(context):
        region = region or context.client.meta.region_name or "us-east-1"
        scheme = urlsplit(endpoint).scheme or "https"
        endpoint = urlunsplit((scheme, f"s3.{region}.amazonaws.com", "", "", ""))
    return public_url(endpoint, bucket, key, path_style=path_style)


# -- credentials and the real life of a link -------------------------------------------
@dataclass(frozen=True)
class CredentialInfo:
    """Whether the connection's credentials expire, and when (None: unknown)."""

    temporary: bool
    expires_at: dt.datetime | None = None


def credential_info(context: S3Context) -> CredentialInfo:
    """Inspect the connection's credentials (may refresh them: call off the GUI thread).

    botocore's refreshable credentials (SSO, assumed roles, container and instance
    roles) know their expiry time; plain keys with a session token do not tell it.
    """
    try:
        creds: Any = context.session.get_credentials()
    except Exception as exc:
        raise translate(exc) from exc
    if creds is None:
        return CredentialInfo(temporary=False)
    expiry = getattr(creds, "_expiry_time", None)
    if isinstance(expiry, dt.datetime):
        if expiry.tzinfo is None:
            expiry = expiry.replace(tzinfo=dt.UTC)
        return CredentialInfo(temporary=True, expires_at=expiry)
    try:
        frozen = creds.get_frozen_credentials()
    except Exception as exc:
        raise translate(exc) from exc
    return CredentialInfo(temporary=bool(frozen.token))


@dataclass(frozen=True)
class LinkLifetime:
    """When a presigned link stops working, and why."""

    requested_until: dt.datetime
    #: The real end: earlier than requested when the credentials expire first.
    until: dt.datetime | None
    temporary: bool

    @property
    def cut_short(self) -> bool:
        """True when the credentials end the link before the chosen expiry."""
        return self.until is not None and self.until < self.requested_until

    @property
    def unknown_end(self) -> bool:
        """True when temporary credentials of unknown expiry may end the link earlier."""
        return self.temporary and self.until is None


def link_lifetime(
    seconds: int, info: CredentialInfo, now: dt.datetime | None = None
) -> LinkLifetime:
    """The real lifetime of a link valid for ``seconds`` signed with these credentials."""
    now = now or dt.datetime.now(dt.UTC)
    requested = now + dt.timedelta(seconds=seconds)
    if not info.temporary:
        return LinkLifetime(requested, requested, False)
    if info.expires_at is None:
        return LinkLifetime(requested, None, True)
    return LinkLifetime(requested, min(requested, info.expires_at), True)


# -- text formats ----------------------------------------------------------------------
class LinkFormat(enum.StrEnum):
    URL = "url"
    MARKDOWN = "markdown"
    HTML = "html"


def _markdown_text(text: str) -> str:
    return "".join("\\" + c if c in "\\[]*_`<>" else c for c in text)


def _markdown_url(url: str) -> str:
    # Spaces and parentheses would end the link target early.
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def format_link(name: str, url: str, fmt: LinkFormat, *, image: bool | None = None) -> str:
    """One object as a URL, a Markdown link or an HTML tag (an image for images)."""
    if image is None:
        image = is_image_name(name)
    if fmt == LinkFormat.MARKDOWN:
        text = _markdown_text(name)
        target = _markdown_url(url)
        return f"![{text}]({target})" if image else f"[{text}]({target})"
    if fmt == LinkFormat.HTML:
        import html  # with its entity table: not start-up work

        src = html.escape(url, quote=True)
        alt = html.escape(name, quote=True)
        if image:
            return f'<img src="{src}" alt="{alt}">'
        return f'<a href="{src}">{html.escape(name, quote=False)}</a>'
    return url


def format_links(items: Sequence[tuple[str, str]], fmt: LinkFormat) -> str:
    """(name, url) pairs as text, one line per object."""
    return "\n".join(format_link(name, url, fmt) for name, url in items)
