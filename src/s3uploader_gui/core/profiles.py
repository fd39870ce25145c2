"""Connection profiles: non-secret fields in a settings file, secrets in the keyring."""

from __future__ import annotations

import contextlib
import enum
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlsplit

from s3uploader_gui.core import paths
from s3uploader_gui.core.credentials import CredentialStore
from s3uploader_gui.core.errors import ConfigError, KeyringUnavailable
from s3uploader_gui.core.files import atomic_write
from s3uploader_gui.core.local.info import DEFAULT_BUCKET, LocalServerInfo
from s3uploader_gui.core.providers import has_placeholder
from s3uploader_gui.core.s3.settings import AddressingStyle, ConnectionSettings

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
        atomic_write(self.path, json.dumps(data, indent=2, ensure_ascii=False).encode())

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


def _check_url(value: str, what: str) -> None:
    if not value:
        return
    if has_placeholder(value):
        raise ConfigError(f"Replace the <placeholder> in the {what} with the real value.")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"The {what} “{value}” is not a URL: write https://HOST[:PORT].")


def validate_profile(profile: Profile, *, has_secret: bool) -> None:
    """Raise ConfigError with one sentence when ``profile`` cannot work as entered.

    ``has_secret``: a secret was typed now or is already stored for this profile.
    """
    if profile.is_local:
        raise ConfigError("The local storage profile is built in and cannot be changed.")
    name = profile.name
    if not name.strip():
        raise ConfigError("A profile needs a name.")
    if name != name.strip() or any(not c.isprintable() for c in name):
        raise ConfigError("A profile name cannot start or end with spaces or hold control keys.")
    if name == LOCAL_PROFILE_NAME or name.lower() == "local":
        raise ConfigError(f"“{name}” is reserved for the local storage profile.")
    if profile.addressing_style not in get_args(AddressingStyle):
        raise ConfigError(
            f"Addressing style “{profile.addressing_style}” is not auto, path or virtual."
        )
    _check_url(profile.endpoint_url, "endpoint URL")
    _check_url(profile.public_base_url, "public base URL")
    if profile.kind == ProfileKind.S3_COMPATIBLE and not profile.endpoint_url:
        raise ConfigError("An S3-compatible profile needs the endpoint URL of its server.")
    if profile.aws_profile:
        return  # boto3 resolves the keys from ~/.aws
    if not profile.access_key_id.strip():
        raise ConfigError("Enter the access key ID (or use an AWS profile from ~/.aws).")
    if any(c.isspace() for c in profile.access_key_id):
        raise ConfigError("The access key ID cannot contain spaces.")
    if not has_secret:
        raise ConfigError("Enter the secret access key.")


def save_profile(
    profile: Profile,
    *,
    store: ProfileStore,
    credentials: CredentialStore,
    secret: str | None = None,
    session_token: str | None = None,
    old_name: str | None = None,
    session_only: bool = False,
) -> Profile:
    """Store the secrets (keyring, or memory when ``session_only``), then the profile.

    ``secret``/``session_token``: None keeps what is stored, "" removes the token.
    ``old_name``: the profile's previous name when it is renamed (its secrets move).
    Secrets go first: when the keyring refuses them (``KeyringUnavailable``) nothing is
    saved, so the caller can offer "use for this session only" and call again.
    Runs keyring calls: call it from a worker thread.
    """
    renamed = bool(old_name) and old_name != profile.name
    existing = {p.name for p in store.list()}
    if profile.name in existing and (renamed or old_name is None):
        raise ConfigError(f"A profile named “{profile.name}” already exists.")
    if profile.aws_profile or secret:
        has_secret = True
    else:
        source = old_name or profile.name
        has_secret = bool(credentials.get(source))
    validate_profile(profile, has_secret=has_secret)

    def put(field_name: str, value: str) -> None:
        if session_only:
            credentials.set_session_only(profile.name, value, field_name)
        else:
            credentials.set(profile.name, value, field_name)

    if profile.aws_profile:
        values: dict[str, str | None] = {"secret_access_key": "", "session_token": ""}
    else:
        values = {"secret_access_key": secret, "session_token": session_token}
    for field_name, value in values.items():
        if value is None and renamed and old_name:
            value = credentials.get(old_name, field_name)  # carry it to the new name
        if value:
            put(field_name, value)
        elif value == "" and not renamed and not session_only:
            credentials.delete(profile.name, field_name)
    was_last = renamed and store.last_used == old_name
    if renamed and old_name:
        if session_only:
            # The keyring refused the new secret: it cannot be asked to forget either.
            with contextlib.suppress(KeyringUnavailable):
                credentials.delete_all(old_name)
        else:
            credentials.delete_all(old_name)
        store.remove(old_name)
    store.save(profile)
    if was_last:
        store.last_used = profile.name
    return profile


def delete_profile(name: str, *, store: ProfileStore, credentials: CredentialStore) -> None:
    """Delete a saved profile and every secret it has (keyring calls: use a worker)."""
    if name == LOCAL_PROFILE_NAME or name.lower() == "local":
        raise ConfigError("The local storage profile is built in and cannot be deleted.")
    store.get(name)  # ConfigError when there is no such profile
    credentials.delete_all(name)
    store.remove(name)
