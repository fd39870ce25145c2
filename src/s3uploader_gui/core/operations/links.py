"""Links to objects (presigned, public, ``s3://``) as both faces hand them out.

A presigned link lives at most seven days and dies with the credentials that signed it:
``make_links`` says when it really stops working (``lifetime``), so a face never
promises a week when the SSO session ends tonight.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.sharing import (
    DEFAULT_EXPIRY_SECONDS,
    CredentialInfo,
    LinkFormat,
    LinkLifetime,
    check_expiry,
    credential_info,
    format_link,
    link_lifetime,
    presigned_get_url,
    public_url_for,
    public_url_needs_region,
    s3_uri,
)

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.client import S3Context

__all__ = [
    "Link",
    "LinkFormat",
    "LinkKind",
    "Links",
    "link_maker",
    "make_links",
]


class LinkKind(enum.StrEnum):
    """What kind of address to hand out."""

    #: Signed, works for anyone holding it until it expires.
    PRESIGNED = "presigned"
    #: Unsigned: works only for publicly readable objects (or through ``base_url``).
    PUBLIC = "public"
    #: ``s3://bucket/key``, for tools that have their own credentials.
    S3_URI = "s3-uri"


@dataclass(frozen=True)
class Link:
    """One object's link, and the line to copy for it in the chosen format."""

    bucket: str
    key: str
    name: str
    url: str
    line: str


@dataclass(frozen=True)
class Links:
    """One row per object, in the order given, and how long presigned ones last."""

    kind: LinkKind
    fmt: LinkFormat
    links: tuple[Link, ...]
    failed: tuple[tuple[str, AppError], ...] = ()
    #: Presigned links only: the validity asked for, in seconds.
    seconds: int | None = None
    #: Presigned links only: the credentials that signed them.
    credentials: CredentialInfo | None = None
    #: Presigned links only: when they really stop working (temporary credentials may
    #: end them before ``seconds``).
    lifetime: LinkLifetime | None = None

    @property
    def text(self) -> str:
        """Every line, one per object (what goes on the clipboard)."""
        return "\n".join(link.line for link in self.links)

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(link.url for link in self.links)


def _name(key: str) -> str:
    return key.rstrip("/").rsplit("/", 1)[-1] or key


def link_maker(
    context: S3Context,
    kind: LinkKind,
    *,
    seconds: int = DEFAULT_EXPIRY_SECONDS,
    base_url: str | None = None,
) -> Callable[[str, str], str]:
    """``url(bucket, key)`` for links of ``kind`` on this connection.

    ``base_url`` (a CDN or website address) is used for public links when set.
    """
    if kind == LinkKind.PRESIGNED:
        check_expiry(seconds)
        # Signed for the bucket's own region: AWS refuses a link signed for another.
        client_for = functools.cache(context.link_client)  # once per bucket here
        return lambda bucket, key: presigned_get_url(client_for(bucket), bucket, key, seconds)
    if kind == LinkKind.PUBLIC:
        base = base_url or None
        region_of = functools.cache(context.bucket_region)
        if not public_url_needs_region(context, base):
            return lambda bucket, key: public_url_for(context, bucket, key, base_url=base)
        return lambda bucket, key: public_url_for(
            context, bucket, key, base_url=base, region=region_of(bucket)
        )
    return s3_uri


def make_links(
    context: S3Context,
    objects: Sequence[tuple[str, str]],
    *,
    kind: LinkKind = LinkKind.PRESIGNED,
    seconds: int = DEFAULT_EXPIRY_SECONDS,
    base_url: str | None = None,
    fmt: LinkFormat = LinkFormat.URL,
) -> Links:
    """A link per (bucket, key), formatted as ``fmt`` (a URL, Markdown or HTML line).

    For presigned links the credentials are inspected once (this may refresh them: call
    it off the GUI thread) to tell when the links really stop working. An expiry out of
    range (1 s to 7 days) or credentials that cannot sign raise; a link that cannot be
    made for one object is a row of ``failed``.
    """
    kind = LinkKind(kind)
    url_for = link_maker(context, kind, seconds=seconds, base_url=base_url)
    credentials = lifetime = None
    if kind == LinkKind.PRESIGNED:
        credentials = credential_info(context)
        lifetime = link_lifetime(seconds, credentials)
    links: list[Link] = []
    failed: list[tuple[str, AppError]] = []
    for bucket, key in objects:
        try:
            url = url_for(bucket, key)
        except AppError as err:
            if err.fatal:
                raise
            failed.append((key, err))
            continue
        name = _name(key)
        links.append(Link(bucket, key, name, url, format_link(name, url, fmt)))
    return Links(
        kind=kind,
        fmt=fmt,
        links=tuple(links),
        failed=tuple(failed),
        seconds=seconds if kind == LinkKind.PRESIGNED else None,
        credentials=credentials,
        lifetime=lifetime,
    )
