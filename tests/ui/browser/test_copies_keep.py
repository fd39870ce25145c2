"""The browser asks before a move or a Properties edit whose copy would lose something
(here: an ACL these credentials may not read, from a proxy in front of SeaweedFS), and
changes nothing unless the user accepts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.ui.browser.pane import BrowserPane
from s3uploader_gui.ui.workers import WorkerPool
from tests.conftest import seaweed_settings
from tests.helpers.s3proxy import Proxy, Request, proxy_to
from tests.ui.browser.test_pane import keys_in, make_pane, open_folder, put, select

DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message><RequestId>1</RequestId></Error>"
)


def _deny_acl(request: Request) -> tuple[int, bytes] | None:
    if request.method == "GET" and request.query.split("&")[0] in {"acl", "acl="}:
        return 403, DENIED
    return None


@pytest.fixture
def proxied(seaweed: LocalServerInfo) -> Iterator[tuple[S3Context, Proxy]]:
    with proxy_to(seaweed.endpoint_url) as proxy:
        proxy.respond = _deny_acl
        yield S3Context(seaweed_settings(seaweed, endpoint_url=proxy.endpoint_url)), proxy


@pytest.fixture
def pool(qtbot: Any) -> Iterator[WorkerPool]:
    p = WorkerPool()
    yield p
    p.shutdown()


@pytest.fixture
def pane(
    qtbot: Any, pool: WorkerPool, proxied: tuple[S3Context, Proxy], seaweed_bucket: str
) -> Iterator[BrowserPane]:
    p = make_pane(qtbot, pool, proxied[0])
    yield p
    p.shutdown()
    qtbot.waitUntil(lambda: pool.active == 0, timeout=10000)


class Confirm:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, title: str, text: str) -> bool:
        self.asked.append(text)
        return self.answer


@pytest.mark.parametrize("answer", [False, True], ids=["declined", "accepted"])
def test_a_move_that_would_lose_the_acl_is_asked_first(
    qtbot: Any,
    pane: BrowserPane,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    answer: bool,
) -> None:
    put(seaweed_context, seaweed_bucket, {"m/a.txt": b"a"})
    open_folder(qtbot, pane, seaweed_bucket, "m/")
    select(pane, "a.txt")
    confirm = Confirm(answer)
    monkeypatch.setattr(pane.prompts, "ask_text", lambda *a: "m/b.txt")
    monkeypatch.setattr(pane.prompts, "confirm", confirm)
    pane.rename_selected()
    qtbot.waitUntil(lambda: bool(confirm.asked), timeout=20000)
    assert "m/a.txt" in confirm.asked[0] and "ACL" in confirm.asked[0]
    expected = ["m/b.txt"] if answer else ["m/a.txt"]
    qtbot.waitUntil(lambda: keys_in(seaweed_context, seaweed_bucket) == expected, timeout=20000)
    qtbot.waitUntil(lambda: not pane.runner.busy, timeout=20000)
    assert keys_in(seaweed_context, seaweed_bucket) == expected


@pytest.mark.parametrize("answer", [False, True], ids=["declined", "accepted"])
def test_a_properties_edit_that_would_lose_the_acl_is_asked_first(
    qtbot: Any,
    pane: BrowserPane,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    answer: bool,
) -> None:
    put(seaweed_context, seaweed_bucket, {"p/a.txt": b"a"}, ContentType="text/plain")
    open_folder(qtbot, pane, seaweed_bucket, "p/")
    select(pane, "a.txt")
    confirm = Confirm(answer)
    monkeypatch.setattr(pane.properties._prompts, "confirm", confirm)
    pane.show_properties()
    dialog = pane.properties_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.props is not None, timeout=10000)
    dialog.type_edit.setText("text/x-new")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: bool(confirm.asked), timeout=20000)
    assert "ACL" in confirm.asked[0]
    qtbot.waitUntil(lambda: not pane.runner.busy, timeout=20000)
    head = seaweed_context.client.head_object(Bucket=seaweed_bucket, Key="p/a.txt")
    assert head["ContentType"] == ("text/x-new" if answer else "text/plain")
    dialog.close()
