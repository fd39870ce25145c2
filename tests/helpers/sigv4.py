"""botocore's own SigV4 for S3, as the reference the lean signer is held to, and a guard
that keeps tests off the network.

``botocore_signed`` signs a request with ``botocore.auth.S3SigV4Auth`` at a given time and
gives its Authorization header and canonical request; ``captured_url`` is the URL a client
of the app (``make_client``) would send an operation to, caught before anything is sent.
``loopback_only`` is a fixture body: host names resolve only to 127.0.0.1 (``localhost``
and any name under ``.test``, as a resolver for RFC 6761 names would), every other
look-up fails, so a test that reached for AWS fails instead of sending a packet.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock


@dataclass(frozen=True)
class BotocoreSigned:
    authorization: str
    canonical_request: str
    headers: dict[str, str]


def botocore_signed(
    method: str,
    url: str,
    headers: Mapping[str, str],
    *,
    access_key: str,
    secret_key: str,
    token: str | None,
    region: str,
    amz_date: str,
    sign_payload: bool,
    body: bytes = b"",
) -> BotocoreSigned:
    """``S3SigV4Auth.add_auth`` on ``method url`` with ``headers``, at ``amz_date``."""
    import botocore.auth
    import botocore.credentials
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config

    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    request.context["client_config"] = Config(s3={"payload_signing_enabled": sign_payload})
    signer = botocore.auth.S3SigV4Auth(
        botocore.credentials.Credentials(access_key, secret_key, token), "s3", region
    )
    at = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda: at):
        signer.add_auth(request)
    authorization = request.headers["Authorization"]
    del request.headers["Authorization"]
    canonical = signer.canonical_request(request)
    return BotocoreSigned(
        authorization, canonical, {k.lower(): v for k, v in request.headers.items()}
    )


class _Sent(Exception):
    """Raised by the capturing hook: the request was caught, nothing goes out."""


def captured_url(client: Any, operation: str, **params: Any) -> tuple[str, str]:
    """The method and URL ``client`` would send ``operation`` to (nothing is sent)."""
    caught: list[tuple[str, str]] = []

    def hook(request: Any, **_: Any) -> None:
        caught.append((request.method, request.url))
        raise _Sent

    client.meta.events.register_first("before-send.s3", hook)
    try:
        getattr(client, operation)(**params)
    except _Sent:
        pass
    finally:
        client.meta.events.unregister("before-send.s3", hook)
    assert caught, f"{operation} sent nothing"
    return caught[0]


def _loopback_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host in {"localhost", "127.0.0.1", "::1"} or host.endswith((".test", ".localhost"))


@contextmanager
def loopback_only() -> Iterator[None]:
    """Names under ``.test`` and ``.localhost`` resolve to 127.0.0.1; any other name that
    is not an address fails to resolve (no DNS query, no packet leaves the machine)."""
    real: Callable[..., Any] = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in {"127.0.0.1", "::1"}:
            return real(host, port, *args, **kwargs)
        if _loopback_name(name):
            return real("127.0.0.1", port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"{name}: not resolved in tests")

    with mock.patch.object(socket, "getaddrinfo", getaddrinfo):
        yield
