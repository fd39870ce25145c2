"""Download… in the browser: planned by the core, asks before it replaces a local file.

Against SeaweedFS; the "already exists" question is answered through
``pane.conflict_prompt.ask`` (the dialog itself is tested at the end).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QCheckBox, QMessageBox

from s3uploader_gui.core.operations import downloads as ops
from s3uploader_gui.core.transfers.model import ConflictPolicy, ItemStatus
from s3uploader_gui.ui.browser.download_conflicts import Answer
from s3uploader_gui.ui.browser.pane import BrowserPane
from tests.conftest import unique_bucket
from tests.ui.browser.test_pane import (  # noqa: F401
    make_pane,
    open_folder,
    pane,
    pool,
    put,
    select,
)

REPLACE, KEEP_BOTH, SKIP = ConflictPolicy.OVERWRITE, ConflictPolicy.RENAME, ConflictPolicy.SKIP


def download(qtbot: Any, pane: BrowserPane, dest: Path) -> ops.DownloadOutcome:  # noqa: F811
    """Download… the selection into ``dest``; the outcome once it ran."""

    def is_download(name: str, _result: object) -> bool:
        return name == "download"

    with qtbot.waitSignal(
        pane.operationFinished, timeout=30000, check_params_cb=is_download
    ) as blocker:
        pane.download_selected(dest)
    outcome = blocker.args[1]
    assert isinstance(outcome, ops.DownloadOutcome), outcome
    return outcome


def answering(monkeypatch: pytest.MonkeyPatch, pane: BrowserPane, *answers: Answer | None):  # noqa: F811
    """The prompt gives ``answers`` in turn; returns the (file name, remaining) asked."""
    asked: list[tuple[str, int]] = []
    queue = list(answers)

    def ask(item: ops.PlannedDownload, remaining: int) -> Answer | None:
        asked.append((item.path.name, remaining))
        return queue.pop(0)

    monkeypatch.setattr(pane.conflict_prompt, "ask", ask)
    return asked


def statuses(pane: BrowserPane) -> list[str]:  # noqa: F811
    seen: list[str] = []
    pane.statusMessage.connect(lambda text, _ms: seen.append(text))
    return seen


def test_download_objects_and_folders(qtbot, pane, seaweed_context, seaweed_bucket, tmp_path):  # noqa: F811
    data = {"d/one.bin": b"1" * 1000, "d/tree/a.txt": b"a", "d/tree/deep/b.txt": b"b"}
    put(seaweed_context, seaweed_bucket, data)
    open_folder(qtbot, pane, seaweed_bucket, "d/")
    select(pane, "one.bin", "tree")
    outcome = download(qtbot, pane, tmp_path)
    assert (len(outcome.downloaded), outcome.failed) == (3, ())
    assert (tmp_path / "one.bin").read_bytes() == data["d/one.bin"]
    assert (tmp_path / "tree" / "a.txt").read_bytes() == b"a"
    assert (tmp_path / "tree" / "deep" / "b.txt").read_bytes() == b"b"


def test_the_pane_plans_through_the_core_operation(
    qtbot,
    pane,  # noqa: F811
    seaweed_context,
    seaweed_bucket,
    tmp_path,
    monkeypatch,
):
    put(seaweed_context, seaweed_bucket, {"s/a.txt": b"a"})
    calls: list[tuple[str, list[ops.Selection], Path]] = []
    real = ops.plan_downloads

    def spy(context: Any, bucket: str, selections: Any, dest: Path, **kw: Any) -> Any:
        calls.append((bucket, list(selections), dest))
        return real(context, bucket, selections, dest, **kw)

    monkeypatch.setattr(ops, "plan_downloads", spy)
    open_folder(qtbot, pane, seaweed_bucket, "s/")
    select(pane, "a.txt")
    download(qtbot, pane, tmp_path)
    assert calls == [
        (seaweed_bucket, [ops.Selection("s/a.txt", folder=False, strip="s/")], tmp_path)
    ]
    assert (tmp_path / "a.txt").read_bytes() == b"a"
    # The drag out plans through it too.
    with qtbot.waitSignal(pane.dragReady, timeout=20000):
        assert pane.prepare_drag() == []
    assert len(calls) == 2 and calls[1][1] == [ops.Selection("s/a.txt", folder=False)]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (SKIP, {"a.txt": b"old"}),
        (KEEP_BOTH, {"a.txt": b"old", "a (1).txt": b"new"}),
        (REPLACE, {"a.txt": b"new"}),
    ],
)
def test_an_existing_file_is_asked_about(
    qtbot,
    pane,  # noqa: F811
    seaweed_context,
    seaweed_bucket,
    tmp_path,
    monkeypatch,
    answer,
    expected,
):
    put(seaweed_context, seaweed_bucket, {"c/a.txt": b"new", "c/b.txt": b"b"})
    (tmp_path / "a.txt").write_bytes(b"old")
    asked = answering(monkeypatch, pane, Answer(answer))
    open_folder(qtbot, pane, seaweed_bucket, "c/")
    select(pane, "a.txt", "b.txt")
    outcome = download(qtbot, pane, tmp_path)
    assert asked == [("a.txt", 0)]
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert files == {**expected, "b.txt": b"b"}
    status = {r.key: r.status for r in outcome.rows}
    assert status["c/b.txt"] is ItemStatus.DONE
    assert status["c/a.txt"] is (ItemStatus.SKIPPED if answer is SKIP else ItemStatus.DONE)


def test_apply_to_all_answers_once_for_every_existing_file(
    qtbot,
    pane,  # noqa: F811
    seaweed_context,
    seaweed_bucket,
    tmp_path,
    monkeypatch,
):
    names = ["x.txt", "y.txt", "z.txt"]
    put(seaweed_context, seaweed_bucket, {f"all/{n}": b"new " + n.encode() for n in names})
    for n in names:
        (tmp_path / n).write_bytes(b"old")
    asked = answering(monkeypatch, pane, Answer(REPLACE, apply_to_all=True))
    open_folder(qtbot, pane, seaweed_bucket, "all/")
    select(pane, *names)
    outcome = download(qtbot, pane, tmp_path)
    assert len(asked) == 1 and asked[0][1] == 2  # two more were waiting
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {
        n: b"new " + n.encode() for n in names
    }
    assert len(outcome.downloaded) == 3


def test_answers_without_apply_to_all_are_asked_one_by_one(
    qtbot,
    pane,  # noqa: F811
    seaweed_context,
    seaweed_bucket,
    tmp_path,
    monkeypatch,
):
    put(seaweed_context, seaweed_bucket, {"two/p.txt": b"new p", "two/q.txt": b"new q"})
    (tmp_path / "p.txt").write_bytes(b"old p")
    (tmp_path / "q.txt").write_bytes(b"old q")
    asked = answering(monkeypatch, pane, Answer(SKIP), Answer(REPLACE))
    open_folder(qtbot, pane, seaweed_bucket, "two/")
    select(pane, "p.txt", "q.txt")
    download(qtbot, pane, tmp_path)
    assert asked == [("p.txt", 1), ("q.txt", 0)]
    assert (tmp_path / "p.txt").read_bytes() == b"old p"
    assert (tmp_path / "q.txt").read_bytes() == b"new q"


def test_cancel_stops_the_download_before_anything_is_fetched(
    qtbot,
    pane,  # noqa: F811
    seaweed_context,
    seaweed_bucket,
    tmp_path,
    monkeypatch,
):
    put(seaweed_context, seaweed_bucket, {"k/a.txt": b"new", "k/b.txt": b"b"})
    (tmp_path / "a.txt").write_bytes(b"old")
    asked = answering(monkeypatch, pane, None)
    finished: list[str] = []
    pane.operationFinished.connect(lambda name, _r: finished.append(name))
    open_folder(qtbot, pane, seaweed_bucket, "k/")
    select(pane, "a.txt", "b.txt")
    pane.download_selected(tmp_path)
    qtbot.waitUntil(lambda: asked != [], timeout=20000)
    qtbot.wait(300)
    assert finished == ["download-plan"] and not pane.runner.busy
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    assert (tmp_path / "a.txt").read_bytes() == b"old"


def test_a_name_too_long_is_reported_and_the_rest_download(qtbot, pool, moto_context, tmp_path):  # noqa: F811
    # S3 allows keys of 1,024 bytes, a file name 255; SeaweedFS refuses such keys: moto.
    bucket = unique_bucket("long")
    moto_context.client.create_bucket(Bucket=bucket)
    long_key = "long/" + "n" * 300 + ".txt"
    put(moto_context, bucket, {long_key: b"long", "long/ok.txt": b"ok"})
    browser = make_pane(qtbot, pool, moto_context)
    try:
        seen = statuses(browser)
        open_folder(qtbot, browser, bucket, "")
        select(browser, "long")
        outcome = download(qtbot, browser, tmp_path)
        assert [p.name for p in (tmp_path / "long").iterdir()] == ["ok.txt"]
        assert (tmp_path / "long" / "ok.txt").read_bytes() == b"ok"
        assert [r.key for r in outcome.downloaded] == ["long/ok.txt"]
        [failed] = outcome.failed
        assert failed.key == long_key and failed.error is not None
        assert failed.error.code == "NameTooLong"
        assert any(failed.error.message in text for text in seen), seen
    finally:
        browser.shutdown()
        qtbot.waitUntil(lambda: pool.active == 0, timeout=10000)


def test_the_dialog_asks_with_replace_keep_both_skip_and_apply_to_all(qtbot, pane, tmp_path):  # noqa: F811
    item = ops.PlannedDownload("f/a.txt", tmp_path / "a.txt", 3, None)
    seen: dict[str, Any] = {}

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen["text"] = box.text()
        seen["buttons"] = sorted(b.text() for b in box.buttons())
        check = box.checkBox()
        assert isinstance(check, QCheckBox)
        check.setChecked(True)
        [keep] = [b for b in box.buttons() if b.text() == "Keep both"]
        keep.click()

    QTimer.singleShot(0, answer)
    result = pane.conflict_prompt.ask(item, 2)
    assert result == Answer(KEEP_BOTH, apply_to_all=True)
    assert seen["text"] == f"“a.txt” already exists in {tmp_path}."
    assert seen["buttons"] == ["Cancel", "Keep both", "Replace", "Skip"]

    def cancel() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, cancel)
            return
        assert box.checkBox() is None  # nothing left to apply to
        box.reject()

    QTimer.singleShot(0, cancel)
    assert pane.conflict_prompt.ask(item, 0) is None
