"""The window plans its uploads with the core: same-name files never meet at one key, and the
window and the command line make the same plan from the same inputs."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.cli import main
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.operations import uploads as upload_ops
from s3uploader_gui.core.transfers.model import ConflictPolicy, ItemStatus
from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.upload import controls
from tests.cli.conftest import seaweed_env
from tests.helpers.images import decode, photo
from tests.ui.upload.test_transfer_controls import add_files, statuses

#: The two photos differ in size, so a stored object tells which one it is.
FIRST, SECOND = (400, 300), (200, 150)


def _two_cameras(tmp_path: Path) -> list[Path]:
    return [
        photo(tmp_path / "100CANON" / "IMG_0001.JPG", FIRST),
        photo(tmp_path / "101CANON" / "IMG_0001.JPG", SECOND),
    ]


def _stored_size(context, bucket: str, key: str) -> tuple[int, int]:
    body = context.client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return decode(body).size


def _upload(qtbot, window: MainWindow, files: list[Path], policy: ConflictPolicy) -> None:
    pane = window.upload_pane
    pane.autostart_box.setChecked(False)
    pane.transfer.prefs.conflict = policy
    pane.set_destination(pane.destination()[0], "trip/")
    add_files(qtbot, window, files)
    pane.start_uploads()
    qtbot.waitUntil(lambda: not pane.uploading, timeout=20000)


def test_two_files_for_one_key_ask_stores_one_and_fails_the_other(
    qtbot, window: MainWindow, seaweed_context, seaweed_bucket, tmp_path
):
    files = _two_cameras(tmp_path)
    _upload(qtbot, window, files, ConflictPolicy.ASK)
    q = window.upload_pane.queue
    assert statuses(window) == [ItemStatus.DONE, ItemStatus.FAILED]
    assert "goes to the same key" in q.item(1).error
    # The second never replaced the first.
    assert _stored_size(seaweed_context, seaweed_bucket, "trip/IMG_0001.JPG") == FIRST


def test_two_files_for_one_key_rename_stores_both(
    qtbot, window: MainWindow, seaweed_context, seaweed_bucket, tmp_path
):
    files = _two_cameras(tmp_path)
    _upload(qtbot, window, files, ConflictPolicy.RENAME)
    q = window.upload_pane.queue
    assert statuses(window) == [ItemStatus.DONE, ItemStatus.DONE]
    assert [q.item(r).key for r in range(2)] == ["trip/IMG_0001.JPG", "trip/IMG_0001 (1).JPG"]
    assert _stored_size(seaweed_context, seaweed_bucket, "trip/IMG_0001.JPG") == FIRST
    assert _stored_size(seaweed_context, seaweed_bucket, "trip/IMG_0001 (1).JPG") == SECOND


def test_the_window_and_the_command_line_make_the_same_plan(
    qtbot,
    window: MainWindow,
    seaweed: LocalServerInfo,
    seaweed_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    plans: list[upload_ops.UploadPlan] = []
    real = upload_ops.plan_uploads

    def spy(*args: object, **kwargs: object) -> upload_ops.UploadPlan:
        plan = real(*args, **kwargs)  # type: ignore[arg-type]
        plans.append(plan)
        return plan

    monkeypatch.setattr(upload_ops, "plan_uploads", spy)
    files = _two_cameras(tmp_path)
    _upload(qtbot, window, files, ConflictPolicy.RENAME)
    for name, value in seaweed_env(seaweed).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    code = main(
        [
            "upload",
            *map(str, files),
            "--to",
            f"s3://{seaweed_bucket}/cli/",
            "--on-conflict",
            "rename",
        ]
    )
    assert code == 0
    assert len(plans) == 2

    def shape(plan: upload_ops.UploadPlan, prefix: str) -> list[tuple[Path, str]]:
        return [(p.source.path, p.key.removeprefix(prefix)) for p in plan.items]

    assert shape(plans[0], "trip/") == shape(plans[1], "cli/")
    assert shape(plans[0], "trip/") == [
        (files[0], "IMG_0001.JPG"),
        (files[1], "IMG_0001 (1).JPG"),
    ]


def test_clicking_upload_makes_the_keys_and_the_plan_off_the_gui_thread(
    qtbot, window: MainWindow, seaweed_bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The keys of hundreds of files and their plan held the window up when Upload was
    clicked: they are made on the batch's worker, and the rows still get their keys."""
    threads: list[threading.Thread] = []
    real_plan, real_render = upload_ops.plan_uploads, controls.render_key

    def plan(*args: Any, **kwargs: Any) -> upload_ops.UploadPlan:
        threads.append(threading.current_thread())
        return real_plan(*args, **kwargs)

    def render(*args: Any, **kwargs: Any) -> str:
        threads.append(threading.current_thread())
        return real_render(*args, **kwargs)

    monkeypatch.setattr(upload_ops, "plan_uploads", plan)
    monkeypatch.setattr(controls, "render_key", render)
    _upload(qtbot, window, _two_cameras(tmp_path), ConflictPolicy.RENAME)
    assert len(threads) == 3
    assert threading.main_thread() not in threads
    q = window.upload_pane.queue
    assert statuses(window) == [ItemStatus.DONE, ItemStatus.DONE]
    assert [q.item(r).key for r in range(2)] == ["trip/IMG_0001.JPG", "trip/IMG_0001 (1).JPG"]
    assert {q.item(r).bucket for r in range(2)} == {seaweed_bucket}
