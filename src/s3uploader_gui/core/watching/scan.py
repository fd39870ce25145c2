"""One folder's scans: which files may be uploaded, and which have stopped changing."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from s3uploader_gui.core.watching.seen import FileState, SeenStore

#: How long a file's size and mtime must stay the same before it counts as complete.
SETTLE_SECONDS = 1.0
#: Names of files still being written by a browser, a download manager or an editor.
PARTIAL_SUFFIXES = (
    ".part",  # Firefox, wget2, many others
    ".partial",  # older Firefox, IE
    ".crdownload",  # Chrome, Edge, Brave
    ".download",  # Safari
    ".opdownload",  # Opera
    ".tmp",
    ".temp",
    ".swp",  # vim
    ".!qb",  # qBittorrent
)
#: Windows' "hidden" attribute (``st_file_attributes``; absent elsewhere).
_FILE_ATTRIBUTE_HIDDEN = 0x2


def is_skipped_name(name: str) -> bool:
    """True for names that are never uploaded from a watched folder: hidden files, partial
    downloads and temporary files, Office lock files (``~$x.docx``), editor backups (``x~``)."""
    if name.startswith((".", "~$")) or name.endswith("~"):
        return True
    return name.lower().endswith(PARTIAL_SUFFIXES)


def list_files(folder: Path) -> tuple[FileState, ...]:
    """The regular, non-empty files directly in ``folder`` that may be uploaded, by name.

    Symbolic links, FIFOs, sockets and devices are left out (reading a FIFO would block),
    and so are empty files (a file is often created first and written a moment later).
    Raises ``OSError`` when ``folder`` cannot be listed.
    """
    found: list[FileState] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if is_skipped_name(entry.name):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:  # gone between the listing and the stat
                continue
            if st.st_size == 0 or getattr(st, "st_file_attributes", 0) & _FILE_ATTRIBUTE_HIDDEN:
                continue
            found.append(FileState(Path(entry.path), st.st_size, st.st_mtime_ns))
    found.sort(key=lambda f: f.path.name)
    return tuple(found)


class StableFileDetector:
    """Says which files have stopped changing.

    A file is stable when the scan at ``now`` finds the size and mtime it had at a scan at
    least ``settle_seconds`` earlier, with no change seen in between. ``now`` comes from
    the caller's clock (monotonic seconds), so a test sets it.
    """

    def __init__(self, settle_seconds: float = SETTLE_SECONDS) -> None:
        self.settle_seconds = settle_seconds
        #: path -> (size, mtime_ns, time that state was first seen)
        self._since: dict[Path, tuple[int, int, float]] = {}

    def observe(self, files: Iterable[FileState], now: float) -> tuple[FileState, ...]:
        """Record one scan's files; those of them that are stable (files absent from this
        scan are forgotten)."""
        stable: list[FileState] = []
        current: dict[Path, tuple[int, int, float]] = {}
        for f in files:
            before = self._since.get(f.path)
            if before is not None and before[:2] == (f.size, f.mtime_ns):
                current[f.path] = before
                if now - before[2] >= self.settle_seconds:
                    stable.append(f)
            else:
                current[f.path] = (f.size, f.mtime_ns, now)
        self._since = current
        return tuple(stable)


@dataclass(frozen=True)
class FolderScan:
    """One scan of one folder.

    ``ok`` False: the folder could not be listed; ``problem`` says why, on the first such
    scan only. ``recovered``: it can be listed again after it could not.
    """

    folder: Path
    ok: bool
    files: tuple[FileState, ...] = ()
    stable: tuple[FileState, ...] = ()
    problem: str = ""
    recovered: bool = False


class FolderWatch:
    """Scans one folder and follows which of its files are complete."""

    def __init__(self, folder: Path, settle_seconds: float = SETTLE_SECONDS) -> None:
        self.folder = folder
        self._detector = StableFileDetector(settle_seconds)
        self._failing = False

    def scan(self, now: float) -> FolderScan:
        try:
            files = list_files(self.folder)
        except OSError as exc:
            first = not self._failing
            self._failing = True
            self._detector.observe((), now)
            return FolderScan(
                self.folder, ok=False, problem=folder_problem(self.folder, exc) if first else ""
            )
        recovered, self._failing = self._failing, False
        stable = self._detector.observe(files, now)
        return FolderScan(self.folder, ok=True, files=files, stable=stable, recovered=recovered)


def folder_problem(folder: Path, exc: OSError) -> str:
    """One sentence for a watched folder that cannot be listed."""
    if isinstance(exc, FileNotFoundError):
        what = "is missing"
    elif isinstance(exc, NotADirectoryError):
        what = "is not a folder"
    elif isinstance(exc, PermissionError):
        what = "cannot be read (permission denied)"
    else:
        what = f"cannot be read ({exc.strerror or type(exc).__name__})"
    return f"The watched folder {folder} {what}: watching it resumes when it comes back."


def new_stable_files(scan: FolderScan, seen: SeenStore) -> tuple[FileState, ...]:
    """The files of ``scan`` that are complete and were never offered before."""
    return tuple(f for f in scan.stable if not seen.is_seen(f))
