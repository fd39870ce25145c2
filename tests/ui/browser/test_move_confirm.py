"""Rename/Move (F2) in the browser never replaces an object silently, and the browser's
actions run the core operations (``core.operations.objects``), on SeaweedFS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from s3uploader_gui.core.operations import objects as ops
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.ui.browser.pane import BrowserPane
from s3uploader_gui.ui.workers import WorkerPool
from tests.ui.browser.test_pane import keys_in, make_pane, open_folder, put, run_op, select


@pytest.fixture
def pool(qtbot: Any) -> Iterator[WorkerPool]:
    p = WorkerPool()
    yield p
    p.shutdown()


@pytest.fixture
def pane(
    qtbot: Any, pool: WorkerPool, seaweed_context: S3Context, seaweed_bucket: str
) -> Iterator[BrowserPane]:
    p = make_pane(qtbot, pool, seaweed_context)
    yield p
    p.shutdown()
    qtbot.waitUntil(lambda: pool.active == 0, timeout=10000)


def body(context: S3Context, bucket: str, key: str) -> bytes:
    data: bytes = context.client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return data


class Answers:
    """Stands in for the Replace question: records what was asked, answers ``answer``."""

    def __init__(self, answer: bool | None) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, title: str, text: str) -> bool | None:
        self.asked.append(text)
        return self.answer


@pytest.fixture
def ask(pane: BrowserPane, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def set_answers(target: str, answer: bool | None) -> Answers:
        answers = Answers(answer)
        monkeypatch.setattr(pane.prompts, "ask_text", lambda *a: target)
        monkeypatch.setattr(pane.prompts, "ask_replace", answers)
        return answers

    yield set_answers


def wait_idle(qtbot: Any, pane: BrowserPane) -> None:
    qtbot.waitUntil(lambda: not pane.runner.busy, timeout=20000)


@pytest.mark.parametrize("answer", [False, None], ids=["skip", "cancel"])
def test_rename_onto_an_existing_object_asks_and_skip_or_cancel_changes_nothing(
    qtbot, pane, ask, seaweed_context, seaweed_bucket, answer
):
    put(seaweed_context, seaweed_bucket, {"r/a.txt": b"first", "r/b.txt": b"second"})
    open_folder(qtbot, pane, seaweed_bucket, "r/")
    select(pane, "a.txt")
    answers = ask("r/b.txt", answer)
    if answer is None:
        pane.rename_selected()
        qtbot.waitUntil(lambda: bool(answers.asked), timeout=20000)
        wait_idle(qtbot, pane)
    else:
        outcome = run_op(qtbot, pane, pane.rename_selected)
        assert outcome.moved == () and outcome.failed == ()
        assert [s.reason for s in outcome.skipped] == [ops.EXISTS_AT_TARGET]
    assert len(answers.asked) == 1
    assert "“r/b.txt” already exists" in answers.asked[0]
    assert body(seaweed_context, seaweed_bucket, "r/a.txt") == b"first"
    assert body(seaweed_context, seaweed_bucket, "r/b.txt") == b"second"


def test_rename_onto_an_existing_object_replaces_when_the_user_says_so(
    qtbot, pane, ask, seaweed_context, seaweed_bucket
):
    put(seaweed_context, seaweed_bucket, {"r/a.txt": b"first", "r/b.txt": b"second"})
    open_folder(qtbot, pane, seaweed_bucket, "r/")
    select(pane, "a.txt")
    answers = ask("r/b.txt", True)
    outcome = run_op(qtbot, pane, pane.rename_selected)
    assert len(answers.asked) == 1
    assert outcome.moved == (("r/a.txt", "r/b.txt"),)
    assert keys_in(seaweed_context, seaweed_bucket) == ["r/b.txt"]
    assert body(seaweed_context, seaweed_bucket, "r/b.txt") == b"first"


def test_rename_to_a_free_key_does_not_ask(qtbot, pane, ask, seaweed_context, seaweed_bucket):
    put(seaweed_context, seaweed_bucket, {"r/a.txt": b"first"})
    open_folder(qtbot, pane, seaweed_bucket, "r/")
    select(pane, "a.txt")
    answers = ask("r/c.txt", None)
    outcome = run_op(qtbot, pane, pane.rename_selected)
    assert answers.asked == []
    assert outcome.moved == (("r/a.txt", "r/c.txt"),)
    assert body(seaweed_context, seaweed_bucket, "r/c.txt") == b"first"


def test_moving_a_folder_with_one_existing_target_asks_once_and_skip_moves_the_others(
    qtbot, pane, ask, seaweed_context, seaweed_bucket
):
    put(
        seaweed_context,
        seaweed_bucket,
        {"src/1.txt": b"new1", "src/2.txt": b"new2", "src/3.txt": b"new3", "dst/2.txt": b"old2"},
    )
    open_folder(qtbot, pane, seaweed_bucket, "")
    select(pane, "src")
    answers = ask("dst/", False)
    outcome = run_op(qtbot, pane, pane.rename_selected)
    assert len(answers.asked) == 1
    assert "“dst/2.txt” already exists" in answers.asked[0]
    assert [(s.source, s.target) for s in outcome.skipped] == [("src/2.txt", "dst/2.txt")]
    assert {new for _, new in outcome.moved} >= {"dst/1.txt", "dst/3.txt"}
    assert body(seaweed_context, seaweed_bucket, "dst/1.txt") == b"new1"
    assert body(seaweed_context, seaweed_bucket, "dst/3.txt") == b"new3"
    assert body(seaweed_context, seaweed_bucket, "dst/2.txt") == b"old2"
    assert body(seaweed_context, seaweed_bucket, "src/2.txt") == b"new2"  # left where it was
    assert [k for k in keys_in(seaweed_context, seaweed_bucket) if k.startswith("src/")] in (
        ["src/2.txt"],
        ["src/", "src/2.txt"],
    )


def test_the_question_names_many_existing_targets_by_count(
    qtbot, pane, ask, seaweed_context, seaweed_bucket
):
    names = [f"{i}.txt" for i in range(8)]
    put(seaweed_context, seaweed_bucket, {f"s/{n}": b"new" for n in names})
    put(seaweed_context, seaweed_bucket, {f"d/{n}": b"old" for n in names})
    open_folder(qtbot, pane, seaweed_bucket, "")
    select(pane, "s")
    answers = ask("d/", None)
    pane.rename_selected()
    qtbot.waitUntil(lambda: bool(answers.asked), timeout=20000)
    wait_idle(qtbot, pane)
    text = answers.asked[0]
    assert "8 objects already exist in “d/”" in text
    assert "“d/0.txt”" in text and "“d/4.txt”" in text and "“d/7.txt”" not in text
    assert "3 more" in text
    assert all(body(seaweed_context, seaweed_bucket, f"d/{n}") == b"old" for n in names)


def test_delete_through_the_pane_calls_the_core_operation(
    qtbot, pane, seaweed_context, seaweed_bucket, monkeypatch
):
    put(seaweed_context, seaweed_bucket, {"del/a.txt": b"a", "del/keep.txt": b"k"})
    open_folder(qtbot, pane, seaweed_bucket, "del/")
    select(pane, "a.txt")
    calls: list[tuple[str, tuple[str, ...]]] = []
    real = ops.delete_objects

    def spy(context: S3Context, bucket: str, keys: Any = (), *a: Any, **kw: Any) -> Any:
        calls.append((bucket, tuple(keys)))
        return real(context, bucket, keys, *a, **kw)

    monkeypatch.setattr(ops, "delete_objects", spy)
    monkeypatch.setattr(pane.prompts, "confirm", lambda title, text: True)
    outcome = run_op(qtbot, pane, pane.delete_selected)
    assert calls == [(seaweed_bucket, ("del/a.txt",))]
    assert isinstance(outcome, ops.DeleteOutcome) and outcome.deleted == ("del/a.txt",)
    assert keys_in(seaweed_context, seaweed_bucket) == ["del/keep.txt"]


@pytest.mark.parametrize(
    ("button", "expected"), [("Replace", True), ("Skip existing", False), ("Cancel", None)]
)
def test_the_replace_question_has_three_answers(qtbot, button, expected):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

    from s3uploader_gui.ui.browser.prompts import Prompts

    parent = QWidget()
    qtbot.addWidget(parent)

    def click() -> None:
        box = next(
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()
        )
        next(b for b in box.buttons() if b.text().replace("&", "") == button).click()

    QTimer.singleShot(50, click)
    assert Prompts(parent).ask_replace("Rename or move", "“b” already exists.") is expected
