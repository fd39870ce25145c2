"""One boto3 session and client per connection, configured the way this app needs."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from s3uploader_gui.core.s3.settings import DEFAULT_CONCURRENCY, ConnectionSettings

if TYPE_CHECKING:  # boto3/botocore load on first use (in a worker), not at start-up
    import boto3
    import botocore.session
    from botocore.config import Config
    from mypy_boto3_s3 import S3Client as S3Client

    from s3uploader_gui.core.s3.env_config import EnvironmentConfig

    #: Where a connection's credentials and configuration come from.
    ConfigSource = botocore.session.Session | EnvironmentConfig
else:
    S3Client = Any

log = logging.getLogger(__name__)


def make_core_session(settings: ConnectionSettings) -> botocore.session.Session:
    """botocore's session for ``settings`` (explicit keys, a named profile, or the default
    chain): credentials and configuration without boto3 or a client (the lean path needs
    no more; ``make_session`` wraps the same session for boto3)."""
    import botocore.session

    core = botocore.session.Session()
    if settings.access_key_id and settings.secret_access_key:
        core.set_credentials(
            settings.access_key_id, settings.secret_access_key, settings.session_token or None
        )
    elif settings.aws_profile:
        core.set_config_variable("profile", settings.aws_profile)
    if settings.region:
        core.set_config_variable("region", settings.region)
    return core


def make_session(
    settings: ConnectionSettings, core: botocore.session.Session | None = None
) -> boto3.session.Session:
    """A boto3 session for ``settings`` (explicit keys, a named profile, or the default
    chain), around ``core`` when given (``make_core_session``'s: credentials resolve once)."""
    import boto3.session

    if core is not None:
        return boto3.session.Session(botocore_session=core)
    kwargs: dict[str, Any] = {}
    if settings.access_key_id and settings.secret_access_key:
        kwargs["aws_access_key_id"] = settings.access_key_id
        kwargs["aws_secret_access_key"] = settings.secret_access_key
        if settings.session_token:
            kwargs["aws_session_token"] = settings.session_token
    elif settings.aws_profile:
        kwargs["profile_name"] = settings.aws_profile
    if settings.region:
        kwargs["region_name"] = settings.region
    return boto3.session.Session(**kwargs)


def configured_endpoint_url(core: ConfigSource) -> str | None:
    """The endpoint botocore takes from ``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL`` or the
    profile's ``endpoint_url``/``services`` section of ``~/.aws/config``, unless configured
    endpoints are ignored; None: AWS itself. Raises for a profile that does not exist."""
    from s3uploader_gui.core.s3.env_config import EnvironmentConfig

    if isinstance(core, EnvironmentConfig):  # the environment's answer, botocore not loaded
        return core.configured_endpoint_url()
    if core.get_config_variable("ignore_configured_endpoint_urls"):
        return None
    from botocore.configprovider import ConfiguredEndpointProvider

    provider = ConfiguredEndpointProvider(
        full_config=core.full_config, scoped_config=core.get_scoped_config(), client_name="s3"
    )
    found = provider.provide()
    return str(found) if found else None


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def has_no_virtual_hosts(endpoint_url: str | None) -> bool:
    """True for an endpoint on an IP address or ``localhost``: ``bucket.127.0.0.1`` and
    ``bucket.localhost`` resolve nowhere, so only path-style addresses reach it."""
    import ipaddress

    host = (urlsplit(endpoint_url or "").hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_aws_endpoint(endpoint_url: str | None) -> bool:
    """True for an address of AWS S3 itself (``*.amazonaws.com``, ``*.amazonaws.com.cn``)."""
    host = (urlsplit(endpoint_url or "").hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in ("amazonaws.com", "amazonaws.com.cn"))


def is_loopback_http(endpoint_url: str | None) -> bool:
    """True for a plain-HTTP endpoint on this computer (the local storage, a test server)."""
    if not endpoint_url:
        return False
    parts = urlsplit(endpoint_url)
    return parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS


def session_retry_settings(session: boto3.session.Session | None) -> dict[str, Any]:
    """Retry mode and attempts set by the user (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS, ~/.aws).

    Only what is explicitly configured: an empty dict means "use the app's defaults".
    """
    found: dict[str, Any] = {}
    scoped: dict[str, Any] = {}
    if session is not None:
        try:
            scoped = dict(session._session.get_scoped_config())
        except Exception:  # a missing profile is reported elsewhere, when it matters
            scoped = {}
    mode = os.environ.get("AWS_RETRY_MODE") or scoped.get("retry_mode")
    if mode in ("legacy", "standard", "adaptive"):
        found["mode"] = mode
    attempts = os.environ.get("AWS_MAX_ATTEMPTS") or scoped.get("max_attempts")
    if attempts is not None:
        with contextlib.suppress(TypeError, ValueError):
            found["total_max_attempts"] = max(1, int(attempts))
    return found


def make_config(
    settings: ConnectionSettings,
    *,
    max_pool_connections: int = DEFAULT_CONCURRENCY,
    connect_timeout: float = 10,
    read_timeout: float = 60,
    max_attempts: int = 5,
    session: boto3.session.Session | None = None,
    path_style: bool = False,
) -> Config:
    """botocore Config: SigV4 always (custom endpoints default to SigV2 presigned links).

    Retries: "standard" mode (exponential backoff with jitter for throttling such as 503
    SlowDown, and for dropped connections) with ``max_attempts`` attempts, unless the
    user configured their own (AWS_RETRY_MODE / AWS_MAX_ATTEMPTS / ~/.aws ``retry_mode``,
    ``max_attempts``), which win.

    Addressing: path style on a custom endpoint under "auto", and always on an IP
    address or ``localhost`` (or with ``path_style``).

    Over plain HTTP to this computer the payload is not SHA-256 signed (UNSIGNED-PAYLOAD):
    hashing every byte costs a large share of the CPU both client and server share, and
    uploads carry a CRC32 checksum header (signed) that the server verifies instead.
    """
    addressing = settings.addressing_style
    if addressing == "auto" and settings.endpoint_url:
        # Most S3-compatible servers (SeaweedFS, MinIO without a domain) need path style.
        addressing = "path"
    if path_style or has_no_virtual_hosts(settings.endpoint_url):
        addressing = "path"  # bucket.127.0.0.1 or bucket.localhost resolves nowhere
    s3: dict[str, Any] = {"addressing_style": addressing}
    if is_loopback_http(settings.endpoint_url):
        s3["payload_signing_enabled"] = False
    retries: dict[str, Any] = {"mode": "standard", "max_attempts": max_attempts}
    user_retries = session_retry_settings(session)
    if user_retries:
        retries = {"mode": user_retries.get("mode", "standard")}
        if "total_max_attempts" in user_retries:
            retries["total_max_attempts"] = user_retries["total_max_attempts"]
        else:
            retries["max_attempts"] = max_attempts
    from botocore.config import Config

    return Config(
        signature_version="s3v4",
        s3=s3,  # type: ignore[arg-type]
        retries=retries,  # type: ignore[arg-type]
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_pool_connections=max_pool_connections,
        tcp_keepalive=True,
    )


def make_client(
    settings: ConnectionSettings,
    *,
    max_pool_connections: int = DEFAULT_CONCURRENCY,
    session: boto3.session.Session | None = None,
    region_name: str | None = None,
    **config_overrides: Any,
) -> S3Client:
    """An S3 client for ``settings`` (signing for ``region_name`` when given)."""
    session = session or make_session(settings)
    config = make_config(
        settings, max_pool_connections=max_pool_connections, session=session, **config_overrides
    )
    kwargs: dict[str, Any] = {"config": config}
    if settings.endpoint_url and not (region_name and is_aws_endpoint(settings.endpoint_url)):
        # An AWS endpoint names one region: a client for another region finds its own.
        kwargs["endpoint_url"] = settings.endpoint_url
    if region_name:
        kwargs["region_name"] = region_name
    elif not session.region_name and not settings.region:
        # S3 needs a region to sign; us-east-1 is what every S3-compatible server accepts.
        kwargs["region_name"] = "us-east-1"
    client: S3Client = session.client("s3", **kwargs)
    s3: Any = getattr(config, "s3", None) or {}
    if s3.get("addressing_style") != "path" and has_no_virtual_hosts(client.meta.endpoint_url):
        # An endpoint from AWS_ENDPOINT_URL_S3 or ~/.aws is known only now: on an address
        # or localhost, "virtual" would send requests to bucket.localhost.
        kwargs["config"] = make_config(
            settings,
            max_pool_connections=max_pool_connections,
            session=session,
            path_style=True,
            **config_overrides,
        )
        client = session.client("s3", **kwargs)
    return client


def bucket_region_of(client: S3Client, bucket: str) -> str | None:
    """The region ``bucket`` lives in as the server tells it; None when it does not (no
    permission, a server without regions). A server out of reach raises.

    HeadBucket first (AWS names the region in ``x-amz-bucket-region`` even when it
    refuses the request), then GetBucketLocation.
    """
    import botocore.exceptions

    try:
        answer: Any = client.head_bucket(Bucket=bucket)
        headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        region = answer.get("BucketRegion") or headers.get("x-amz-bucket-region")
    except botocore.exceptions.ClientError as exc:
        headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        region = headers.get("x-amz-bucket-region")
    if region:
        return str(region)
    try:
        location = client.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    except botocore.exceptions.ClientError as exc:
        log.debug("no GetBucketLocation answer for %s: %s", bucket, exc)
        return None
    if location == "EU":  # very old buckets in eu-west-1
        return "eu-west-1"
    if location:
        return str(location)
    # No constraint means us-east-1 on AWS; elsewhere it tells nothing.
    return "us-east-1" if is_aws_endpoint(str(client.meta.endpoint_url)) else None


class S3Context:
    """A connection: settings, one shared client, the endpoint used for messages.

    boto3 clients are thread-safe, so one client (with a pool sized for the transfer
    concurrency) serves every worker thread of this connection.
    """

    def __init__(
        self, settings: ConnectionSettings, *, concurrency: int = DEFAULT_CONCURRENCY
    ) -> None:
        self.settings = settings
        self.concurrency = concurrency
        self._lock = threading.Lock()
        self._core: botocore.session.Session | None = None
        self._env_config: EnvironmentConfig | None = None
        self._env_checked = False
        self._session: boto3.session.Session | None = None
        self._client: S3Client | None = None
        # Each bucket's region once found, and a client per other region (for links,
        # which must be signed for and point at the bucket's own region).
        self._regions: dict[str, str] = {}
        self._regional: dict[str, S3Client] = {}

    @property
    def core_session(self) -> botocore.session.Session:
        """botocore's session: credentials resolve here, once (refreshable ones renew
        themselves); no boto3 and no client (the lean path and the credential checks)."""
        with self._lock:
            if self._core is None:
                self._core = make_core_session(self.settings)
            return self._core

    @property
    def config_source(self) -> ConfigSource:
        """Where credentials and configuration come from: the environment's answer when it
        alone decides (``env_config``: botocore is not even imported), else
        ``core_session``. Both answer ``get_credentials``/``get_config_variable`` alike."""
        with self._lock:
            if not self._env_checked:
                from s3uploader_gui.core.s3.env_config import environment_config

                self._env_config = environment_config(self.settings)
                self._env_checked = True
            found = self._env_config
        return found if found is not None else self.core_session

    @property
    def session(self) -> boto3.session.Session:
        """boto3's session, around ``core_session`` (the same credentials)."""
        core = self.core_session
        with self._lock:
            if self._session is None:
                self._session = make_session(self.settings, core)
            return self._session

    @property
    def built_client(self) -> S3Client | None:
        """The shared client if it was built already (None: nothing builds it here)."""
        return self._client

    @property
    def client(self) -> S3Client:
        """The shared client, created on first use (importing and building it is slow)."""
        session = self.session
        with self._lock:
            if self._client is None:
                # Room for transfer threads plus listings and thumbnails running beside them.
                self._client = make_client(
                    self.settings,
                    session=session,
                    max_pool_connections=self.concurrency + 4,
                )
            return self._client

    def bucket_region(self, bucket: str) -> str:
        """The region of ``bucket``, asked once (``bucket_region_of``) and kept; the
        connection's own region when the server does not tell, or is out of reach (then
        not kept: a later call asks again)."""
        with self._lock:
            known = self._regions.get(bucket)
        if known is not None:
            return known
        client = self.client
        own = str(client.meta.region_name or "us-east-1")
        try:
            found = bucket_region_of(client, bucket) or own
        except Exception as exc:  # links can still be made, as before regions were asked
            log.debug("region of %s unknown: %s", bucket, exc)
            return own
        with self._lock:
            self._regions[bucket] = found
        return found

    def known_region(self, bucket: str) -> str | None:
        """The region of ``bucket`` if it was found already (nothing is asked)."""
        with self._lock:
            return self._regions.get(bucket)

    def remember_region(self, bucket: str, region: str) -> None:
        """Keep ``region`` for ``bucket`` (a redirect named it), replacing what was known."""
        with self._lock:
            self._regions[bucket] = region

    def link_client(self, bucket: str) -> S3Client:
        """A client that signs links for ``bucket``'s region, and on AWS names that
        region's host (the shared client when nothing differs)."""
        region = self.bucket_region(bucket)
        client = self.client
        settings = self.settings
        if (
            settings.addressing_style == "auto"
            and not settings.endpoint_url
            and is_aws_endpoint(str(client.meta.endpoint_url))
        ):
            # botocore's "auto" signs links for the global bucket.s3.amazonaws.com, which
            # redirects for a day after a bucket is made (and the redirect breaks the
            # signature); "virtual" names the regional host (path style for dotted names).
            settings = dataclasses.replace(settings, addressing_style="virtual")
        elif region == client.meta.region_name:
            return client
        with self._lock:
            regional = self._regional.get(region)
        if regional is None:
            regional = make_client(
                settings, session=self.session, region_name=region, max_pool_connections=4
            )
            with self._lock:
                regional = self._regional.setdefault(region, regional)
        return regional

    @property
    def endpoint(self) -> str:
        """The URL requests go to (for messages and public URLs); an endpoint given or
        configured is known without building the client."""
        if self._client is None:
            if self.settings.endpoint_url:
                return self.settings.endpoint_url
            try:
                configured = configured_endpoint_url(self.config_source)
            except Exception:  # a broken profile: the client says what is wrong
                configured = None
            if configured:
                return configured
        return str(self.client.meta.endpoint_url)

    @property
    def uses_temporary_credentials(self) -> bool:
        """True when the credentials expire (session token, SSO, assumed role)."""
        creds = self.config_source.get_credentials()
        if creds is None:
            return False
        frozen = creds.get_frozen_credentials()
        return bool(frozen.token)
