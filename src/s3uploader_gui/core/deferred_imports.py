"""Modules a library imports at its top but uses only on paths this app never takes,
loaded when something first reads from them instead.

keyring (through jaraco.context, jaraco.functools and its compat layer) imports
``urllib.request`` (and with it ``http.client``, ``email``, ``ssl``), ``subprocess``,
``importlib_metadata``, ``more_itertools`` and ``configparser`` to download tarballs,
run commands, list plugins and read a config file that is seldom there. A command that
reads one secret does none of that, yet paid for all of it before its first request.
``defer`` puts a placeholder in ``sys.modules`` for each such module; the first
attribute read from it imports the real module (the import system's lock keeps two
threads from loading it twice) and hands the attribute over. Code that imports the
module later gets the real one, or the placeholder, which forwards to it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from collections.abc import Iterable
from typing import Any

_lock = threading.Lock()

#: What keyring and its helpers import without needing it to read or write a secret.
KEYRING_UNUSED = (
    "urllib.request",
    "subprocess",
    "importlib_metadata",
    "more_itertools",
    "configparser",
)


class DeferredModule(types.ModuleType):
    """Stands in ``sys.modules`` for a module until something reads from it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)  # __spec__ None: the import system takes it as loaded
        self._deferred_real: types.ModuleType | None = None

    def _deferred_load(self) -> types.ModuleType:
        real = self._deferred_real
        if real is None:
            with _lock:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
            # The import system's own lock per module: a second thread here waits for
            # the first one's import and gets the same module.
            real = importlib.import_module(self.__name__)
            self._deferred_real = real
        return real

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_deferred_"):
            raise AttributeError(attr)
        return getattr(self._deferred_load(), attr)

    def __dir__(self) -> list[str]:
        return dir(self._deferred_load())


def defer(names: Iterable[str]) -> list[str]:
    """Put a placeholder in ``sys.modules`` for each module of ``names`` that is not
    imported yet and can be found; the names deferred, in order."""
    deferred = []
    with _lock:
        for name in names:
            if name in sys.modules:
                continue
            try:
                if importlib.util.find_spec(name) is None:
                    continue  # not installed: the real import fails as it would have
            except (ImportError, ValueError):
                continue
            module = DeferredModule(name)
            sys.modules[name] = module
            parent, _, child = name.rpartition(".")
            if parent:  # ``import a.b`` then reads ``b`` from package ``a``
                setattr(sys.modules[parent], child, module)
            deferred.append(name)
    return deferred


def is_loaded(name: str) -> bool:
    """True when the real module ``name`` has been imported (not just its placeholder)."""
    module = sys.modules.get(name)
    if isinstance(module, DeferredModule):
        return module._deferred_real is not None
    return module is not None
