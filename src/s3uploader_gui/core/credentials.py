"""Secrets in the OS keyring, and nowhere else.

``CredentialStore`` wraps ``keyring``: it names the backend in use, turns every keyring
failure into ``KeyringUnavailable``, and keeps session-only secrets in memory when the
user chooses not to (or cannot) store them. It never falls back to a plain file. The
backend keyring finds is remembered by name (``BACKEND_FILE``) and tried first in the
next process, where the secrets it holds are.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # keyring (and jaraco) load on first use, not at start-up
    import keyring.backend

from s3uploader_gui.core.errors import KeyringUnavailable
from s3uploader_gui.core.logsetup import register_secret

log = logging.getLogger(__name__)

SERVICE = "s3uploader-gui"

#: Every secret field a profile can have in the keyring.
SECRET_FIELDS = ("secret_access_key", "session_token")

# Human names for the keyring backends people meet, by module.
_FRIENDLY_NAMES = {
    "keyring.backends.SecretService": "the Secret Service keyring (GNOME Keyring, KWallet…)",
    "keyring.backends.libsecret": "the Secret Service keyring (libsecret)",
    "keyring.backends.kwallet": "KWallet",
    "keyring.backends.macOS": "the macOS Keychain",
    "keyring.backends.Windows": "the Windows Credential Locker",
}

# Backends that would put secrets in a plain or home-made file, or nowhere at all.
_REFUSED_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")

#: The file naming the keyring backend found last time (its import name: no secret), in
#: the app's config folder. keyring otherwise probes every backend it knows in every
#: process (on Linux that includes looking for the macOS library) before a command with
#: ``--profile`` can sign its first request.
BACKEND_FILE = "keyring-backend"
_backend_lock = threading.Lock()


class CredentialStore:
    """Read, write and delete the secret of a profile."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend
        self._session: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        if self._backend is not None:
            return self._backend
        return process_backend()

    def backend_name(self) -> str:
        """keyring's own name for the backend in use ("SecretService Keyring", ...)."""
        backend = self.backend
        name = getattr(backend, "name", "") or type(backend).__name__
        return str(name)

    def describe_backend(self) -> str:
        """Where secrets go, for a person: "the macOS Keychain", "the Secret Service ..."."""
        backend = self.backend
        backends = getattr(backend, "backends", None)  # the chainer: several in turn
        if type(backend).__module__ == "keyring.backends.chainer" and backends:
            usable = [b for b in backends if not self._refused(b)]
            if usable:
                return _friendly(usable[0])
        return _friendly(backend)

    def usable(self) -> bool:
        """False when the backend would store nothing, or only in a plain file."""
        return not self._refused(self.backend)

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
            if any(key.startswith(f"{profile}:") for key in self._session):
                # Its secrets are session-only (the keyring was refused): do not ask it.
                return None
        _defer_unused()
        import keyring.errors

        try:
            secret = self._usable().get_password(SERVICE, account)
        except KeyringUnavailable:
            raise
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from None
        except Exception as exc:  # dbus errors and the like surface as anything
            raise _unavailable(exc) from None
        register_secret(secret)  # the log scrubs it, should it ever get there
        return secret

    def set(self, profile: str, secret: str, field: str = "secret_access_key") -> None:
        """Store ``secret`` in the OS keyring."""
        register_secret(secret)
        try:
            self._usable().set_password(SERVICE, self._account(profile, field), secret)
        except KeyringUnavailable:
            raise
        except Exception as exc:
            raise _unavailable(exc) from None

    def set_session_only(self, profile: str, secret: str, field: str = "secret_access_key") -> None:
        """Keep ``secret`` in memory for this run only."""
        register_secret(secret)
        with self._lock:
            self._session[self._account(profile, field)] = secret

    def is_session_only(self, profile: str, field: str = "secret_access_key") -> bool:
        """True when this run holds the secret in memory instead of the keyring."""
        with self._lock:
            return self._account(profile, field) in self._session

    def delete_all(self, profile: str) -> None:
        """Forget every secret of ``profile`` (the profile is being deleted)."""
        for name in SECRET_FIELDS:
            self.delete(profile, name)

    def delete(self, profile: str, field: str = "secret_access_key") -> None:
        """Forget the secret (in the keyring and in memory); missing is not an error."""
        account = self._account(profile, field)
        with self._lock:
            self._session.pop(account, None)
        if self._refused(self.backend):
            return  # nothing can have been stored there (set() refuses it)
        import keyring.errors  # loaded already: self.backend chose the backend

        try:
            self._usable().delete_password(SERVICE, account)
        except keyring.errors.PasswordDeleteError:
            pass
        except KeyringUnavailable:
            raise
        except Exception as exc:
            raise _unavailable(exc) from None


