"""The links handed out when an upload ends: the window's *After upload: copy link* and
the command line's ``upload --print-link`` choose among the same five answers here, and
both get their links from ``make_links``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING

from s3uploader_gui.core.operations.links import LinkFormat, LinkKind, Links, make_links
from s3uploader_gui.core.sharing import DEFAULT_EXPIRY_SECONDS

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.client import S3Context


class UploadLinks(enum.StrEnum):
    """Which link an upload hands out (the value is the setting and the CLI word)."""

    OFF = "off"
    #: The public (unsigned) address: the profile's public base URL when it has one.
    URL = "url"
    #: A presigned link: works for anyone, for a while.
    PRESIGNED = "presigned"
    #: A Markdown line (an image is embedded).
    MARKDOWN = "markdown"
    #: An HTML tag (``<img>`` for images, ``<a>`` otherwise).
    HTML = "html"


def link_style(choice: UploadLinks, base_url: str | None = None) -> tuple[LinkKind, LinkFormat]:
    """The kind of address and the text format of ``choice``.

    Markdown and HTML go into pages that outlive a presigned link's hour: they use the
    public address when the profile names one (a CDN or website, where objects are meant
    to be read), and otherwise a presigned link, which at least works when pasted.
    """
    choice = UploadLinks(choice)
    if choice is UploadLinks.OFF:
        raise ValueError("no links are made when the choice is off")
    if choice is UploadLinks.URL:
        return LinkKind.PUBLIC, LinkFormat.URL
    if choice is UploadLinks.PRESIGNED:
        return LinkKind.PRESIGNED, LinkFormat.URL
    kind = LinkKind.PUBLIC if base_url else LinkKind.PRESIGNED
    return kind, LinkFormat(choice.value)


def links_for_uploads(
    context: S3Context,
    objects: Sequence[tuple[str, str]],
    choice: UploadLinks,
    *,
    seconds: int = DEFAULT_EXPIRY_SECONDS,
    base_url: str | None = None,
) -> Links:
    """The links of the uploaded ``objects`` ((bucket, key), in the order given) as
    ``choice`` asks; presigned ones last ``seconds``. No request is sent, but presigning
    may refresh the credentials: call it off the GUI thread."""
    kind, fmt = link_style(choice, base_url)
    return make_links(
        context, objects, kind=kind, seconds=seconds, base_url=base_url or None, fmt=fmt
    )
