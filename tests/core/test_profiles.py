"""Profiles: a JSON file for everything but secrets, the keyring for secrets."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3uploader_gui.core import paths
from s3uploader_gui.core.credentials import CredentialStore
from s3uploader_gui.core.errors import ConfigError
from s3uploader_gui.core.local.info import DEFAULT_BUCKET, LocalServerInfo
from s3uploader_gui.core.profiles import (
    LOCAL_PROFILE,
    LOCAL_PROFILE_NAME,
    Profile,
    ProfileKind,
    ProfileStore,
    connection_settings,
)
from tests.helpers.memkeyring import MemoryKeyring

SECRET = "Zm9vYmFyYmF6-very-secret-key-1234567890"


@pytest.fixture
def creds() -> Iterator[CredentialStore]:
    saved = dict(MemoryKeyring._store)
    MemoryKeyring._store.clear()
    try:
        yield CredentialStore(backend=MemoryKeyring())
    finally:
        MemoryKeyring._store.clear()
        MemoryKeyring._store.update(saved)


def work_profile(**overrides: object) -> Profile:
    values: dict[str, object] = {
        "name": "Work",
        "kind": ProfileKind.S3_COMPATIBLE,
        "access_key_id": "AKIAWORK",
        "region": "eu-central-1",
        "endpoint_url": "https://minio.example.org",
        "addressing_style": "path",
        "default_bucket": "team",
        "default_prefix": "uploads/",
        "public_base_url": "https://cdn.example.org",
        "extra": {"note": "ünïcode"},
    }
    values.update(overrides)
    return Profile(**values)  # type: ignore[arg-type]


def test_store_lives_in_the_isolated_config_dir(user_dirs: Path) -> None:
    store = ProfileStore()
    assert store.path == paths.config_dir() / "profiles.json"
    assert user_dirs in store.path.parents


def test_round_trip() -> None:
    store = ProfileStore()
    assert store.list() == []
    profile = work_profile()
    store.save(profile)
    assert store.list() == [profile]
    assert ProfileStore().get("Work") == profile  # a fresh store reads the file
    # Replace keeps one entry.
    store.save(work_profile(region="us-west-2"))
    assert [p.region for p in store.list()] == ["us-west-2"]
    store.save(Profile(name="Home"))
    assert [p.name for p in store.list()] == ["Work", "Home"]
    store.remove("Work")
    assert [p.name for p in store.list()] == ["Home"]
    with pytest.raises(ConfigError):
        store.get("Work")


def test_file_is_private_json() -> None:
    store = ProfileStore()
    store.save(work_profile())
    data = json.loads(store.path.read_text(encoding="utf-8"))
    assert data["profiles"][0]["kind"] == "s3-compatible"
    assert stat.S_IMODE(store.path.stat().st_mode) & 0o077 == 0
    assert [p.name for p in store.path.parent.iterdir()] == ["profiles.json"]  # no temp left


def test_unknown_fields_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    path.write_text(
        json.dumps({"profiles": [{"name": "Old", "kind": "aws", "from_the_future": 1}]}),
        encoding="utf-8",
    )
    assert ProfileStore(path).get("Old") == Profile(name="Old", kind=ProfileKind.AWS)


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_damaged_file_is_config_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "profiles.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError):
        ProfileStore(path).list()


def test_last_used() -> None:
    store = ProfileStore()
    assert store.last_used == ""
    store.save(work_profile())
    store.last_used = "Work"
    assert ProfileStore().last_used == "Work"
    store.remove("Work")
    assert store.last_used == ""


def test_local_profile_is_always_there() -> None:
    store = ProfileStore()
    assert store.get(LOCAL_PROFILE_NAME) is LOCAL_PROFILE
    assert store.get("local") is LOCAL_PROFILE
    assert store.get("LOCAL") is LOCAL_PROFILE
    assert LOCAL_PROFILE.is_local
    assert LOCAL_PROFILE.default_bucket == DEFAULT_BUCKET
    assert LOCAL_PROFILE not in store.list()


@pytest.mark.parametrize("name", [LOCAL_PROFILE_NAME, "local", "Local"])
def test_local_names_are_reserved(name: str) -> None:
    with pytest.raises(ConfigError):
        ProfileStore().save(Profile(name=name))


def test_local_profile_and_blank_names_cannot_be_saved() -> None:
    with pytest.raises(ConfigError):
        ProfileStore().save(LOCAL_PROFILE)
    with pytest.raises(ConfigError):
        ProfileStore().save(Profile(name="   "))


def test_connection_settings_with_keyring_secret(creds: CredentialStore) -> None:
    profile = work_profile()
    ProfileStore().save(profile)
    with pytest.raises(ConfigError) as info:
        connection_settings(profile, credentials=creds)
    assert "Work" in info.value.message
    creds.set("Work", SECRET)
    s = connection_settings(profile, credentials=creds)
    assert s.secret_access_key == SECRET
    assert s.access_key_id == "AKIAWORK"
    assert s.endpoint_url == "https://minio.example.org"
    assert s.region == "eu-central-1"
    assert s.addressing_style == "path"
    assert s.session_token is None
    assert s.label == "Work"
    creds.set("Work", "tok", field="session_token")
    assert connection_settings(profile, credentials=creds).session_token == "tok"


def test_connection_settings_default_store_is_the_configured_keyring(
    creds: CredentialStore,
) -> None:
    CredentialStore().set("Work", SECRET)
    assert connection_settings(work_profile()).secret_access_key == SECRET


def test_connection_settings_aws_profile_needs_no_secret(creds: CredentialStore) -> None:
    s = connection_settings(
        Profile(name="SSO", aws_profile="corp-sso", region="us-east-2"), credentials=creds
    )
    assert s.aws_profile == "corp-sso"
    assert s.access_key_id is None and s.secret_access_key is None
    assert s.endpoint_url is None
    assert s.region == "us-east-2"


def test_connection_settings_for_local() -> None:
    with pytest.raises(ConfigError):
        connection_settings(LOCAL_PROFILE)
    info = LocalServerInfo(
        endpoint_url="http://127.0.0.1:12345",
        access_key_id="local-abc",
        secret_access_key=SECRET,
        data_dir=Path("/tmp/x"),
        pid=1,
    )
    s = connection_settings(LOCAL_PROFILE, local=info)
    assert s.endpoint_url == "http://127.0.0.1:12345"
    assert s.secret_access_key == SECRET
    assert s.addressing_style == "path"
    assert SECRET not in repr(info)


def test_secret_never_written_to_profiles_json(creds: CredentialStore, user_dirs: Path) -> None:
    store = ProfileStore()
    profile = work_profile()
    store.save(profile)
    creds.set(profile.name, SECRET)
    settings = connection_settings(profile, credentials=creds)
    store.last_used = profile.name
    assert settings.secret_access_key == SECRET
    for file in user_dirs.rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes(), file
