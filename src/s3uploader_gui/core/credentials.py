"""Secrets in the OS keyring, and nowhere else.

``CredentialStore`` wraps ``keyring``: it names the backend in use, turns every keyring
failure into ``KeyringUnavailable``, and keeps session-only secrets in memory when the
user chooses not to (or cannot) store them. It never falls back to a plain file.
"""

from __future__ import annotations

import threading

import keyring
import keyring.backend
import keyring.errors

from s3uploader_gui.core.errors import KeyringUnavailable

SERVICE = "s3uploader-gui"

# Backends that would put secrets in a plain or home-made file, or nowhere at all.
_REFUSED_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


class CredentialStore:
    """Read, write and delete the secret of a profile."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend
        self._session: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        return self._backend or keyring.get_keyring()

    def backend_name(self) -> str:
        """A human name for where secrets go ("Secret Service", "macOS Keychain", ...)."""
        backend = self.backend
        name = getattr(backend, "name", "") or type(backend).__name__
        return str(name)

    @staticmethod
    def _refused(backend: keyring.backend.KeyringBackend) -> bool:
        return type(backend).__module__.startswith(_REFUSED_MODULES)

    def _usable(self) -> keyring.backend.KeyringBackend:
        backend = self.backend
        if self._refused(backend):
            raise KeyringUnavailable(
                "No secure keyring is available on this computer "
                f"(backend: {self.backend_name()}); the secret can be used for this session only."
            )
        return backend

    @staticmethod
    def _account(profile: str, field: str) -> str:
        return f"{profile}:{field}"

    def get(self, profile: str, field: str = "secret_access_key") -> str | None:
        """The stored secret, or None when there is none."""
        account = self._account(profile, field)
        with self._lock:
            if account in self._session:
                return self._session[account]
        try:
            return self._usable().get_password(SERVICE, account)
        except KeyringUnavailable:
            raise
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from None
        except Exception as exc:  # dbus errors and the like surface as anything
            raise _unavailable(exc) from None

    def set(self, profile: str, secret: str, field: str = "secret_access_key") -> None:
        """Store ``secret`` in the OS keyring."""
        try:
            self._usable().set_password(SERVICE, self._account(profile, field), secret)
        except KeyringUnavailable:
            raise
        except Exception as exc:
            raise _unavailable(exc) from None

    def set_session_only(self, profile: str, secret: str, field: str = "secret_access_key") -> None:
        """Keep ``secret`` in memory for this run only."""
        with self._lock:
            self._session[self._account(profile, field)] = secret

    def delete(self, profile: str, field: str = "secret_access_key") -> None:
        """Forget the secret (in the keyring and in memory); missing is not an error."""
        account = self._account(profile, field)
        with self._lock:
            self._session.pop(account, None)
        if self._refused(self.backend):
            return  # nothing can have been stored there (set() refuses it)
        try:
            self._usable().delete_password(SERVICE, account)
        except keyring.errors.PasswordDeleteError:
            pass
        except KeyringUnavailable:
            raise
        except Exception as exc:
            raise _unavailable(exc) from None


def _unavailable(exc: BaseException) -> KeyringUnavailable:
    # The exception text of keyring backends can echo arguments; keep only the type.
    locked = "locked" in str(exc).lower() or "dismissed" in str(exc).lower()
    if locked:
        return KeyringUnavailable(
            "The keyring is locked and was not unlocked; unlock it or use the secret for "
            "this session only."
        )
    return KeyringUnavailable(
        f"The OS keyring cannot be used ({type(exc).__name__}); the secret can be used for "
        "this session only."
    )
