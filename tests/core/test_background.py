"""A background thread lowers its own priority, and only its own."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from s3uploader_gui.core import background
from s3uploader_gui.core.background import BACKGROUND_NICE, lower_this_thread

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice")


def _in_a_thread() -> tuple[bool, int, int]:
    seen: list[tuple[bool, int, int]] = []

    def work() -> None:
        lowered = lower_this_thread()
        again = lower_this_thread()  # a second call changes nothing and still succeeds
        assert again == lowered
        seen.append((lowered, os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), 0))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return seen[0]


@linux
def test_the_calling_thread_gets_the_background_priority_and_the_others_keep_theirs() -> None:
    main_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    lowered, nice, _ = _in_a_thread()
    assert lowered
    assert nice == max(BACKGROUND_NICE, main_before)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_before
    assert os.getpriority(os.PRIO_PROCESS, 0) == main_before


def test_elsewhere_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background.sys, "platform", "darwin")
    calls: list[object] = []
    monkeypatch.setattr(background.os, "setpriority", lambda *a: calls.append(a), raising=False)
    assert lower_this_thread() is False
    assert calls == []


@linux
def test_a_refusal_is_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise PermissionError("not allowed")

    monkeypatch.setattr(background.os, "setpriority", refuse)
    monkeypatch.setattr(background.os, "getpriority", lambda *a: 0)
    assert lower_this_thread() is False
