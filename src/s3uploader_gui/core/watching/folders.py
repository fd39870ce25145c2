"""The list of watched folders as the preferences keep it: where each one's files go."""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


class ImageChoice(enum.StrEnum):
    """Which image options a watched folder's files upload with."""

    #: The upload panel's options at the time the file is queued.
    PANEL = "panel"
    #: The file exactly as it is (no resize, no conversion, metadata kept).
    AS_IS = "as-is"


@dataclass(frozen=True)
class WatchedFolder:
    """A folder to watch and where its new files go (``profile`` is a profile's name)."""

    path: Path
    profile: str
    bucket: str
    prefix: str = ""
    images: ImageChoice = ImageChoice.PANEL
    enabled: bool = True


def folders_to_json(folders: Iterable[WatchedFolder]) -> str:
    return json.dumps(
        [
            {
                "path": str(f.path),
                "profile": f.profile,
                "bucket": f.bucket,
                "prefix": f.prefix,
                "images": f.images.value,
                "enabled": f.enabled,
            }
            for f in folders
        ]
    )


def folders_from_json(text: str) -> tuple[WatchedFolder, ...]:
    """The folders saved by ``folders_to_json``; entries that make no sense are left out."""
    try:
        raw = json.loads(text) if text else []
    except ValueError:
        log.warning("the watched folders setting is not JSON: ignored")
        return ()
    if not isinstance(raw, list):
        return ()
    folders: list[WatchedFolder] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        path, profile, bucket = item.get("path"), item.get("profile"), item.get("bucket")
        prefix = item.get("prefix", "")
        if not (isinstance(path, str) and path and isinstance(bucket, str) and bucket):
            continue
        if not isinstance(profile, str) or not isinstance(prefix, str):
            continue
        try:
            images = ImageChoice(item.get("images", ImageChoice.PANEL.value))
        except ValueError:
            images = ImageChoice.PANEL
        enabled = item.get("enabled", True)
        folders.append(
            WatchedFolder(
                path=Path(path),
                profile=profile,
                bucket=bucket,
                prefix=prefix,
                images=images,
                enabled=enabled if isinstance(enabled, bool) else True,
            )
        )
    return tuple(folders)
