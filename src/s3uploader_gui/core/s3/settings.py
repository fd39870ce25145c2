"""Where and as whom to connect: the plain values a connection is built from.

Kept apart from the client so that profiles, providers and dialogs can name a connection
without importing anything that talks to S3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
