"""What the CLI prints: one line (or one ``--json`` object) per item, and the exit status.

Every command reports through a ``Reporter``, so human lines, JSON lines, failure counts
and the transient progress line on stderr never get mixed up.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from s3uploader_gui.core.transfers.progress import TransferProgress

PROG = "s3uploader"

#: Exit statuses; the package docstring says when each is used.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130

Record = dict[str, Any]


def one_line(text: str) -> str:
    """``text`` with control characters escaped, so one item is always one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def working_dir() -> str | None:
    """The working directory, for a caller that shows many paths (``display_path``'s
    ``cwd``); None when it cannot be read (each path then asks again)."""
    try:
        return os.getcwd()
    except OSError:
        return None


def display_path(path: Path | str, cwd: str | None = None) -> str:
    """A local path as the user would type it: relative to the working directory if inside.

    ``cwd``: the working directory as ``working_dir`` gave it once for a whole run (a
    command does not change it); None: it is read for this path."""
    text = str(path)
    if os.path.isabs(text):
        fast = _display_fast(text, cwd)
        if fast is not None:
            return fast
        try:
            rel = os.path.relpath(text)
        except ValueError:  # another drive on Windows
            return text
        if not rel.startswith(".."):
            return rel
    return text


def _display_fast(text: str, cwd: str | None) -> str | None:
    """What ``display_path`` gives for a normalized absolute path, by comparing prefixes
    (``relpath`` per line costs more than the rest of it); None when only ``relpath`` can
    tell ("." or ".." parts, doubled or trailing separators, the directory itself)."""
    sep = os.sep
    if "/." in text or sep + "." in text or "//" in text or text.endswith(("/", sep)):
        return None
    if sep != "/" and "/" in text:
        return None
    if cwd is None:
        try:
            cwd = os.getcwd()
        except OSError:
            return None
    base = cwd if cwd.endswith(sep) else cwd + sep
    if text.startswith(base):
        return text[len(base) :] if len(text) > len(base) else None
    if os.path.normcase(text) != text or os.path.normcase(cwd) != cwd or text == cwd:
        return None  # a case-insensitive file system: relpath may still find it inside
    return text  # outside: relpath would climb with ".."


def record(
    status: str,
    *,
    bucket: str | None = None,
    key: str | None = None,
    path: Path | str | None = None,
    nbytes: int | None = None,
    error: str | None = None,
    **extra: Any,
) -> Record:
    """One ``--json`` object: ``path``, ``key``, ``status``, ``bytes``, ``error`` and extras."""
    data: Record = {
        "path": None if path is None else str(path),
        "bucket": bucket,
        "key": key,
        "status": status,
        "bytes": nbytes,
        "error": error,
    }
    data.update(extra)
    return data


class Reporter:
    """Prints item outcomes (human lines or JSON lines) and counts failures.

    Also owns the optional one-line progress display on stderr, so that item lines never
    get mixed into a half-drawn progress line.
    """

    #: Item lines going to a pipe or a file are flushed at least this often (seconds), so a
    #: reader of the stream still sees them as they come, without a write per line.
    FLUSH_INTERVAL = 0.2

    def __init__(self, *, json_mode: bool, out: TextIO, err: TextIO) -> None:
        self.json_mode = json_mode
        self.out = out
        self.err = err
        self.failures = 0
        self._lock = threading.Lock()
        self._status_shown = False
        try:
            self._tty = out.isatty()
        except (AttributeError, ValueError):
            self._tty = False
        self._flushed = time.monotonic()
        #: Lines not written yet: kept here, as ``out`` itself may write through
        #: (PYTHONUNBUFFERED).
        self._pending: list[str] = []

    def _line(self, text: str) -> None:
        """One line on ``out``: at once on a terminal, else buffered (see FLUSH_INTERVAL)."""
        if self._tty:
            self.out.write(text + "\n")
            self.out.flush()
            return
        self._pending.append(text)
        if time.monotonic() - self._flushed >= self.FLUSH_INTERVAL:
            self._flush_out()

    def _flush_out(self) -> None:
        """Whatever is buffered for ``out`` goes first: lines on stderr or a prompt follow it."""
        if self._pending:
            text = "\n".join(self._pending) + "\n"
            self._pending.clear()
            self.out.write(text)
        self.out.flush()
        self._flushed = time.monotonic()

    def flush(self) -> None:
        """Write out the buffered item lines (at the end of a command)."""
        with self._lock:
            self._flush_out()

    def _clear_status(self) -> None:
        if self._status_shown:
            self.err.write("\r\x1b[K")
            self.err.flush()
            self._status_shown = False

    def status(self, text: str) -> None:
        """Draw ``text`` as the transient progress line (terminal only)."""
        with self._lock:
            self._flush_out()
            self.err.write("\r\x1b[K" + text)
            self.err.flush()
            self._status_shown = True

    def clear_status(self) -> None:
        """Remove the progress line (and write out the buffered item lines: what comes
        next, an error or a prompt, must follow them)."""
        with self._lock:
            self._flush_out()
            self._clear_status()

    def ok(self, data: Record, human: str | None) -> None:
        """An item that succeeded (or was skipped)."""
        with self._lock:
            self._clear_status()
            if self.json_mode:
                self._json(data)
            elif human is not None:
                self._line(one_line(human))

    def failed(self, data: Record, item: str, message: str, *, command: str) -> None:
        """An item that failed: one line on stderr (and its JSON object on stdout)."""
        with self._lock:
            self._clear_status()
            self.failures += 1
            if self.json_mode:
                self._json(data)
            self._flush_out()
            print(
                f"{command} failed: {one_line(item)}: {one_line(message)}",
                file=self.err,
                flush=True,
            )

    def note(self, message: str) -> None:
        """A warning that is not a failure (stderr)."""
        with self._lock:
            self._flush_out()
            self._clear_status()
            print(f"{PROG}: {one_line(message)}", file=self.err, flush=True)

    def _json(self, data: Record) -> None:
        self._line(json.dumps(data, ensure_ascii=False, default=str))

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.failures else EXIT_OK


class ProgressLine:
    """Redraws a one-line summary of a TransferProgress on stderr every ``interval`` s."""

    def __init__(
        self, progress: TransferProgress, reporter: Reporter, *, interval: float = 0.5
    ) -> None:
        self._progress = progress
        self._reporter = reporter
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cli-progress", daemon=True)

    def render(self) -> str:
        """The current progress line."""
        from s3uploader_gui.core.formatting import format_bytes, format_duration

        snap = self._progress.snapshot()
        return (
            f"{snap.items_finished}/{snap.items_total} files, "
            f"{format_bytes(snap.done_bytes)} of {format_bytes(snap.total_bytes)} "
            f"({snap.fraction:.0%}), {format_bytes(snap.bytes_per_second)}/s, "
            f"ETA {format_duration(snap.eta_seconds)}"
        )

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._reporter.status(self.render())

    def __enter__(self) -> ProgressLine:
        self._progress.snapshot()  # the first sample, so the first line already has a speed
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._reporter.clear_status()


@contextmanager
def maybe_progress(
    args: argparse.Namespace, reporter: Reporter, progress: TransferProgress
) -> Iterator[None]:
    """Show a progress line when stderr is a terminal and the output is not JSON."""
    if args.json or not reporter.err.isatty():
        yield
        return
    with ProgressLine(progress, reporter):
        yield
