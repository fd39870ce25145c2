"""A shareable gallery page: a plain ``index.html`` next to the images it shows.

The page is self-contained HTML and CSS (no scripts, no fonts or styles from elsewhere),
so once opened it keeps working offline for the images the browser has loaded. Every
key, name and URL is escaped: keys are chosen by whoever uploaded them. The faces call
``core.operations.gallery.publish``, which chooses the images and the links.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError, ConfigError
from s3uploader_gui.core.naming import is_image_name
from s3uploader_gui.core.objects import object_properties, put_unless_changed
from s3uploader_gui.core.s3.client import S3Client
from s3uploader_gui.core.s3.listing import iter_objects

INDEX_NAME = "index.html"
#: Used when the folder already has an index.html that this app did not write; then
#: "gallery-2.html", "gallery-3.html"... while those are someone else's too.
FALLBACK_NAME = "gallery.html"
#: How many page names are tried before giving up (a folder full of others' pages).
MAX_PAGE_NAMES = 100
#: User metadata that marks a page as ours (so publishing again may replace it).
GENERATOR = "s3uploader-gui gallery"

_CSS = """
:root { color-scheme: light dark; }
body { font-family: system-ui, sans-serif; margin: 0; padding: 1.5rem;
       background: Canvas; color: CanvasText; }
h1 { font-weight: 600; font-size: 1.4rem; margin: 0 0 .25rem; }
p.meta { margin: 0 0 1.25rem; opacity: .7; font-size: .9rem; }
ul.grid { list-style: none; margin: 0; padding: 0; display: grid; gap: 1rem;
          grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); }
li figure { margin: 0; }
li a { color: inherit; text-decoration: none; display: block; }
li img { width: 100%; aspect-ratio: 4 / 3; object-fit: cover; border-radius: 6px;
         background: rgba(127, 127, 127, .15); display: block; }
li figcaption { font-size: .85rem; margin-top: .35rem; overflow-wrap: anywhere; }
footer { margin-top: 2rem; font-size: .8rem; opacity: .6; }
"""


@dataclass(frozen=True)
class GalleryItem:
    """One picture of the page."""

    key: str
    url: str

    @property
    def name(self) -> str:
        return self.key.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class PublishedGallery:
    """Where the page went and the link to it."""

    bucket: str
    key: str
    url: str
    count: int
    #: When the presigned links on the page stop working (None: public links).
    expires_at: dt.datetime | None = None


def render_gallery(
    title: str,
    items: Sequence[GalleryItem],
    *,
    expires_at: dt.datetime | None = None,
) -> str:
    """The page as a string; ``expires_at`` says when presigned links stop working."""
    import html  # with its entity table: not start-up work

    e = html.escape
    cells = []
    for item in items:
        url, name = e(item.url, quote=True), e(item.name, quote=True)
        cells.append(
            f'<li><figure><a href="{url}" title="{e(item.key, quote=True)}">'
            f'<img src="{url}" alt="{name}" loading="lazy" decoding="async"></a>'
            f"<figcaption>{e(item.name, quote=False)}</figcaption></figure></li>"
        )
    count = f"{len(items)} image{'s' if len(items) != 1 else ''}"
    expiry = ""
    if expires_at is not None:
        when = expires_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        expiry = f" The links on this page stop working on {e(when)}."
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{e(GENERATOR)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{e(title, quote=False)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<h1>{e(title, quote=False)}</h1>\n<p class="meta">{count}</p>\n'
        '<ul class="grid">\n' + "\n".join(cells) + "\n</ul>\n"
        f"<footer>Made with s3uploader-gui.{expiry}</footer>\n</body>\n</html>\n"
    )


def common_folder(keys: Sequence[str]) -> str:
    """The deepest folder ("a/b/" or "") that holds every key."""
    if not keys:
        return ""
    folders = [k.rsplit("/", 1)[0] + "/" if "/" in k else "" for k in keys]
    first = folders[0].split("/")
    depth = len(first)
    for folder in folders[1:]:
        parts = folder.split("/")
        depth = min(depth, len(parts))
        for i in range(depth):
            if parts[i] != first[i]:
                depth = i
                break
    common = "/".join(first[:depth])
    return common + "/" if common and not common.endswith("/") else common


def gallery_images(
    client: S3Client, bucket: str, prefix: str, *, cancel: CancelToken | None = None
) -> list[str]:
    """The image keys directly in folder ``prefix`` (not in its subfolders), in key order."""
    keys: list[str] = []
    for page in iter_objects(client, bucket, prefix, recursive=False, cancel=cancel):
        keys.extend(o.key for o in page.objects if is_image_name(o.key))
    return keys


def page_names(folder: str) -> list[str]:
    """Every key the page may take in ``folder``, in the order they are tried."""
    stem, dot, ext = FALLBACK_NAME.rpartition(".")
    extra = [f"{stem}-{n}{dot}{ext}" for n in range(2, MAX_PAGE_NAMES)]
    return [folder + name for name in [INDEX_NAME, FALLBACK_NAME, *extra]]


def _page_state(client: S3Client, bucket: str, key: str) -> tuple[bool, str | None]:
    """(free, etag): free when nothing is at ``key`` (etag None) or a page this app
    wrote is (its etag); not free when someone else's object is there."""
    try:
        props = object_properties(client, bucket, key)
    except AppError as err:
        if err.code in {"404", "NoSuchKey", "NotFound"}:
            return True, None
        raise
    return props.metadata.get("generator") == GENERATOR, props.etag


def _put_page(client: S3Client, bucket: str, folder: str, page: bytes) -> str:
    """Upload ``page`` under the first name in ``folder`` that is free or ours; its key.

    Every name is checked for this app's marker, not only index.html: a page of someone
    else's is never replaced. The put is conditional on what the check saw, so a page
    written there meanwhile is not replaced either (the next name is tried).
    """
    for key in page_names(folder):
        free, etag = _page_state(client, bucket, key)
        if not free:
            continue
        if put_unless_changed(
            client,
            bucket,
            key,
            page,
            etag,
            ContentType="text/html; charset=utf-8",
            CacheControl="no-cache",
            Metadata={"generator": GENERATOR},
        ):
            return key
    raise ConfigError(
        f"“{folder or '/'}” already holds {MAX_PAGE_NAMES} pages that this app did not "
        "write: remove some, or publish elsewhere."
    )


def publish_gallery(
    client: S3Client,
    bucket: str,
    keys: Sequence[str],
    link: Callable[[str], str],
    *,
    title: str = "",
    expires_at: dt.datetime | None = None,
) -> PublishedGallery:
    """Render the page for ``keys``, upload it next to them, return its link.

    ``link(key)`` gives the URL of an object (presigned or public): it is used for the
    images and for the page itself.
    """
    images = [k for k in keys if is_image_name(k)]
    if not images:
        raise ConfigError("There are no images to put in a gallery.")
    folder = common_folder(images)
    title = title.strip() or (folder.rstrip("/").rsplit("/", 1)[-1] or bucket)
    items = [GalleryItem(k, link(k)) for k in images]
    page = render_gallery(title, items, expires_at=expires_at)
    key = _put_page(client, bucket, folder, page.encode("utf-8"))
    return PublishedGallery(
        bucket=bucket, key=key, url=link(key), count=len(items), expires_at=expires_at
    )
