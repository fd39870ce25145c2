"""What each watched folder held already or has offered: the memory kept across restarts."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from s3uploader_gui.core import paths
from s3uploader_gui.core.files import atomic_write

log = logging.getLogger(__name__)

#: Bumped when the file's shape changes; another version is started again (a new baseline).
STATE_VERSION = 1
#: The file's name in the user data folder.
STATE_FILE_NAME = "watched-folders.json"


def default_state_path() -> Path:
    """Where the window keeps the memory of watched folders (the user data folder)."""
    return paths.data_dir() / STATE_FILE_NAME


@dataclass(frozen=True)
class FileState:
    """A file as one scan saw it."""

    path: Path
    size: int
    mtime_ns: int


class SeenStore:
    """What each watched folder held already or has offered: name -> (size, mtime_ns).

    One JSON file written whole (``atomic_write``, 0600: it names the user's files). A
    file that cannot be read or parsed is set aside and started again: every folder then
    gets a new baseline, so nothing already there is uploaded a second time. A file that
    cannot be written is told once; watching goes on with the memory in RAM.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._folders: dict[str, dict[str, tuple[int, int]]] = {}
        self._dirty = False
        self._write_failed = False
        self._notices: list[str] = []
        self._load()

    # -- persistence -------------------------------------------------------------------
    def _load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            self._restart(f"cannot be read ({exc.strerror or type(exc).__name__})")
            return
        try:
            data = json.loads(raw)
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"version {data.get('version')!r}")
            folders = {
                str(folder): {
                    str(name): (int(entry[0]), int(entry[1])) for name, entry in files.items()
                }
                for folder, files in data["folders"].items()
            }
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            log.warning("watched-folder state %s is damaged: %s", self.path, exc)
            with contextlib.suppress(OSError):
                os.replace(self.path, self.path.with_name(self.path.name + ".damaged"))
            self._restart("was damaged")
            return
        self._folders = folders

    def _restart(self, why: str) -> None:
        self._notices.append(
            f"The watched folders' memory {self.path} {why} and was started again: "
            "files already in the folders are not uploaded again."
        )

    def save(self) -> None:
        """Write the memory if it changed; a failure is told once (``take_notices``)."""
        if not self._dirty:
            return
        data = {
            "version": STATE_VERSION,
            "folders": {
                folder: {name: list(entry) for name, entry in files.items()}
                for folder, files in self._folders.items()
            },
        }
        try:
            atomic_write(self.path, json.dumps(data, separators=(",", ":")).encode())
        except OSError as exc:
            log.warning("cannot save the watched-folder state %s: %s", self.path, exc)
            if not self._write_failed:
                self._write_failed = True
                self._notices.append(
                    f"The watched folders' memory {self.path} cannot be saved "
                    f"({exc.strerror or type(exc).__name__}): files uploaded now may be "
                    "uploaded again after a restart."
                )
            return
        self._dirty = False
        self._write_failed = False

    def take_notices(self) -> tuple[str, ...]:
        """Problems of the store itself since the last call (each told once)."""
        notices, self._notices = tuple(self._notices), []
        return notices

    # -- folders -----------------------------------------------------------------------
    def folders(self) -> set[str]:
        return set(self._folders)

    def has_baseline(self, folder: Path) -> bool:
        return str(folder) in self._folders

    def set_baseline(self, folder: Path, files: Iterable[FileState]) -> None:
        """``folder`` starts being watched: what it holds now counts as seen."""
        self._folders[str(folder)] = {f.path.name: (f.size, f.mtime_ns) for f in files}
        self._dirty = True

    def forget_folder(self, folder: Path | str) -> None:
        if self._folders.pop(str(folder), None) is not None:
            self._dirty = True

    def prune(self, folder: Path, present: set[str]) -> None:
        """Forget files no longer in ``folder`` (the memory stays the folder's size)."""
        files = self._folders.get(str(folder))
        if files is None:
            return
        gone = [name for name in files if name not in present]
        for name in gone:
            del files[name]
        self._dirty = self._dirty or bool(gone)

    # -- files -------------------------------------------------------------------------
    def is_seen(self, f: FileState) -> bool:
        return self._folders.get(str(f.path.parent), {}).get(f.path.name) == (f.size, f.mtime_ns)

    def mark(self, files: Iterable[FileState]) -> None:
        for f in files:
            self._folders.setdefault(str(f.path.parent), {})[f.path.name] = (f.size, f.mtime_ns)
            self._dirty = True

    def unmark(self, files: Iterable[FileState]) -> None:
        for f in files:
            if self.is_seen(f):
                del self._folders[str(f.path.parent)][f.path.name]
                self._dirty = True
