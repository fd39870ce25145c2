"""Whether a connection takes the lean request path, and the ``FastPut`` for it.

Every way of connecting takes it, decided from the settings and botocore's configuration
(no client is built for it): credentials from any source botocore resolves (explicit
keys, ``AWS_*`` variables, ``~/.aws`` keys, SSO, assumed roles, a ``credential_process``,
session tokens), read afresh for every request so that refreshed ones are used; the
endpoint given, configured (``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL``, ``~/.aws``) or
AWS itself; path-style or virtual-hosted addressing; HTTP, or HTTPS verified against
``AWS_CA_BUNDLE``, the profile's ``ca_bundle`` or botocore's own CA bundle.

It declines, and botocore sends everything, where it could not send what botocore would:
``S3UPLOADER_FAST_PATH=0``; a proxy that applies to the endpoint (``HTTPS_PROXY``,
``HTTP_PROXY`` not bypassed by ``NO_PROXY``: botocore tunnels through it, the lean path
has no proxy code); FIPS, dual-stack or accelerated endpoints; an AWS partition it does
not know; no credentials at all (botocore then says what is missing); a client whose
endpoint, region or addressing differs from what was worked out here. Per bucket, S3
Express directory buckets (``--x-s3``) on AWS stay on botocore (``serves``).

Where the keys and settings are certain without botocore (keys in the environment or the
connection's own, ``core.s3.env_config``), its session is not even loaded.

Every decision says why (``Decision.reason``); the engine reports it as the request path
(``TransferEngine.request_path``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from s3uploader_gui.core.s3.fastput import FastPut
from s3uploader_gui.core.s3.routing import Addressing, Style, aws_suffix
from s3uploader_gui.core.s3.signing import Credentials

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.client import S3Context
    from s3uploader_gui.core.s3.settings import ConnectionSettings


@dataclass(frozen=True)
class Decision:
    """The lean sender for a connection, or None; and in a few words why."""

    fast: FastPut | None
    reason: str


def explicit_keys(settings: ConnectionSettings) -> bool:
    """Whether the connection names its keys (not a profile or boto3's chain)."""
    return bool(settings.access_key_id and settings.secret_access_key)


def decide(context: S3Context, client: Any | None = None) -> Decision:
    """The lean sender for ``context``'s connection, from its settings and botocore's
    configuration; checked against ``client`` (or the connection's, if built) when there
    is one. Never raises: what it cannot work out is a reason to decline."""
    if os.environ.get("S3UPLOADER_FAST_PATH", "1") == "0":
        return Decision(None, "turned off by S3UPLOADER_FAST_PATH=0")
    try:
        return _decide(context, client if client is not None else context.built_client)
    except Exception as exc:  # a broken profile, an unreadable config: botocore will say
        return Decision(None, f"the configuration could not be read ({type(exc).__name__})")


def _decide(context: S3Context, client: Any | None) -> Decision:
    settings = context.settings
    # Explicit keys, an endpoint and a region need nothing of botocore over plain HTTP
    # (over TLS its configuration may name a CA bundle).
    bare = (
        explicit_keys(settings)
        and settings.region
        and (settings.endpoint_url or "").startswith("http://")
    )
    core = None if bare else context.config_source
    if explicit_keys(settings):
        fixed = Credentials(
            str(settings.access_key_id),
            str(settings.secret_access_key),
            settings.session_token or None,
        )
        credentials: Callable[[], Credentials] = lambda: fixed  # noqa: E731
    else:
        assert core is not None
        source = core.get_credentials()
        if source is None:
            return Decision(None, "no credentials were found")
        credentials = _fresh(source)
    endpoint = settings.endpoint_url
    if endpoint is None and core is not None:
        from s3uploader_gui.core.s3.client import configured_endpoint_url

        endpoint = configured_endpoint_url(core)
    region = settings.region or (core.get_config_variable("region") if core else None)
    region = str(region or "us-east-1")
    s3: dict[str, Any] = dict((core.get_config_variable("s3") if core else None) or {})
    if core is not None and (
        core.get_config_variable("use_fips_endpoint")
        or core.get_config_variable("use_dualstack_endpoint")
    ):
        return Decision(None, "FIPS or dual-stack endpoints are configured")
    if s3.get("use_accelerate_endpoint") or s3.get("use_dualstack_endpoint"):
        return Decision(None, "an accelerated or dual-stack endpoint is configured")
    if endpoint is None and aws_suffix(region) is None:
        return Decision(None, f"region {region} is in a partition the lean path does not know")
    style = _style(settings, endpoint)
    regional = (
        os.environ.get("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT")
        or s3.get("us_east_1_regional_endpoint")
        or ""
    ).lower() == "regional"
    addressing = Addressing(endpoint, style, regional)
    home = addressing.place("bucket", region)
    proxy = _proxy(home.url, None if endpoint else aws_suffix(region))
    if proxy:
        return Decision(None, f"a proxy applies to {home.url} ({proxy}): botocore tunnels")
    ca_file: str | None = None
    if home.https:
        ca_file = _ca_bundle(core)
    timeouts = (10.0, 60.0)
    if client is not None:
        differs = _differs(client, addressing, region)
        if differs:
            return Decision(None, differs)
        config = client.meta.config
        timeouts = (
            float(getattr(config, "connect_timeout", 10) or 10),
            float(getattr(config, "read_timeout", 60) or 60),
        )
    fast = FastPut(
        endpoint,
        region,
        credentials,
        style=style,
        us_east_1_regional=regional,
        ca_file=ca_file,
        connect_timeout=timeouts[0],
        read_timeout=timeouts[1],
        regions=context,
    )
    from s3uploader_gui.core.s3.env_config import EnvironmentConfig

    if explicit_keys(settings):
        who = "explicit keys"
    elif isinstance(core, EnvironmentConfig):
        who = "keys from the environment"
    else:
        who = "botocore's credential chain"
    where = endpoint or f"AWS {region}"
    return Decision(fast, f"{who}, {where}, {style} addressing")


def _fresh(source: Any) -> Callable[[], Credentials]:
    """Credentials read from botocore's object at every request: refreshable ones (SSO,
    assumed roles, ``credential_process``) renew themselves there before they expire."""

    def credentials() -> Credentials:
        frozen = source.get_frozen_credentials()
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token or None)

    return credentials


