"""All watched folders together: one tick per second, on a worker."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from s3uploader_gui.core.watching.folders import WatchedFolder
from s3uploader_gui.core.watching.scan import SETTLE_SECONDS, FolderWatch, new_stable_files
from s3uploader_gui.core.watching.seen import FileState, SeenStore


@dataclass(frozen=True)
class NewFile:
    """A complete new file and the watched folder (destination) it goes to."""

    folder: WatchedFolder
    file: FileState


@dataclass(frozen=True)
class Waiting:
    """``count`` new files of ``folder`` wait for its profile to be connected."""

    folder: WatchedFolder
    count: int


@dataclass(frozen=True)
class WatchTick:
    """What one tick found: files to upload now (already remembered as offered), files
    waiting for another profile, problems to tell (each once), folders that came back."""

    ready: tuple[NewFile, ...] = ()
    waiting: tuple[Waiting, ...] = ()
    problems: tuple[str, ...] = ()
    recovered: tuple[Path, ...] = ()


class Watcher:
    """All watched folders: one ``tick`` per second, on a worker.

    The memory (``SeenStore``) is read at the first tick, not when the window builds this.
    """

    def __init__(self, store_path: Path, settle_seconds: float = SETTLE_SECONDS) -> None:
        self.store_path = store_path
        self.settle_seconds = settle_seconds
        self._store: SeenStore | None = None
        self._watches: dict[Path, FolderWatch] = {}

    def tick(
        self,
        folders: Sequence[WatchedFolder],
        now: float,
        connected_profile: str | None,
        *,
        give_back: Iterable[FileState] = (),
        rebaseline: bool = False,
    ) -> WatchTick:
        """Scan the enabled ``folders`` at ``now`` (monotonic seconds).

        ``connected_profile``: the name of the connected profile (None: none); only
        folders going to it have their files returned as ``ready``, and those files are
        remembered as offered. ``give_back``: files an earlier tick returned that could
        not be queued after all (offered again). ``rebaseline``: watching resumes after a
        pause; what the folders hold now is left alone. Folders no longer enabled are
        forgotten (enabled again later, they start from a new baseline).
        """
        if self._store is None:
            self._store = SeenStore(self.store_path)
        store = self._store
        store.unmark(give_back)
        enabled: dict[Path, WatchedFolder] = {}
        for spec in folders:
            if spec.enabled:
                enabled.setdefault(spec.path, spec)
        for path in set(self._watches) - set(enabled):
            del self._watches[path]
        keep = {str(path) for path in enabled}
        for name in store.folders() - keep:
            store.forget_folder(name)
        if rebaseline:
            for path in enabled:
                store.forget_folder(path)

        ready: list[NewFile] = []
        waiting: list[Waiting] = []
        problems: list[str] = []
        recovered: list[Path] = []
        for spec in enabled.values():
            watch = self._watches.get(spec.path)
            if watch is None:
                watch = self._watches[spec.path] = FolderWatch(spec.path, self.settle_seconds)
            scan = watch.scan(now)
            if scan.problem:
                problems.append(scan.problem)
            if scan.recovered:
                recovered.append(spec.path)
            if not scan.ok:
                continue
            if not store.has_baseline(spec.path):
                store.set_baseline(spec.path, scan.files)
                continue
            store.prune(spec.path, {f.path.name for f in scan.files})
            new = new_stable_files(scan, store)
            if not new:
                continue
            if spec.profile == connected_profile:
                store.mark(new)
                ready.extend(NewFile(spec, f) for f in new)
            else:
                waiting.append(Waiting(spec, len(new)))
        store.save()
        return WatchTick(
            ready=tuple(ready),
            waiting=tuple(waiting),
            problems=(*store.take_notices(), *problems),
            recovered=tuple(recovered),
        )
