"""save_profile/delete_profile: secrets in the keyring (or memory), never in a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from s3uploader_gui.core.credentials import SERVICE, CredentialStore
from s3uploader_gui.core.errors import ConfigError, KeyringUnavailable
from s3uploader_gui.core.profiles import (
    Profile,
    ProfileKind,
    ProfileStore,
    connection_settings,
    delete_profile,
    save_profile,
    validate_profile,
)
from s3uploader_gui.core.providers import PRESETS, has_placeholder, preset
from tests.helpers.fakekeyrings import LockedKeyring, no_backend
from tests.helpers.memkeyring import MemoryKeyring

SECRET = "pr0file-Secret/Value+with=odd/chars"
TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN"


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    saved = dict(MemoryKeyring._store)
    MemoryKeyring._store.clear()
    try:
        yield MemoryKeyring()
    finally:
        MemoryKeyring._store.clear()
        MemoryKeyring._store.update(saved)


def minio(name: str = "Work", **overrides: object) -> Profile:
    values: dict[str, object] = {
        "name": name,
        "kind": ProfileKind.S3_COMPATIBLE,
        "access_key_id": "AKIAWORK",
        "endpoint_url": "https://minio.example.org:9000",
        "addressing_style": "path",
    }
    values.update(overrides)
    return Profile(**values)  # type: ignore[arg-type]


def test_save_puts_secrets_in_the_keyring_and_fields_in_the_file(
    memory: MemoryKeyring, user_dirs: Path
) -> None:
    store, creds = ProfileStore(), CredentialStore(backend=memory)
    save_profile(minio(), store=store, credentials=creds, secret=SECRET, session_token=TOKEN)
    assert store.get("Work") == minio()
    assert memory.get_password(SERVICE, "Work:secret_access_key") == SECRET
    assert memory.get_password(SERVICE, "Work:session_token") == TOKEN
    settings = connection_settings(store.get("Work"), credentials=creds)
    assert (settings.secret_access_key, settings.session_token) == (SECRET, TOKEN)
    for file in user_dirs.rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes()
            assert TOKEN.encode() not in file.read_bytes()


def test_edit_keeps_or_replaces_the_secret(memory: MemoryKeyring) -> None:
    store, creds = ProfileStore(), CredentialStore(backend=memory)
    save_profile(minio(), store=store, credentials=creds, secret=SECRET, session_token=TOKEN)
    # None keeps what is stored.
    save_profile(minio(region="eu-1"), store=store, credentials=creds, old_name="Work")
    assert creds.get("Work") == SECRET and creds.get("Work", "session_token") == TOKEN
    # A new secret with an empty token drops the old token.
    save_profile(
        minio(), store=store, credentials=creds, secret="new", session_token="", old_name="Work"
    )
    assert creds.get("Work") == "new" and creds.get("Work", "session_token") is None


def test_rename_moves_the_secrets(memory: MemoryKeyring) -> None:
    store, creds = ProfileStore(), CredentialStore(backend=memory)
    save_profile(minio(), store=store, credentials=creds, secret=SECRET, session_token=TOKEN)
    store.last_used = "Work"
    save_profile(minio("Office"), store=store, credentials=creds, old_name="Work")
    assert [p.name for p in store.list()] == ["Office"]
    assert creds.get("Office") == SECRET and creds.get("Office", "session_token") == TOKEN
    assert creds.get("Work") is None and creds.get("Work", "session_token") is None
    assert store.last_used == "Office"


def test_add_refuses_an_existing_name_and_a_missing_secret(memory: MemoryKeyring) -> None:
    store, creds = ProfileStore(), CredentialStore(backend=memory)
    with pytest.raises(ConfigError, match="secret access key"):
        save_profile(minio(), store=store, credentials=creds)
    assert store.list() == []
    save_profile(minio(), store=store, credentials=creds, secret=SECRET)
    with pytest.raises(ConfigError, match="already exists"):
        save_profile(minio(), store=store, credentials=creds, secret="other")
    assert creds.get("Work") == SECRET


def test_aws_profile_needs_no_secret_and_drops_stored_keys(memory: MemoryKeyring) -> None:
    store, creds = ProfileStore(), CredentialStore(backend=memory)
    save_profile(minio(), store=store, credentials=creds, secret=SECRET)
    sso = Profile(name="Work", kind=ProfileKind.AWS, aws_profile="corp-sso")
    save_profile(sso, store=store, credentials=creds, old_name="Work")
    assert store.get("Work").aws_profile == "corp-sso"
    assert memory._store == {}


def test_delete_removes_every_secret(memory: MemoryKeyring) -> None:
    store, creds = ProfileStore(), CredentialStore(backend=memory)
    save_profile(minio(), store=store, credentials=creds, secret=SECRET, session_token=TOKEN)
    save_profile(minio("Other"), store=store, credentials=creds, secret="keep-me")
    delete_profile("Work", store=store, credentials=creds)
    assert [p.name for p in store.list()] == ["Other"]
    assert memory._store == {(SERVICE, "Other:secret_access_key"): "keep-me"}
    with pytest.raises(ConfigError):
        delete_profile("Work", store=store, credentials=creds)
    with pytest.raises(ConfigError):
        delete_profile("local", store=store, credentials=creds)


@pytest.mark.parametrize("backend", [no_backend(), LockedKeyring()], ids=["none", "locked"])
def test_unusable_keyring_saves_nothing_then_session_only(backend: object, user_dirs: Path) -> None:
    store, creds = ProfileStore(), CredentialStore(backend=backend)  # type: ignore[arg-type]
    with pytest.raises(KeyringUnavailable) as info:
        save_profile(minio(), store=store, credentials=creds, secret=SECRET)
    message = info.value.message
    assert SECRET not in message
    assert "session only" in message
    if isinstance(backend, LockedKeyring):
        assert message.startswith("The keyring is locked and was not unlocked")
    else:
        assert message.startswith("No secure keyring is available")
    assert store.list() == []  # nothing half-saved
    # "Use for this session only": the profile is saved, the secret stays in memory.
    save_profile(minio(), store=store, credentials=creds, secret=SECRET, session_only=True)
    assert store.get("Work") == minio()
    assert creds.get("Work") == SECRET and creds.is_session_only("Work")
    assert connection_settings(store.get("Work"), credentials=creds).secret_access_key == SECRET
    assert CredentialStore(backend=backend).is_session_only("Work") is False  # type: ignore[arg-type]
    for file in user_dirs.rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes()


@pytest.mark.parametrize(
    ("profile", "has_secret", "wording"),
    [
        (minio(name=""), True, "needs a name"),
        (minio(name=" x"), True, "spaces"),
        (minio(name="local"), True, "reserved"),
        (minio(endpoint_url=""), True, "needs the endpoint URL"),
        (minio(endpoint_url="minio.example.org"), True, "is not a URL"),
        (minio(endpoint_url="https://<account-id>.r2.cloudflarestorage.com"), True, "placeholder"),
        (minio(public_base_url="cdn.example.org"), True, "public base URL"),
        (minio(access_key_id=""), True, "access key ID"),
        (minio(access_key_id="AKIA X"), True, "spaces"),
        (minio(), False, "secret access key"),
        (minio(addressing_style="sideways"), True, "Addressing style"),
    ],
)
def test_validation_messages(profile: Profile, has_secret: bool, wording: str) -> None:
    with pytest.raises(ConfigError, match=wording):
        validate_profile(profile, has_secret=has_secret)


def test_valid_profiles_pass() -> None:
    validate_profile(minio(), has_secret=True)
    validate_profile(Profile(name="AWS", access_key_id="AKIA1"), has_secret=True)
    validate_profile(Profile(name="SSO", aws_profile="corp"), has_secret=False)


def test_presets() -> None:
    keys = [p.key for p in PRESETS]
    assert keys == ["aws", "r2", "b2", "wasabi", "minio", "spaces", "generic"]
    assert preset("b2").endpoint("eu-central-003") == "https://s3.eu-central-003.backblazeb2.com"
    assert preset("b2").endpoint() == "https://s3.us-west-004.backblazeb2.com"
    assert preset("spaces").endpoint("ams3") == "https://ams3.digitaloceanspaces.com"
    assert preset("wasabi").addressing_style == "virtual"
    assert preset("minio").addressing_style == "path"
    assert has_placeholder(preset("r2").endpoint())
    assert not has_placeholder(preset("wasabi").endpoint())
    assert preset("aws").endpoint() == ""


def test_describe_backend(memory: MemoryKeyring) -> None:
    import keyring.backends.SecretService

    assert CredentialStore(backend=memory).usable()
    assert not CredentialStore(backend=no_backend()).usable()
    assert (
        "Secret Service"
        in CredentialStore(backend=keyring.backends.SecretService.Keyring()).describe_backend()
    )


def test_session_only_profile_never_asks_the_keyring() -> None:
    backend = LockedKeyring()
    creds = CredentialStore(backend=backend)
    creds.set_session_only("p", SECRET)
    assert creds.get("p", "session_token") is None
    assert backend.calls == []
    with pytest.raises(KeyringUnavailable):
        creds.get("other")
    assert [op for op, _ in backend.calls] == ["get"]
