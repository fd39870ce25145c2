"""Watched folders, the Qt-free part: which new files are complete and not yet handed over.

The detector is driven with explicit scans and a clock the test sets: no sleeps.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from s3uploader_gui.core.watching import (
    FileState,
    FolderWatch,
    ImageChoice,
    SeenStore,
    StableFileDetector,
    WatchedFolder,
    Watcher,
    folders_from_json,
    folders_to_json,
    is_skipped_name,
    list_files,
    new_stable_files,
)

PROFILE = "Local storage"


def watched(folder: Path, **kw: object) -> WatchedFolder:
    values: dict[str, object] = {"path": folder, "profile": PROFILE, "bucket": "shots"}
    values.update(kw)
    return WatchedFolder(**values)  # type: ignore[arg-type]


def test_a_file_written_slowly_is_reported_once_and_complete(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    watch = FolderWatch(folder)
    seen = SeenStore(tmp_path / "seen.json")
    seen.set_baseline(folder, ())
    data = os.urandom(64 * 1024)
    target = folder / "shot.png"
    now = 100.0
    # Eight chunks, each appended less than a second (of the test's clock) after the last
    # scan saw the file: the detector must never answer before the last one is in.
    with target.open("wb") as fh:
        for i in range(8):
            fh.write(data[i * 8192 : (i + 1) * 8192])
            fh.flush()
            for _ in range(2):
                scan = watch.scan(now)
                assert new_stable_files(scan, seen) == (), f"reported after chunk {i}"
                now += 0.45
    assert new_stable_files(watch.scan(now), seen) == ()  # size changed since the last scan
    now += 1.0
    found = new_stable_files(watch.scan(now), seen)
    assert [f.path for f in found] == [target]
    assert found[0].size == len(data) == target.stat().st_size
    assert target.read_bytes() == data
    seen.mark(found)
    for _ in range(3):
        now += 1.0
        assert new_stable_files(watch.scan(now), seen) == ()


def test_stable_needs_two_observations_a_settle_time_apart() -> None:
    detector = StableFileDetector(settle_seconds=1.0)
    state = FileState(Path("/x/a.jpg"), 10, 1)
    assert detector.observe([state], 0.0) == ()
    assert detector.observe([state], 0.99) == ()
    assert detector.observe([state], 1.0) == (state,)
    grown = FileState(Path("/x/a.jpg"), 11, 2)
    assert detector.observe([grown], 5.0) == ()  # changed: the second starts again
    assert detector.observe([grown], 6.0) == (grown,)
    assert detector.observe([], 7.0) == ()  # gone: forgotten
    assert detector.observe([grown], 8.0) == ()


@pytest.mark.parametrize(
    "name",
    [
        "movie.mp4.part",
        "file.crdownload",
        "x.TMP",
        "~$report.docx",
        ".hidden.png",
        ".DS_Store",
        "page.partial",
        "notes.txt~",
    ],
)
def test_partials_and_hidden_names_are_skipped(name: str) -> None:
    assert is_skipped_name(name)


@pytest.mark.parametrize("name", ["shot.png", "a.part.png", "Screenshot 2024.jpg", "tmp.jpg"])
def test_ordinary_names_are_not_skipped(name: str) -> None:
    assert not is_skipped_name(name)


def test_listing_keeps_regular_complete_files_only(tmp_path: Path) -> None:
    for name in ["ok.jpg", "movie.part", ".hidden", "~$lock.docx", "dl.crdownload", "x.tmp"]:
        (tmp_path / name).write_bytes(b"data")
    (tmp_path / "empty.png").write_bytes(b"")  # created, not written yet
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.jpg").write_bytes(b"d")
    os.mkfifo(tmp_path / "pipe")  # reading it would block the scan
    (tmp_path / "link.jpg").symlink_to(tmp_path / "ok.jpg")
    assert [f.path.name for f in list_files(tmp_path)] == ["ok.jpg"]


def test_restart_does_not_report_a_file_again(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    store_path = tmp_path / "state" / "watched.json"
    watcher = Watcher(store_path)
    spec = watched(folder)
    assert watcher.tick([spec], 0.0, PROFILE).ready == ()  # baseline of an empty folder
    (folder / "a.png").write_bytes(b"png")
    watcher.tick([spec], 1.0, PROFILE)
    ready = watcher.tick([spec], 2.0, PROFILE).ready
    assert [r.file.path.name for r in ready] == ["a.png"]
    assert ready[0].folder == spec
    assert stat.S_IMODE(store_path.stat().st_mode) == 0o600

    again = Watcher(store_path)  # the app started again
    assert again.tick([spec], 10.0, PROFILE).ready == ()
    assert again.tick([spec], 11.0, PROFILE).ready == ()
    assert SeenStore(store_path).is_seen(ready[0].file)

    (folder / "b.png").write_bytes(b"new while closed")  # arrived while the app was off
    third = Watcher(store_path)
    third.tick([spec], 20.0, PROFILE)
    assert [r.file.path.name for r in third.tick([spec], 21.0, PROFILE).ready] == ["b.png"]


def test_files_already_there_when_a_folder_is_added_are_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "Downloads"
    folder.mkdir()
    for i in range(5):
        (folder / f"old{i}.jpg").write_bytes(b"old")
    watcher = Watcher(tmp_path / "w.json")
    spec = watched(folder)
    for t in range(4):
        assert watcher.tick([spec], float(t), PROFILE).ready == ()
    (folder / "new.jpg").write_bytes(b"new")
    watcher.tick([spec], 10.0, PROFILE)
    assert [r.file.path.name for r in watcher.tick([spec], 11.0, PROFILE).ready] == ["new.jpg"]


def test_a_changed_file_is_a_new_file(tmp_path: Path) -> None:
    """Keyed by path, size and mtime: a screenshot edited in place goes up again."""
    folder = tmp_path / "in"
    folder.mkdir()
    watcher = Watcher(tmp_path / "w.json")
    spec = watched(folder)
    watcher.tick([spec], 0.0, PROFILE)
    shot = folder / "s.png"
    shot.write_bytes(b"one")
    watcher.tick([spec], 1.0, PROFILE)
    assert len(watcher.tick([spec], 2.0, PROFILE).ready) == 1
    shot.write_bytes(b"two, longer")
    watcher.tick([spec], 3.0, PROFILE)
    assert [r.file.size for r in watcher.tick([spec], 4.0, PROFILE).ready] == [11]


def test_a_disappearing_folder_is_one_problem_and_watching_resumes(tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "before.jpg").write_bytes(b"b")
    watcher = Watcher(tmp_path / "w.json")
    spec = watched(folder)
    assert watcher.tick([spec], 0.0, PROFILE).problems == ()
    folder.rename(tmp_path / "usb-away")
    first = watcher.tick([spec], 1.0, PROFILE)
    assert len(first.problems) == 1
    assert str(folder) in first.problems[0] and "missing" in first.problems[0]
    for t in range(2, 6):
        tick = watcher.tick([spec], float(t), PROFILE)
        assert tick.problems == () and tick.ready == () and tick.recovered == ()
    (tmp_path / "usb-away").rename(folder)
    (folder / "while-away.jpg").write_bytes(b"w")
    back = watcher.tick([spec], 10.0, PROFILE)
    assert back.recovered == (folder,) and back.problems == ()
    ready = watcher.tick([spec], 11.0, PROFILE).ready
    # What was there before is remembered; what came while it was away goes up.
    assert [r.file.path.name for r in ready] == ["while-away.jpg"]
    folder.rename(tmp_path / "usb-away")
    assert len(watcher.tick([spec], 12.0, PROFILE).problems) == 1  # told again, once


def test_a_file_in_place_of_the_folder_is_a_problem_too(tmp_path: Path) -> None:
    path = tmp_path / "notafolder"
    path.write_bytes(b"x")
    watcher = Watcher(tmp_path / "w.json")
    tick = watcher.tick([watched(path)], 0.0, PROFILE)
    assert len(tick.problems) == 1 and "not a folder" in tick.problems[0]


def test_files_for_another_profile_wait_until_it_is_connected(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    watcher = Watcher(tmp_path / "w.json")
    spec = watched(folder, profile="Work R2")
    watcher.tick([spec], 0.0, PROFILE)
    (folder / "a.png").write_bytes(b"a")
    watcher.tick([spec], 1.0, PROFILE)
    tick = watcher.tick([spec], 2.0, PROFILE)
    assert tick.ready == ()
    assert [(w.folder, w.count) for w in tick.waiting] == [(spec, 1)]
    assert watcher.tick([spec], 3.0, None).ready == ()  # not connected at all: waits too
    ready = watcher.tick([spec], 4.0, "Work R2").ready
    assert [r.file.path.name for r in ready] == ["a.png"]
    assert watcher.tick([spec], 5.0, "Work R2").waiting == ()


def test_given_back_files_are_offered_again(tmp_path: Path) -> None:
    """The window could not queue them (the profile changed meanwhile): not lost."""
    folder = tmp_path / "in"
    folder.mkdir()
    watcher = Watcher(tmp_path / "w.json")
    spec = watched(folder)
    watcher.tick([spec], 0.0, PROFILE)
    (folder / "a.png").write_bytes(b"a")
    watcher.tick([spec], 1.0, PROFILE)
    ready = watcher.tick([spec], 2.0, PROFILE).ready
    assert len(ready) == 1
    again = watcher.tick([spec], 3.0, PROFILE, give_back=[r.file for r in ready]).ready
    assert [r.file for r in again] == [r.file for r in ready]


def test_rebaseline_leaves_what_came_while_paused(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    store = tmp_path / "w.json"
    watcher = Watcher(store)
    spec = watched(folder)
    watcher.tick([spec], 0.0, PROFILE)
    (folder / "private.png").write_bytes(b"taken while paused")
    # Paused: no ticks at all. Resumed (maybe after a restart):
    resumed = Watcher(store)
    assert resumed.tick([spec], 5.0, PROFILE, rebaseline=True).ready == ()
    assert resumed.tick([spec], 6.0, PROFILE).ready == ()
    assert resumed.tick([spec], 7.0, PROFILE).ready == ()
    (folder / "after.png").write_bytes(b"after")
    resumed.tick([spec], 8.0, PROFILE)
    assert [r.file.path.name for r in resumed.tick([spec], 9.0, PROFILE).ready] == ["after.png"]


def test_a_disabled_or_removed_folder_starts_afresh(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    watcher = Watcher(tmp_path / "w.json")
    spec = watched(folder)
    watcher.tick([spec], 0.0, PROFILE)
    off = watched(folder, enabled=False)
    watcher.tick([off], 1.0, PROFILE)
    (folder / "while-off.png").write_bytes(b"x")
    watcher.tick([spec], 2.0, PROFILE)
    assert watcher.tick([spec], 3.0, PROFILE).ready == ()
    assert watcher.tick([spec], 4.0, PROFILE).ready == ()


def test_a_damaged_state_file_never_uploads_everything_again(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "old.png").write_bytes(b"o")
    store = tmp_path / "w.json"
    store.write_text("{not json")
    watcher = Watcher(store)
    spec = watched(folder)
    first = watcher.tick([spec], 0.0, PROFILE)
    assert len(first.problems) == 1 and "started again" in first.problems[0]
    assert watcher.tick([spec], 1.0, PROFILE).ready == ()
    assert watcher.tick([spec], 2.0, PROFILE).problems == ()
    assert json.loads(store.read_text())["version"] == 1


def test_an_unwritable_state_file_is_told_once_and_watching_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    state = tmp_path / "state"
    watcher = Watcher(state / "w.json")
    spec = watched(folder)
    assert watcher.tick([spec], 0.0, PROFILE).problems == ()
    # A file where the state folder was: no write can succeed, even as root.
    shutil.rmtree(state)
    state.write_bytes(b"")
    (folder / "a.png").write_bytes(b"a")
    first = watcher.tick([spec], 1.0, PROFILE)
    second = watcher.tick([spec], 2.0, PROFILE)
    assert [r.file.path.name for r in second.ready] == ["a.png"]
    problems = first.problems + second.problems + watcher.tick([spec], 3.0, PROFILE).problems
    assert len(problems) == 1 and "cannot be saved" in problems[0]
    (folder / "b.png").write_bytes(b"b")
    watcher.tick([spec], 4.0, PROFILE)
    assert [r.file.path.name for r in watcher.tick([spec], 5.0, PROFILE).ready] == ["b.png"]


def test_the_folder_list_round_trips_and_skips_bad_entries(tmp_path: Path) -> None:
    folders = (
        watched(tmp_path / "a", prefix="shots/", images=ImageChoice.AS_IS),
        watched(tmp_path / "b", profile="Work", bucket="b2", enabled=False),
    )
    text = folders_to_json(folders)
    assert folders_from_json(text) == folders
    mixed = [*json.loads(text), {"path": ""}, "junk", {"path": "/x", "bucket": 3}]
    assert folders_from_json(json.dumps(mixed)) == folders
    assert folders_from_json("not json") == ()
    assert folders_from_json("") == ()
