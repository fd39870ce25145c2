"""Keyring backends that fail the way real ones do: locked (prompt declined), or absent."""

from __future__ import annotations

import threading
from typing import ClassVar

import keyring.backends.fail
from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import KeyringLocked

from tests.helpers.memkeyring import MemoryKeyring


class LockedKeyring(KeyringBackend):
    """A Secret Service whose collection stays locked: the user dismissed the prompt.

    Raises what keyring's SecretService backend raises then. ``calls`` records each call
    and its thread, so a test can tell that nothing was attempted on the GUI thread.
    """

    # 0: never chosen (nor chained) by keyring's auto-detection, so a run against the
    # real Secret Service cannot fall through to it; PYTHON_KEYRING_BACKEND still loads it.
    priority = 0  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, threading.Thread]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append(("get", threading.current_thread()))
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append(("set", threading.current_thread()))
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append(("delete", threading.current_thread()))
        raise KeyringLocked("Failed to unlock the collection!")


def no_backend() -> KeyringBackend:
    """What keyring picks when no backend is usable (no D-Bus session, nothing installed)."""
    return keyring.backends.fail.Keyring()


class RememberedKeyring(MemoryKeyring):
    """A working backend as keyring's probe would find it, while ``usable`` is set; not
    viable otherwise (so no other test's probe, nor a real keyring run, ever finds it)."""

    usable: ClassVar[bool] = False

    @properties.classproperty
    def priority(cls) -> float:  # type: ignore[override]
        if not cls.usable:
            raise RuntimeError("this test backend is switched off")
        return 1
