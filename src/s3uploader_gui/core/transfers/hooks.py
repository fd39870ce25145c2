"""botocore event hooks an upload client needs: our own errors and cancelled batches are not
retried as network failures, a retry shows as "retrying…", and requests to this computer
skip "Expect: 100-continue"."""

from __future__ import annotations

import threading
from typing import Any

from s3uploader_gui.core.errors import AppError, Cancelled
from s3uploader_gui.core.s3.client import S3Client, is_loopback_http

#: The cancel token of the batch whose request runs on this thread.
current = threading.local()


def _stop_retrying_app_errors(
    caught_exception: BaseException | None = None, response: Any = None, **_: Any
) -> None:
    """botocore ``needs-retry`` hook: our own errors raised inside a request (Cancelled
    from a request body, a file that changed) must not be retried as network failures,
    and a cancelled batch must not sit through botocore's backoff."""
    failed = caught_exception is not None
    if not failed and response is not None:
        status = getattr(response[0], "status_code", 200) if response else 200
        failed = status >= 500 or status == 429
    token = getattr(current, "cancel", None)
    if failed and token is not None and token.cancelled:
        raise Cancelled()
    note = getattr(current, "on_retry", None)
    if failed and note is not None:
        note()  # botocore may retry: the item shows "retrying…"
    inner = getattr(caught_exception, "kwargs", {}).get("error") if caught_exception else None
    if isinstance(inner, AppError):
        raise inner
    if isinstance(caught_exception, AppError):
        raise caught_exception


_hooks_lock = threading.Lock()


def install_hooks(client: S3Client) -> None:
    """Once per client: no retries of our own errors; no 100-continue on loopback."""
    if getattr(client.meta, "_s3uploader_hooks", False):
        return
    with _hooks_lock:
        if not getattr(client.meta, "_s3uploader_hooks", False):
            _register_hooks(client)


def _register_hooks(client: S3Client) -> None:
    events = client.meta.events
    events.register_first("needs-retry.s3", _stop_retrying_app_errors)
    if is_loopback_http(client.meta.endpoint_url):
        # "Expect: 100-continue" saves sending a body a remote server would refuse; on
        # this computer it only adds a round trip (and CPU) to every request.
        import botocore.handlers

        events.unregister("before-call.s3", botocore.handlers.add_expect_header)
    client.meta._s3uploader_hooks = True  # type: ignore[attr-defined]