def _style(settings: ConnectionSettings, endpoint: str | None) -> Style:
    """The addressing the app's clients use (``client.make_config``): on a custom endpoint
    path style unless virtual is asked for (never on an address or ``localhost``, which
    have no sub-domains); on AWS as set (``auto``: virtual where the name allows)."""
    from s3uploader_gui.core.s3.client import has_no_virtual_hosts

    if endpoint is None:
        return settings.addressing_style
    if settings.addressing_style == "virtual" and not has_no_virtual_hosts(endpoint):
        return "virtual"
    return "path"


def _differs(client: Any, addressing: Addressing, region: str) -> str | None:
    """Why ``client`` would send elsewhere or otherwise than the lean path; None: alike."""
    meta = client.meta
    config = meta.config
    if getattr(config, "proxies", None):
        return "the client has proxies configured"
    if getattr(config, "client_cert", None):
        return "the client uses a client certificate"
    if getattr(config, "signature_version", "") != "s3v4":
        return "the client does not sign with SigV4"
    if str(meta.region_name or "us-east-1") != region:
        return f"the client signs for {meta.region_name}, not {region}"
    s3 = getattr(config, "s3", None) or {}
    style = s3.get("addressing_style") or "auto"
    if addressing.endpoint is not None and style == "auto":
        style = "path"  # botocore on a custom endpoint
    if style != addressing.style:
        return f"the client uses {style} addressing, not {addressing.style}"
    # botocore's client names the endpoint without a bucket: path style gives it.
    home = Addressing(addressing.endpoint, "path", addressing.us_east_1_regional).place("b", region)
    expected = (addressing.endpoint or home.url).rstrip("/")
    if str(meta.endpoint_url or "").rstrip("/").lower() != expected.lower():
        return f"the client's endpoint is {meta.endpoint_url}, not {expected}"
    return None


def _proxy(url: str, aws_domain: str | None) -> str | None:
    """The proxy botocore would send ``url``'s requests through (``HTTPS_PROXY``...
    unless ``NO_PROXY`` covers the host), named by its variable; None: direct."""
    if sys.platform not in ("darwin", "win32") and not any(
        name.lower().endswith("_proxy") for name in os.environ
    ):
        return None  # urllib finds proxies in these variables alone here: none is set
    import urllib.request

    parts = urlsplit(url)
    if not urllib.request.getproxies().get(parts.scheme):
        return None
    hosts = [parts.netloc]
    if aws_domain:
        # On AWS a redirect may lead to any region's host: only a bypass of the whole
        # domain keeps every request direct.
        hosts.append(f"s3.zz-zz-0.{aws_domain}")
    try:
        if all(urllib.request.proxy_bypass(host) for host in hosts):
            return None
    except OSError:  # a host name it tried to resolve: count the proxy as applying
        pass
    return f"{parts.scheme}_proxy"


def _ca_bundle(core: Any | None) -> str:
    """The CA bundle botocore verifies TLS with: ``AWS_CA_BUNDLE``, the profile's
    ``ca_bundle``, else its default (certifi's, or the one botocore ships)."""
    configured = os.environ.get("AWS_CA_BUNDLE") or (
        core.get_config_variable("ca_bundle") if core is not None else None
    )
    if configured:
        return str(configured)
    try:
        import certifi

        return str(certifi.where())
    except ImportError:
        import importlib.util

        spec = importlib.util.find_spec("botocore")
        assert spec is not None and spec.origin is not None
        return os.path.join(os.path.dirname(spec.origin), "cacert.pem")
