"""An in-memory keyring backend for tests (selected through PYTHON_KEYRING_BACKEND)."""

from __future__ import annotations

from typing import ClassVar

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Secrets in a dict, shared by every instance in the process."""

    # 0: never chosen (nor chained) by keyring's auto-detection, so a run against the
    # real Secret Service cannot fall through to it; PYTHON_KEYRING_BACKEND still loads it.
    priority = 0  # type: ignore[assignment]
    _store: ClassVar[dict[tuple[str, str], str]] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self._store[(service, username)]
        except KeyError:
            raise PasswordDeleteError(username) from None
