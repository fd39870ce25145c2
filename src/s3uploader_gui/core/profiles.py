"""Connection profiles: non-secret fields in a settings file, secrets in the keyring."""

from __future__ import annotations

import enum
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from s3uploader_gui.core import paths
from s3uploader_gui.core.credentials import CredentialStore
from s3uploader_gui.core.errors import ConfigError
from s3uploader_gui.core.local_server import DEFAULT_BUCKET, LocalServerInfo
from s3uploader_gui.core.s3client import AddressingStyle, ConnectionSettings

LOCAL_PROFILE_NAME = "Local storage (this computer)"


class ProfileKind(enum.StrEnum):
    LOCAL = "local"
    AWS = "aws"
    S3_COMPATIBLE = "s3-compatible"


@dataclass(frozen=True)
class Profile:
    """Everything about a connection except its secrets."""

    name: str
    kind: ProfileKind = ProfileKind.AWS
    access_key_id: str = ""
    region: str = ""
    endpoint_url: str = ""
    addressing_style: AddressingStyle = "auto"
    default_bucket: str = ""
    default_prefix: str = ""
    public_base_url: str = ""
    #: Use this ~/.aws profile (boto3's own resolution: SSO, assume-role, ...) instead of keys.
    aws_profile: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_local(self) -> bool:
        return self.kind == ProfileKind.LOCAL

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = str(self.kind)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        known = {f.name for f in fields(cls)}
        clean = {k: v for k, v in data.items() if k in known}
        clean["kind"] = ProfileKind(clean.get("kind", ProfileKind.AWS))
        return cls(**clean)


LOCAL_PROFILE = Profile(
    name=LOCAL_PROFILE_NAME, kind=ProfileKind.LOCAL, default_bucket=DEFAULT_BUCKET
)


class ProfileStore:
    """Profiles in ``profiles.json`` under the config directory (never a secret in it)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.config_dir() / "profiles.json"

    def _read(self) -> dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return {"profiles": [], "last_used": ""}
        except (OSError, ValueError) as exc:
            raise ConfigError(f"The profile file {self.path} cannot be read: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"The profile file {self.path} is damaged.")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename so a crash never leaves half a file.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".profiles-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
        os.replace(tmp, self.path)

    def list(self) -> list[Profile]:
        """Saved profiles (the built-in local profile is not among them)."""
        return [Profile.from_json(p) for p in self._read().get("profiles", [])]

    def get(self, name: str) -> Profile:
        """The profile called ``name``; the local profile is always there."""
        if name == LOCAL_PROFILE_NAME or name.lower() == "local":
            return LOCAL_PROFILE
        for profile in self.list():
            if profile.name == name:
                return profile
        raise ConfigError(f"There is no profile named “{name}”.")

    def save(self, profile: Profile) -> None:
        """Add or replace ``profile``."""
        if profile.is_local:
            raise ConfigError("The local storage profile is built in and cannot be changed.")
        if not profile.name.strip():
            raise ConfigError("A profile needs a name.")
        if profile.name == LOCAL_PROFILE_NAME or profile.name.lower() == "local":
            # get() answers these names with the built-in profile: a saved one would vanish.
            raise ConfigError(f"“{profile.name}” is reserved for the local storage profile.")
        data = self._read()
        items = [p for p in data.get("profiles", []) if p.get("name") != profile.name]
        items.append(profile.to_json())
        data["profiles"] = items
        self._write(data)

    def remove(self, name: str) -> None:
        data = self._read()
        data["profiles"] = [p for p in data.get("profiles", []) if p.get("name") != name]
        if data.get("last_used") == name:
            data["last_used"] = ""
        self._write(data)

    @property
    def last_used(self) -> str:
        return str(self._read().get("last_used", ""))

    @last_used.setter
    def last_used(self, name: str) -> None:
        data = self._read()
        data["last_used"] = name
        self._write(data)


def connection_settings(
    profile: Profile,
    *,
    credentials: CredentialStore | None = None,
    local: LocalServerInfo | None = None,
) -> ConnectionSettings:
    """ConnectionSettings for ``profile`` (secrets from the keyring, or the local server)."""
    if profile.is_local:
        if local is None:
            raise ConfigError("The local storage server is not running.")
        return ConnectionSettings(
            endpoint_url=local.endpoint_url,
            region="us-east-1",
            access_key_id=local.access_key_id,
            secret_access_key=local.secret_access_key,
            addressing_style="path",
            label=profile.name,
        )
    if profile.aws_profile:
        return ConnectionSettings(
            endpoint_url=profile.endpoint_url or None,
            region=profile.region or None,
            aws_profile=profile.aws_profile,
            addressing_style=profile.addressing_style,
            label=profile.name,
        )
    credentials = credentials or CredentialStore()
    secret = credentials.get(profile.name)
    if not secret:
        raise ConfigError(
            f"No secret is stored for profile “{profile.name}”: enter it in the profile."
        )
    token = credentials.get(profile.name, "session_token")
    return ConnectionSettings(
        endpoint_url=profile.endpoint_url or None,
        region=profile.region or None,
        access_key_id=profile.access_key_id,
        secret_access_key=secret,
        session_token=token or None,
        addressing_style=profile.addressing_style,
        label=profile.name,
    )
