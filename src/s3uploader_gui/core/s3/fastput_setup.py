"""Whether a connection may take the lean request path, and the ``FastPut`` for it.

The lean path is used only where it sends exactly what botocore would: a custom endpoint
in path style, no proxy, no client certificate, SigV4, TLS verified like botocore
(``S3UPLOADER_FAST_PATH=0`` turns it off). Everything else stays on botocore.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from s3uploader_gui.core.s3.fastput import FastPut
from s3uploader_gui.core.s3.signing import Credentials

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.settings import ConnectionSettings


def explicit_keys(settings: ConnectionSettings) -> bool:
    """Whether the connection names its keys (not a profile or boto3's chain)."""
    return bool(settings.access_key_id and settings.secret_access_key)


def for_settings(settings: ConnectionSettings) -> FastPut | None:
    """A FastPut from the connection settings alone (explicit keys, custom path-style
    endpoint, a region), which spares building a botocore client; else None."""
    endpoint = settings.endpoint_url or ""
    addressing = settings.addressing_style
    if addressing == "auto" and endpoint:
        addressing = "path"  # as make_config does for custom endpoints
    if (
        os.environ.get("S3UPLOADER_FAST_PATH", "1") == "0"
        or not explicit_keys(settings)
        or not endpoint
        or not settings.region
        or addressing != "path"
        or "amazonaws.com" in endpoint
        or urllib.request.getproxies()
    ):
        return None
    creds = Credentials(
        str(settings.access_key_id), str(settings.secret_access_key), settings.session_token
    )
    return _make(endpoint, settings.region, lambda: creds)


def for_client(client: Any, session: Any) -> FastPut | None:
    """A FastPut for ``client`` when it would send exactly the same requests; else None."""
    if os.environ.get("S3UPLOADER_FAST_PATH", "1") == "0":
        return None
    meta = client.meta
    endpoint = str(meta.endpoint_url or "")
    config = meta.config
    s3 = getattr(config, "s3", None) or {}
    if s3.get("addressing_style") != "path" or "amazonaws.com" in endpoint:
        return None
    if getattr(config, "proxies", None) or urllib.request.getproxies():
        return None
    if getattr(config, "client_cert", None) or getattr(config, "signature_version", "") != "s3v4":
        return None
    source = session.get_credentials()
    if source is None:
        return None

    def credentials() -> Credentials:
        frozen = source.get_frozen_credentials()  # refreshes temporary credentials
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token)

    return _make(
        endpoint,
        str(meta.region_name or "us-east-1"),
        credentials,
        ca_bundle=_ca_bundle(session) if endpoint.startswith("https://") else None,
        connect_timeout=float(getattr(config, "connect_timeout", 10) or 10),
        read_timeout=float(getattr(config, "read_timeout", 60) or 60),
    )


def _ca_bundle(session: Any) -> str | None:
    """The profile's ``ca_bundle`` (a boto3 Session keeps it on its botocore session)."""
    core = getattr(session, "_session", session)
    value = core.get_config_variable("ca_bundle")
    return str(value) if value else None


def _make(
    endpoint: str,
    region: str,
    credentials: Callable[[], Credentials],
    *,
    ca_bundle: str | None = None,
    connect_timeout: float = 10.0,
    read_timeout: float = 60.0,
) -> FastPut | None:
    """A FastPut verifying TLS like botocore (AWS_CA_BUNDLE, the profile's, its own CAs);
    None for an endpoint it cannot use."""
    from s3uploader_gui.core.s3.client import is_loopback_http

    https = endpoint.startswith("https://")
    ca_file: str | None = None
    if https:
        import botocore.httpsession

        ca_file = str(
            os.environ.get("AWS_CA_BUNDLE") or ca_bundle or botocore.httpsession.get_cert_path(True)
        )
    try:
        return FastPut(
            endpoint,
            region,
            credentials,
            # Over TLS, or on this computer, a CRC32 checksum header guards the bytes.
            sign_payload=not (https or is_loopback_http(endpoint)),
            ca_file=ca_file,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
    except ValueError:
        return None
