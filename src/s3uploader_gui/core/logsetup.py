"""Logging to a rotating file in the user log directory, with secrets scrubbed.

Secrets are never logged on purpose; the redaction filter is the second line of
defence: every secret the app handles is registered with ``register_secret`` and
replaced by ``***`` in any record that would contain it (messages, arguments,
tracebacks).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from s3uploader_gui.core import paths

LOG_NAME = "s3uploader-gui.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 4

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(secret: str | None) -> None:
    """Remember ``secret`` so the log never shows it (short strings are ignored)."""
    if secret and len(secret) >= 6:
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


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


def log_file() -> Path:
    """The current log file's path."""
    return paths.log_dir() / LOG_NAME


def setup_logging(*, verbose: bool = False, stderr: bool = True) -> Path:
    """Send logging to the rotating log file (and stderr); returns the file's path."""
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
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
