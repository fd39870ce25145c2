"""Publish a gallery page of images, as both faces do it.

The page (``core/gallery.py`` renders and uploads it) links every image with the same
kind of link as the page itself: presigned links for a private bucket, public URLs
otherwise. A presigned page says when its links stop working, which is when the
credentials that signed them end if that comes first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from s3uploader_gui.core.errors import ConfigError
from s3uploader_gui.core.gallery import PublishedGallery, gallery_images, publish_gallery
from s3uploader_gui.core.operations.links import LinkKind, link_maker
from s3uploader_gui.core.sharing import DEFAULT_EXPIRY_SECONDS, credential_info, link_lifetime

if TYPE_CHECKING:
    from s3uploader_gui.core.cancel import CancelToken
    from s3uploader_gui.core.s3.client import S3Context

__all__ = ["PublishedGallery", "publish"]


def publish(
    context: S3Context,
    bucket: str,
    keys: Sequence[str] = (),
    *,
    folder: str | None = None,
    public: bool = False,
    seconds: int = DEFAULT_EXPIRY_SECONDS,
    base_url: str | None = None,
    title: str = "",
    cancel: CancelToken | None = None,
) -> PublishedGallery:
    """Publish the images among ``keys``, or every image directly in ``folder``.

    The page goes next to the images (``index.html``, or ``gallery.html`` when an
    ``index.html`` this app did not write is there). ``public`` links use ``base_url``
    when set; presigned ones last ``seconds`` (at most 7 days). Raises ``ConfigError``
    when there are no images, or both ``keys`` and ``folder`` are given.
    """
    if folder is not None and keys:
        raise ConfigError("Publish either chosen images or a folder's images, not both.")
    kind = LinkKind.PUBLIC if public else LinkKind.PRESIGNED
    url_for = link_maker(context, kind, seconds=seconds, base_url=base_url)
    if folder is not None:
        keys = gallery_images(context.client, bucket, folder, cancel=cancel)
    expires = None
    if not public:
        lifetime = link_lifetime(seconds, credential_info(context))
        expires = lifetime.until or lifetime.requested_until
    if cancel is not None:
        cancel.raise_if_cancelled()
    return publish_gallery(
        context.client,
        bucket,
        keys,
        lambda key: url_for(bucket, key),
        title=title,
        expires_at=expires,
    )
