"""Everything the profiles dialog asks of the OS keyring, as worker bodies (no Qt).

A keyring can block on an unlock prompt, so these run on worker threads only. Secrets
typed in the form reach them as arguments and never come back to the GUI thread: the
answers say whether a secret is stored and where, never what it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from s3uploader_gui.core.credentials import CredentialStore
from s3uploader_gui.core.errors import KeyringUnavailable
from s3uploader_gui.core.profiles import Profile, ProfileStore, delete_profile, save_profile


@dataclass(frozen=True)
class KeyringInfo:
    """Where secrets go: a person's name for the backend, and whether it can store them."""

    description: str
    usable: bool


@dataclass(frozen=True)
class SecretState:
    """Whether a profile has a secret, and where (never the secret itself)."""

    profile: str
    stored: bool
    session_only: bool
    error: str = ""


def describe_keyring(credentials: CredentialStore) -> KeyringInfo:
    return KeyringInfo(credentials.describe_backend(), credentials.usable())


def secret_state(credentials: CredentialStore, name: str) -> SecretState:
    try:
        stored = bool(credentials.get(name))
    except KeyringUnavailable as err:
        return SecretState(name, False, False, err.message)
    return SecretState(name, stored, credentials.is_session_only(name))


def save_worker(
    profile: Profile,
    store: ProfileStore,
    credentials: CredentialStore,
    secret: str,
    token: str,
    old_name: str | None,
    session_only: bool,
) -> tuple[Profile, bool]:
    """Worker body of Save: the keyring first, then the profile settings."""
    saved = save_profile(
        profile,
        store=store,
        credentials=credentials,
        secret=secret or None,
        # A new secret without a token drops the old token (it belonged to the old keys).
        session_token=token if token else ("" if secret else None),
        old_name=old_name,
        session_only=session_only,
    )
    return saved, session_only


def delete_worker(name: str, store: ProfileStore, credentials: CredentialStore) -> str:
    delete_profile(name, store=store, credentials=credentials)
    return name
