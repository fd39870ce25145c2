"""CredentialStore over keyring: the in-memory backend, refused backends, session secrets."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked

from s3uploader_gui.core.credentials import SERVICE, CredentialStore
from s3uploader_gui.core.errors import KeyringUnavailable
from tests.helpers.memkeyring import MemoryKeyring

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRET"


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    saved = dict(MemoryKeyring._store)
    MemoryKeyring._store.clear()
    try:
        yield backend
    finally:
        MemoryKeyring._store.clear()
        MemoryKeyring._store.update(saved)


class ExplodingKeyring(KeyringBackend):
    """A backend that fails like a broken D-Bus session, echoing its arguments."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def get_password(self, service: str, username: str) -> str | None:
        raise self.exc

    def set_password(self, service: str, username: str, password: str) -> None:
        raise type(self.exc)(f"could not store {password} for {username}")

    def delete_password(self, service: str, username: str) -> None:
        raise self.exc


def test_round_trip(memory: MemoryKeyring) -> None:
    store = CredentialStore(backend=memory)
    assert store.get("work") is None
    store.set("work", SECRET)
    assert store.get("work") == SECRET
    assert memory.get_password(SERVICE, "work:secret_access_key") == SECRET
    # Fields are separate accounts; profiles do not see each other's secrets.
    store.set("work", "tok", field="session_token")
    assert store.get("work", "session_token") == "tok"
    assert store.get("home") is None
    # A second store over the same backend sees the same secret.
    assert CredentialStore(backend=memory).get("work") == SECRET


def test_default_backend_is_the_configured_one(memory: MemoryKeyring) -> None:
    store = CredentialStore()  # PYTHON_KEYRING_BACKEND is the memory keyring in tests
    assert isinstance(store.backend, MemoryKeyring)
    store.set("p", SECRET)
    assert keyring.get_keyring().get_password(SERVICE, "p:secret_access_key") == SECRET


def test_delete(memory: MemoryKeyring) -> None:
    store = CredentialStore(backend=memory)
    store.set("work", SECRET)
    store.delete("work")
    assert store.get("work") is None
    store.delete("work")  # missing is not an error
    store.delete("never-existed", "session_token")


def test_session_only_secret_stays_in_memory(memory: MemoryKeyring) -> None:
    store = CredentialStore(backend=memory)
    store.set_session_only("temp", SECRET)
    assert store.get("temp") == SECRET
    assert memory._store == {}  # nothing reached the keyring
    assert CredentialStore(backend=memory).get("temp") is None  # another run does not see it
    store.delete("temp")
    assert store.get("temp") is None


def test_session_secret_wins_over_the_keyring(memory: MemoryKeyring) -> None:
    store = CredentialStore(backend=memory)
    store.set("p", "stored")
    store.set_session_only("p", "typed-now")
    assert store.get("p") == "typed-now"


def test_backend_name(memory: MemoryKeyring) -> None:
    assert CredentialStore(backend=memory).backend_name()
    assert "null" in CredentialStore(backend=keyring.backends.null.Keyring()).backend_name().lower()


@pytest.mark.parametrize(
    "backend",
    [keyring.backends.null.Keyring(), keyring.backends.fail.Keyring()],
    ids=["null", "fail"],
)
def test_refused_backends(backend: KeyringBackend) -> None:
    store = CredentialStore(backend=backend)
    with pytest.raises(KeyringUnavailable):
        store.set("p", SECRET)
    with pytest.raises(KeyringUnavailable) as info:
        store.get("p")
    assert "session" in info.value.message
    assert SECRET not in info.value.message


@pytest.mark.parametrize(
    "backend",
    [keyring.backends.null.Keyring(), keyring.backends.fail.Keyring()],
    ids=["null", "fail"],
)
def test_session_secrets_work_without_a_keyring(backend: KeyringBackend) -> None:
    store = CredentialStore(backend=backend)
    store.set_session_only("p", SECRET)
    assert store.get("p") == SECRET
    store.delete("p")  # forgetting must work too: nothing was ever stored in the keyring
    with pytest.raises(KeyringUnavailable):
        store.get("p")


