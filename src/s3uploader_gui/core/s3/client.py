"""One boto3 session and client per connection, configured the way this app needs."""

from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from s3uploader_gui.core.s3.settings import DEFAULT_CONCURRENCY, ConnectionSettings

if TYPE_CHECKING:  # boto3/botocore load on first use (in a worker), not at start-up
    import boto3
    from botocore.config import Config
    from mypy_boto3_s3 import S3Client as S3Client
else:
    S3Client = Any


def make_session(settings: ConnectionSettings) -> boto3.session.Session:
    """A boto3 session for ``settings`` (explicit keys, a named profile, or the default chain)."""
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
    import boto3.session

    return boto3.session.Session(**kwargs)


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


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
) -> Config:
    """botocore Config: SigV4 always (custom endpoints default to SigV2 presigned links).

    Retries: "standard" mode (exponential backoff with jitter for throttling such as 503
    SlowDown, and for dropped connections) with ``max_attempts`` attempts, unless the
    user configured their own (AWS_RETRY_MODE / AWS_MAX_ATTEMPTS / ~/.aws ``retry_mode``,
    ``max_attempts``), which win.

    Over plain HTTP to this computer the payload is not SHA-256 signed (UNSIGNED-PAYLOAD):
    hashing every byte costs a large share of the CPU both client and server share, and
    uploads carry a CRC32 checksum header (signed) that the server verifies instead.
    """
    addressing = settings.addressing_style
    if addressing == "auto" and settings.endpoint_url:
        # Most S3-compatible servers (SeaweedFS, MinIO without a domain) need path style.
        addressing = "path"
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
    **config_overrides: Any,
) -> S3Client:
    """An S3 client for ``settings``."""
    session = session or make_session(settings)
    config = make_config(
        settings, max_pool_connections=max_pool_connections, session=session, **config_overrides
    )
    kwargs: dict[str, Any] = {"config": config}
    if settings.endpoint_url:
        kwargs["endpoint_url"] = settings.endpoint_url
    if not session.region_name and not settings.region:
        # S3 needs a region to sign; us-east-1 is what every S3-compatible server accepts.
        kwargs["region_name"] = "us-east-1"
    client: S3Client = session.client("s3", **kwargs)
    return client


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
        self._session: boto3.session.Session | None = None
        self._client: S3Client | None = None

    @property
    def session(self) -> boto3.session.Session:
        with self._lock:
            if self._session is None:
                self._session = make_session(self.settings)
            return self._session

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

    @property
    def endpoint(self) -> str:
        """The URL requests go to (for messages and public URLs)."""
        return str(self.client.meta.endpoint_url)

    @property
    def uses_temporary_credentials(self) -> bool:
        """True when the credentials expire (session token, SSO, assumed role)."""
        creds = self.session.get_credentials()
        if creds is None:
            return False
        frozen = creds.get_frozen_credentials()
        return bool(frozen.token)
