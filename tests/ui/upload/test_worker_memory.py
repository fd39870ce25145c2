"""A finished batch gives the memory it freed back (``core.memory``), whatever its end:
the window lives on after it, unlike the command line."""

from __future__ import annotations

from typing import Any

import pytest

from s3uploader_gui.core.operations.uploads import UploadPlan
from s3uploader_gui.core.transfers.model import ConflictPolicy
from s3uploader_gui.ui.upload import worker as worker_module
from s3uploader_gui.ui.upload.worker import UploadWorker


@pytest.mark.parametrize("planner_fails", [False, True])
def test_the_worker_releases_free_memory_once_the_batch_ends(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, planner_fails: bool
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(worker_module, "release_free_memory", lambda: calls.append("released"))
    empty = UploadPlan(ConflictPolicy.OVERWRITE, (), (), frozenset())

    def planner() -> tuple[UploadPlan, None]:
        if planner_fails:
            raise OSError("the folder went away")
        return empty, None

    engine: Any = object()  # an empty plan never reaches the engine
    worker = UploadWorker(engine, "bucket", planner, [])
    failures: list[str] = []
    worker.batchFailed.connect(failures.append)
    finished: list[str] = []
    worker.finished.connect(lambda: finished.append(" ".join(calls)))
    worker.run()
    assert finished == ["released"]  # before the batch's end is told
    assert bool(failures) == planner_fails
