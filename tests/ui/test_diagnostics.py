"""Logging, secret scrubbing, Qt warnings in the log, and the uncaught-exception dialog."""

from __future__ import annotations

import logging
import sys
import threading

from PySide6.QtCore import qInstallMessageHandler, qWarning
from PySide6.QtGui import QGuiApplication

from s3uploader_gui.core.logsetup import log_file, register_secret, setup_logging
from s3uploader_gui.ui import diagnostics
from s3uploader_gui.ui.workers import WorkerPool

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"


def _close_handlers() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_s3uploader", False):
            root.removeHandler(handler)
            handler.close()


def test_log_file_rotates_and_never_shows_a_secret(user_dirs):
    path = setup_logging(stderr=False)
    try:
        register_secret(SECRET)
        log = logging.getLogger("s3uploader_gui.test")
        log.warning("connecting with %s", SECRET)
        try:
            raise ValueError(f"bad secret {SECRET}")
        except ValueError:
            log.exception("it failed")
    finally:
        _close_handlers()
    assert path == log_file()
    assert str(path).startswith(str(user_dirs))
    text = path.read_text()
    assert "connecting with ***" in text
    assert "ValueError: bad secret ***" in text
    assert SECRET not in text


def test_qt_warnings_reach_the_log(caplog):
    previous = qInstallMessageHandler(None)
    try:
        diagnostics.route_qt_messages()
        with caplog.at_level(logging.WARNING, logger="qt"):
            qWarning("a Qt warning for the log")
    finally:
        qInstallMessageHandler(previous)
    assert any(
        r.name == "qt" and "a Qt warning for the log" in r.getMessage() for r in caplog.records
    )


def _boom() -> None:
    raise ZeroDivisionError(f"worker bug near {SECRET}")


def test_exception_in_worker_shows_dialog_with_details(qtbot, monkeypatch, user_dirs):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    setup_logging(stderr=False)
    register_secret(SECRET)
    reporter = diagnostics.CrashReporter()
    pool = WorkerPool()
    try:
        pool.run(_boom, name="buggy")
        qtbot.waitUntil(lambda: bool(reporter.dialogs), timeout=10000)
        dialog = reporter.dialogs[0]
        assert "ZeroDivisionError" in dialog.details
        assert SECRET not in dialog.details
        dialog.copy_button.click()
        assert "ZeroDivisionError" in QGuiApplication.clipboard().text()
        QGuiApplication.clipboard().clear()
        dialog.reject()
        qtbot.waitUntil(lambda: pool.active == 0, timeout=10000)
    finally:
        pool.shutdown()
        _close_handlers()
    assert "ZeroDivisionError" in log_file().read_text()


def test_exception_in_plain_thread_is_reported(qtbot, monkeypatch, user_dirs):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    reporter = diagnostics.CrashReporter()
    thread = threading.Thread(target=_boom, name="helper-thread")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(reporter.dialogs), timeout=10000)
    assert "ZeroDivisionError" in reporter.dialogs[0].details
    reporter.dialogs[0].reject()


def test_about_versions_list_the_stack():
    names = dict(diagnostics.versions())
    assert names["S3 Uploader"]
    assert names["Qt"].count(".") >= 1
    assert names["boto3"] != "—"


def test_log_viewer_shows_the_log_scrubbed(qtbot, user_dirs):
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    register_secret(SECRET)
    path.write_text(f"line one\nleaked {SECRET}\nlast line\n")
    viewer = diagnostics.LogViewer()
    qtbot.addWidget(viewer)
    text = viewer.text.toPlainText()
    assert "last line" in text
    assert SECRET not in text and "leaked ***" in text
