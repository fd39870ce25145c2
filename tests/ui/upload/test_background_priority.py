"""The window's background work (queue thumbnails, the history's thumbnails as a batch
ends) runs on threads that lowered their priority, never on the GUI thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from s3uploader_gui.core.imaging.thumbcache import ThumbnailCache
from s3uploader_gui.ui.upload import history_recording, local_thumbnails
from tests.helpers.files import make_jpeg


def test_thumbnail_jobs_lower_their_own_thread(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lowered: list[int] = []
    monkeypatch.setattr(
        local_thumbnails, "lower_this_thread", lambda: lowered.append(threading.get_ident())
    )
    loader = local_thumbnails.LocalThumbnailLoader(ThumbnailCache(tmp_path / "cache"))
    try:
        photo = make_jpeg(tmp_path / "a.jpg", (320, 240))
        with qtbot.waitSignal(loader.thumbnailReady, timeout=10000):
            loader.request(photo, 96)
    finally:
        loader.shutdown(5000)
    assert lowered and threading.main_thread().ident not in lowered


def test_the_history_job_lowers_its_own_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    lowered: list[int] = []
    monkeypatch.setattr(
        history_recording, "lower_this_thread", lambda: lowered.append(threading.get_ident())
    )
    ran: list[int] = []

    def record() -> int:
        ran.append(threading.get_ident())
        return 7

    got: list[int] = []
    thread = threading.Thread(target=lambda: got.append(history_recording._in_background(record)))
    thread.start()
    thread.join()
    assert got == [7]
    assert lowered == ran == [thread.ident]


def test_the_upload_workers_image_preparation_lowers_its_own_thread(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from s3uploader_gui.core.cancel import CancelToken
    from s3uploader_gui.core.naming import UploadSource
    from s3uploader_gui.ui.upload import worker

    lowered: list[int] = []
    monkeypatch.setattr(worker, "lower_this_thread", lambda: lowered.append(threading.get_ident()))
    source = UploadSource(tmp_path / "a.jpg", "a.jpg", 1)
    prepared = UploadSource(tmp_path / "a.webp", "a.webp", 1)
    ran_on: list[int] = []

    def prepare(got: UploadSource, cancel: CancelToken) -> UploadSource:
        ran_on.append(threading.get_ident())
        assert got is source
        return prepared

    wrapped = worker._in_background(prepare)
    results: list[UploadSource] = []
    thread = threading.Thread(target=lambda: results.append(wrapped(source, CancelToken())))
    thread.start()
    thread.join(10)
    assert results == [prepared]
    assert lowered == ran_on == [thread.ident]  # the preparing thread, not the caller
