"""Where the window keeps the watched folders and the pause: QSettings."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from s3uploader_gui.core.watching import WatchedFolder, folders_from_json, folders_to_json

#: QSettings keys: the folders (JSON, ``core.watching.folders_to_json``) and the pause.
FOLDERS_KEY = "watch/folders"
PAUSED_KEY = "watch/paused"


def load_folders(settings: QSettings) -> tuple[WatchedFolder, ...]:
    return folders_from_json(str(settings.value(FOLDERS_KEY, "") or ""))


def save_folders(settings: QSettings, folders: tuple[WatchedFolder, ...]) -> None:
    settings.setValue(FOLDERS_KEY, folders_to_json(folders))