def process_backend() -> keyring.backend.KeyringBackend:
    """keyring's backend for this process, chosen as keyring chooses it (the environment,
    keyring's config file, else the best backend it finds), except that the backend
    found last time (``BACKEND_FILE``) is tried before keyring probes every backend."""
    _defer_unused()
    import keyring
    import keyring.core

    with _backend_lock:
        if getattr(keyring.core, "_keyring_backend", None) is not None:
            return keyring.get_keyring()  # chosen already in this process
        # What the user chose (PYTHON_KEYRING_BACKEND, keyringrc.cfg) is never remembered:
        # it applies while it is set, and keyring's own choice comes back after.
        chosen = keyring.core.load_env() or keyring.core.load_config()
        if chosen is None:
            chosen = _remembered()
        if chosen is None:
            chosen = keyring.get_keyring()  # keyring probes every backend it knows
            _remember(chosen)
        else:
            keyring.set_keyring(chosen)
        return chosen


def _defer_unused() -> None:
    """Before keyring is first imported: what it imports for other uses than secrets
    (downloads, subprocesses, plugin lists) loads only if something reads from it."""
    if "keyring" not in sys.modules:
        from s3uploader_gui.core.deferred_imports import KEYRING_UNUSED, defer

        defer(KEYRING_UNUSED)


def _backend_path() -> Path:
    from s3uploader_gui.core.paths import config_dir

    return config_dir() / BACKEND_FILE


def _name(backend: keyring.backend.KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _remembered() -> keyring.backend.KeyringBackend | None:
    """The backend named in ``BACKEND_FILE`` when it still works here, else None."""
    import keyring.core

    try:
        name = _backend_path().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not name or name.startswith(_REFUSED_MODULES):
        return None
    try:
        backend = keyring.core.load_keyring(name)
        if not type(backend).viable or type(backend).priority <= 0:
            return None  # its service is gone (no Secret Service running, say)
    except Exception as exc:  # an uninstalled module, a backend that cannot start
        log.info("the keyring backend used last time is not usable: %s", type(exc).__name__)
        return None
    return backend


def _remember(backend: keyring.backend.KeyringBackend) -> None:
    """Name ``backend`` in ``BACKEND_FILE`` (a chainer, which finds its backends itself,
    and a refused backend are not remembered)."""
    module = type(backend).__module__
    if module.startswith(_REFUSED_MODULES) or module == "keyring.backends.chainer":
        return
    from s3uploader_gui.core.files import atomic_write

    try:
        atomic_write(_backend_path(), _name(backend).encode() + b"\n")
    except OSError as exc:  # the next run probes again, that is all
        log.info("the keyring backend was not remembered: %s", exc)


def _friendly(backend: keyring.backend.KeyringBackend) -> str:
    module = type(backend).__module__
    for prefix, name in _FRIENDLY_NAMES.items():
        if module == prefix or module.startswith(prefix + "."):
            return name
    label = getattr(backend, "name", "") or type(backend).__name__
    return f"the keyring “{label}”"


def _unavailable(exc: BaseException) -> KeyringUnavailable:
    # The exception text of keyring backends can echo arguments; keep only the type.
    import keyring.errors

    text = str(exc).lower()
    locked = isinstance(exc, keyring.errors.KeyringLocked) or any(
        word in text for word in ("locked", "unlock", "dismissed")
    )
    if locked:
        return KeyringUnavailable(
            "The keyring is locked and was not unlocked; unlock it or use the secret for "
            "this session only."
        )
    return KeyringUnavailable(
        f"The OS keyring cannot be used ({type(exc).__name__}); the secret can be used for "
        "this session only."
    )
