"""What the rest of the app needs to know of the embedded local server, without its code.

Kept apart from ``local.server`` so that the profiles (read while the window is built)
do not load ``subprocess``, ``socket`` and the rest at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LOCAL_HOST = "127.0.0.1"
DEFAULT_BUCKET = "uploads"


@dataclass(frozen=True)
class LocalServerInfo:
    """How to reach a running local server."""

    endpoint_url: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    data_dir: Path
    pid: int
    #: Every port weed listens on, by component ("s3", "master", "volume", "filer", "admin"
    #: and their "...grpc" twins): for diagnostics and the privacy tests, never for a client.
    ports: Mapping[str, int] = field(default_factory=dict)