def test_keyring_errors_become_unavailable_without_the_secret() -> None:
    store = CredentialStore(backend=ExplodingKeyring(RuntimeError("dbus: no session bus")))
    with pytest.raises(KeyringUnavailable) as info:
        store.get("p")
    assert "RuntimeError" in info.value.message
    with pytest.raises(KeyringUnavailable) as info:
        store.set("p", SECRET)
    assert SECRET not in info.value.message
    assert SECRET not in repr(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    with pytest.raises(KeyringUnavailable):
        store.delete("p")


def test_locked_keyring_message() -> None:
    store = CredentialStore(backend=ExplodingKeyring(KeyringLocked("Keyring is locked")))
    with pytest.raises(KeyringUnavailable) as info:
        store.get("p")
    assert "locked" in info.value.message


@pytest.fixture
def probing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No backend named by the environment or keyring's config file, none chosen yet in
    this process: keyring would probe for one."""
    import keyring.core

    from tests.helpers.fakekeyrings import RememberedKeyring

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(keyring.core, "load_config", lambda: None)
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    monkeypatch.setattr(RememberedKeyring, "usable", True)
    yield


def _new_process(monkeypatch: pytest.MonkeyPatch, *found: KeyringBackend) -> list[int]:
    """As if the next command started: nothing chosen; keyring's probe finds ``found``
    (the returned list counts the probes)."""
    import keyring.backend
    import keyring.core

    probes: list[int] = []

    def probe() -> list[KeyringBackend]:
        probes.append(1)
        return list(found)

    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    monkeypatch.setattr(keyring.backend, "get_all_keyring", probe)
    return probes


def test_the_backend_keyring_found_is_used_next_time_without_a_probe(
    monkeypatch: pytest.MonkeyPatch, probing: None
) -> None:
    from s3uploader_gui.core import credentials
    from tests.helpers.fakekeyrings import RememberedKeyring

    probes = _new_process(monkeypatch, RememberedKeyring())
    assert type(CredentialStore().backend) is RememberedKeyring
    assert probes == [1]
    path = credentials._backend_path()
    assert path.read_text() == "tests.helpers.fakekeyrings.RememberedKeyring\n"  # no secret
    assert path.stat().st_mode & 0o777 == 0o600
    probes = _new_process(monkeypatch, RememberedKeyring())
    store = CredentialStore()
    assert type(store.backend) is RememberedKeyring
    store.set("p", SECRET)
    assert store.get("p") == SECRET
    assert probes == []  # keyring did not probe its backends again


def test_a_remembered_backend_that_no_longer_works_is_probed_for_again(
    monkeypatch: pytest.MonkeyPatch, probing: None, memory: MemoryKeyring
) -> None:
    from s3uploader_gui.core import credentials
    from tests.helpers.fakekeyrings import RememberedKeyring

    path = credentials._backend_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("tests.helpers.fakekeyrings.RememberedKeyring\n")
    monkeypatch.setattr(RememberedKeyring, "usable", False)  # its service went away
    probes = _new_process(monkeypatch, MemoryKeyring())
    assert type(CredentialStore().backend) is MemoryKeyring
    assert probes == [1]
    assert path.read_text() == "tests.helpers.memkeyring.MemoryKeyring\n"
    path.write_text("no.such.module.Keyring\n")
    probes = _new_process(monkeypatch, MemoryKeyring())
    assert type(CredentialStore().backend) is MemoryKeyring and probes == [1]


def test_a_backend_the_user_names_wins_and_is_not_remembered(
    monkeypatch: pytest.MonkeyPatch, probing: None
) -> None:
    from s3uploader_gui.core import credentials

    path = credentials._backend_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("tests.helpers.fakekeyrings.RememberedKeyring\n")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.helpers.memkeyring.MemoryKeyring")
    probes = _new_process(monkeypatch)
    assert type(CredentialStore().backend) is MemoryKeyring and probes == []
    assert path.read_text() == "tests.helpers.fakekeyrings.RememberedKeyring\n"
