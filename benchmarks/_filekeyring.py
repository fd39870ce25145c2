"""A keyring backend in a private JSON file, for the benchmarks only.

``s3uploader profiles add`` stores the secret in one process and ``s3uploader --profile``
reads it in another, so an in-memory keyring (tests/helpers/memkeyring.py) cannot carry
it, and a machine without a Secret Service has no real keyring. Select it with
``PYTHON_KEYRING_BACKEND=benchmarks._filekeyring.FileKeyring`` and
``BENCH_KEYRING_FILE=PATH`` (the benchmark's own temporary folder). Plain text: never
for real secrets.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    # 0: never picked by keyring's auto-detection; PYTHON_KEYRING_BACKEND still loads it.
    priority = 0  # type: ignore[assignment]

    @staticmethod
    def _path() -> Path:
        return Path(os.environ["BENCH_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._path().read_text())
        except FileNotFoundError:
            return {}
        return data

    def _save(self, data: dict[str, str]) -> None:
        path = self._path()
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)
        tmp.replace(path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\0{username}"] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError(username)
        self._save(data)
