"""One boto3 session and client per connection, configured the way this app needs."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client as S3Client
else:
    S3Client = Any

AddressingStyle = Literal["auto", "path", "virtual"]

#: Transfer threads share the client's pool; a pool smaller than the concurrency makes
#: urllib3 discard connections ("Connection pool is full") and reconnect for every part.
DEFAULT_CONCURRENCY = 10


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and as whom to connect. ``None`` fields fall back to boto3's standard chain."""

    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    aws_profile: str | None = None
    addressing_style: AddressingStyle = "auto"
    #: A name for messages ("Local storage (this computer)", a profile name).
    label: str = ""

    @property
    def is_custom_endpoint(self) -> bool:
        return bool(self.endpoint_url)

    def __repr__(self) -> str:  # secrets must never end up in logs or tracebacks
        return (
            f"ConnectionSettings(endpoint_url={self.endpoint_url!r}, region={self.region!r}, "
            f"access_key_id={self.access_key_id!r}, aws_profile={self.aws_profile!r}, "
            f"addressing_style={self.addressing_style!r}, label={self.label!r})"
        )


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
    return boto3.session.Session(**kwargs)


def make_config(
    settings: ConnectionSettings,
    *,
    max_pool_connections: int = DEFAULT_CONCURRENCY,
    connect_timeout: float = 10,
    read_timeout: float = 60,
    max_attempts: int = 5,
) -> Config:
    """botocore Config: SigV4 always (custom endpoints default to SigV2 presigned links)."""
    addressing = settings.addressing_style
    if addressing == "auto" and settings.endpoint_url:
        # Most S3-compatible servers (SeaweedFS, MinIO without a domain) need path style.
        addressing = "path"
    return Config(
        signature_version="s3v4",
        s3={"addressing_style": addressing},
        retries={"mode": "standard", "max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_pool_connections=max_pool_connections,
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
    config = make_config(settings, max_pool_connections=max_pool_connections, **config_overrides)
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
