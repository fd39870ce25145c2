"""Watched folders: which files that arrive in a folder are complete and not yet uploaded.

Polling, not file-system events: every tick lists each folder with ``os.scandir`` (top
level only, no sub-folders). It works the same on every system and file system (network
shares and USB drives included, where inotify and friends miss changes), costs one
``stat`` per file per second, and a test drives it with explicit ticks and its own clock.

The rules, all here:

- a file is *complete* once its size and modification time are unchanged across two
  scans at least ``SETTLE_SECONDS`` apart (``StableFileDetector``); empty files, partial
  downloads (``*.part``, ``*.crdownload``, ``*.tmp``…), Office lock files (``~$*``),
  hidden files and anything but a regular file are never offered (``list_files``);
- each file goes up once: the ``SeenStore`` remembers, per folder, the size and mtime of
  every file already offered, across restarts (a JSON file, 0600, in the data folder).
  A file changed in place (new size or mtime) is a new file;
- files already in a folder when watching it starts (a folder just added or enabled,
  watching resumed after a pause, a damaged or lost state file) are left alone: their
  state is recorded as the folder's *baseline*. Files that arrived while the app was not
  running are uploaded when it starts again (the baseline is kept);
- a folder that cannot be listed (missing, unmounted, not a folder) is one problem, told
  once; watching it goes on when it comes back, and what arrived meanwhile goes up;
- a folder whose destination is on another profile than the connected one keeps its new
  files waiting (counted, not marked) until that profile is connected.

Everything here blocks on the file system: the window runs ``Watcher.tick`` on a worker,
one tick at a time (the ``Watcher`` is not thread-safe, and needs not be).
"""

from s3uploader_gui.core.watching.folders import (
    ImageChoice,
    WatchedFolder,
    folders_from_json,
    folders_to_json,
)
from s3uploader_gui.core.watching.scan import (
    PARTIAL_SUFFIXES,
    SETTLE_SECONDS,
    FolderScan,
    FolderWatch,
    StableFileDetector,
    folder_problem,
    is_skipped_name,
    list_files,
    new_stable_files,
)
from s3uploader_gui.core.watching.seen import FileState, SeenStore, default_state_path
from s3uploader_gui.core.watching.watcher import NewFile, Waiting, Watcher, WatchTick

__all__ = [
    "PARTIAL_SUFFIXES",
    "SETTLE_SECONDS",
    "FileState",
    "FolderScan",
    "FolderWatch",
    "ImageChoice",
    "NewFile",
    "SeenStore",
    "StableFileDetector",
    "Waiting",
    "WatchTick",
    "WatchedFolder",
    "Watcher",
    "default_state_path",
    "folder_problem",
    "folders_from_json",
    "folders_to_json",
    "is_skipped_name",
    "list_files",
    "new_stable_files",
]
