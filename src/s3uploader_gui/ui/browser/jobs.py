"""The bodies of the browser's long operations, run on worker threads (no widgets here).

They are moved here unchanged from the pane; each will become a core operation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.gallery import PublishedGallery, gallery_images, publish_gallery
from s3uploader_gui.core.objects import (
    delete_keys,
    delete_prefix,
    move_objects,
    plan_move,
)
from s3uploader_gui.core.s3client import S3Context
from s3uploader_gui.core.sharing import (
    CredentialInfo,
    credential_info,
    presigned_get_url,
    public_url_for,
)


class _Counter:
    """Items done out of a total (0: unknown), shared with a worker thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done = 0
        self.total = 0

    def add(self, n: int = 1) -> None:
        with self._lock:
            self.done += n

    def set_total(self, n: int) -> None:
        with self._lock:
            self.total = n

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return self.done, self.total


def _presign_all(
    context: S3Context, objects: list[tuple[str, str]], seconds: int
) -> tuple[list[str], CredentialInfo]:
    """One presigned link per (bucket, key), and what the credentials allow."""
    info = credential_info(context)
    client = context.client
    return [presigned_get_url(client, b, k, seconds) for b, k in objects], info


def _links(
    context: S3Context,
    objects: list[tuple[str, str]],
    public: bool,
    seconds: int,
    base_url: str,
) -> list[tuple[str, str]]:
    """(name, url) per object: public URLs or presigned links."""
    out = []
    for bucket, key in objects:
        if public:
            url = public_url_for(context, bucket, key, base_url=base_url or None)
        else:
            url = presigned_get_url(context.client, bucket, key, seconds)
        out.append((key.rsplit("/", 1)[-1] or key, url))
    return out


def _delete_job(
    context: S3Context,
    bucket: str,
    keys: list[str],
    prefixes: list[str],
    *,
    counter: _Counter,
    cancel: CancelToken,
) -> tuple[int, list[str]]:
    """Delete objects (batched) and folders (recursively); (deleted, problems)."""
    client = context.client
    deleted = 0
    problems: list[str] = []
    counter.set_total(len(keys))
    if keys:
        result = delete_keys(client, bucket, keys, progress=counter.add, cancel=cancel)
        deleted += len(result.deleted)
        problems += [err.message for _, err in result.failed]
    for prefix in prefixes:
        result = delete_prefix(client, bucket, prefix, progress=counter.add, cancel=cancel)
        deleted += len([k for k in result.deleted if k != prefix])
        problems += [err.message for _, err in result.failed]
    return deleted, problems


def _move_job(
    context: S3Context,
    bucket: str,
    source: str,
    target: str,
    *,
    counter: _Counter,
    cancel: CancelToken,
) -> tuple[int, list[str]]:
    """Rename or move an object or a folder (copy, then delete the originals)."""
    pairs = plan_move(context.client, bucket, source, target, cancel=cancel)
    counter.set_total(len(pairs))
    result = move_objects(context.client, bucket, pairs, progress=counter.add, cancel=cancel)
    return len(result.moved), [err.message for _, err in result.failed]


def _gallery_job(
    context: S3Context,
    bucket: str,
    keys: list[str],
    folder: str | None,
    public: bool,
    seconds: int,
    base_url: str,
    title: str,
    *,
    cancel: CancelToken,
) -> PublishedGallery:
    """Find the images (a folder's, or the given keys) and publish their gallery page."""
    import datetime as dt

    if folder is not None:
        keys = gallery_images(context.client, bucket, folder, cancel=cancel)

    def link(key: str) -> str:
        if public:
            return public_url_for(context, bucket, key, base_url=base_url or None)
        return presigned_get_url(context.client, bucket, key, seconds)

    expires = None
    if not public:
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
        info = credential_info(context)
        if info.expires_at is not None:
            expires = min(expires, info.expires_at)
    return publish_gallery(context.client, bucket, keys, link, title=title, expires_at=expires)


def _tagged(tag: str, fn: Callable[..., Any]) -> Callable[..., tuple[str, Any]]:
    def run(*args: Any, **kwargs: Any) -> tuple[str, Any]:
        return tag, fn(*args, **kwargs)

    run.__name__ = getattr(fn, "__name__", tag)
    return run


def _call(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Adapt a core function taking a client to a worker body taking the context."""

    def run(context: S3Context, *args: Any, cancel: CancelToken | None = None, **kw: Any) -> Any:
        return fn(context.client, *args, **kw)

    run.__name__ = getattr(fn, "__name__", "call")
    return run
