"""Logging to a rotating file in the user log directory, with secrets scrubbed.

Secrets are never logged on purpose; the redaction filter is the second line of
defence: every secret the app handles is registered with ``register_secret`` (in every
form text can carry it: see ``core.redaction``) and replaced by ``***`` in any record
that would contain it (messages, arguments, tracebacks). The log file and its rotated
copies are readable by their owner only (0600), in a 0700 folder.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from s3uploader_gui.core import paths
from s3uploader_gui.core.redaction import redact, register_environment_secrets, register_secret

__all__ = [
    "RedactingFilter",
    "RedactingFormatter",
    "SizeRotatingFileHandler",
    "install_exception_hooks",
    "log_file",
    "redact",
    "register_environment_secrets",
    "register_secret",
    "setup_logging",
]

LOG_NAME = "s3uploader-gui.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 4
#: Owner only: a log line may name the user's buckets, keys and folders.
FILE_MODE = 0o600
DIR_MODE = 0o700


class RedactingFilter(logging.Filter):
    """Renders the record's message once, scrubbed, so no handler sees a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return True


class RedactingFormatter(logging.Formatter):
    """A formatter whose output is scrubbed too (covers stack_info and handler extras)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class SizeRotatingFileHandler(logging.FileHandler):
    """A log file that moves to ``.1`` (``.2``…) once it passes ``max_bytes``.

    ``logging.handlers.RotatingFileHandler`` does the same, but importing its module
    loads pickle, socket and queue: start-up reads every one of them from disk.
    """

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__(path, encoding="utf-8")
        self.max_bytes = max_bytes
        self.backups = backups
        # Copies rotated by an older version were created 0644.
        for n in range(1, backups + 1):
            _make_private(f"{self.baseFilename}.{n}")

    def _open(self) -> io.TextIOWrapper:
        # Created 0600, never readable by others even for an instant; a file an older
        # version created 0644 is narrowed too. Rotation renames it, so copies stay 0600.
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, FILE_MODE)
            return open(fd, "a", encoding=self.encoding, errors=self.errors)
        except BaseException:
            os.close(fd)
            raise

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is not None and self.stream.tell() >= self.max_bytes:
                self._rotate()
        except (OSError, ValueError):
            self.handleError(record)
        super().emit(record)

    def _rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
        base = self.baseFilename
        for n in range(self.backups - 1, 0, -1):
            if os.path.exists(f"{base}.{n}"):
                os.replace(f"{base}.{n}", f"{base}.{n + 1}")
        if self.backups > 0:
            os.replace(base, f"{base}.1")
        else:
            os.truncate(base, 0)
        self.stream = self._open()


def _make_private(path: str | Path, mode: int = FILE_MODE) -> None:
    with contextlib.suppress(OSError):  # missing, or not ours: nothing to narrow
        os.chmod(path, mode)


def log_file() -> Path:
    """The current log file's path."""
    return paths.log_dir() / LOG_NAME


def setup_logging(*, verbose: bool = False, stderr: bool = True) -> Path:
    """Send logging to the rotating log file (and stderr); returns the file's path."""
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    _make_private(path.parent, DIR_MODE)  # the folder is the app's own
    # Secrets that boto3 may pick up from the environment are known before any record.
    register_environment_secrets()
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        if getattr(handler, "_s3uploader", False):
            root.removeHandler(handler)
            handler.close()
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    file_handler = SizeRotatingFileHandler(path, MAX_BYTES, BACKUPS)
    file_handler.setFormatter(formatter)
    file_handler.addFilter(RedactingFilter())
    file_handler._s3uploader = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    if stderr:
        console = logging.StreamHandler()
        console.setLevel(logging.INFO if verbose else logging.WARNING)
        console.setFormatter(formatter)
        console.addFilter(RedactingFilter())
        console._s3uploader = True  # type: ignore[attr-defined]
        root.addHandler(console)
    # botocore logs request details (headers with signatures) at DEBUG.
    for noisy in ("botocore", "boto3", "s3transfer", "urllib3", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path


ExceptionSink = Callable[[str], None]


def install_exception_hooks(sink: ExceptionSink) -> None:
    """Log uncaught exceptions from any thread and pass their (scrubbed) text to ``sink``."""
    log = logging.getLogger("s3uploader_gui.crash")

    def report(
        exc_type: type[BaseException],
        exc: BaseException | None,
        tb: TracebackType | None,
        where: str,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            return
        text = redact("".join(traceback.format_exception(exc_type, exc, tb)))
        log.error("Uncaught exception in %s:\n%s", where, text)
        try:
            sink(text)
        except Exception:  # the sink must never make things worse
            log.exception("the exception sink failed")

    def main_hook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        report(exc_type, exc, tb, "the main thread")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "a thread"
        report(args.exc_type, args.exc_value, args.exc_traceback, f"thread {name}")

    sys.excepthook = main_hook
    threading.excepthook = thread_hook
