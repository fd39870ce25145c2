"""The ``s3uploader`` entry point: parse the arguments, run one command, and turn what
escapes it (an interrupt, a closed pipe, a fatal error) into one line and an exit status.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from s3uploader_gui.cli.output import (
    EXIT_CANCELLED,
    EXIT_FAILED,
    EXIT_USAGE,
    PROG,
    Reporter,
    one_line,
)
from s3uploader_gui.cli.parser import build_parser, command_of


def _fatal(exc: BaseException, err: TextIO) -> int:
    """Print one line for an error that ends the run; 2 for configuration errors."""
    from s3uploader_gui.core.errors import translate

    app_error = translate(exc)
    print(f"{PROG}: {one_line(app_error.message)}", file=err, flush=True)
    return EXIT_USAGE if app_error.fatal else EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser(command_of(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (2), --help and --version (0)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    rep = Reporter(json_mode=args.json, out=sys.stdout, err=sys.stderr)
    try:
        code = int(args.func(args, rep))
        rep.flush()  # item lines to a pipe are buffered: a closed pipe is told here
        return code
    except KeyboardInterrupt:
        rep.clear_status()
        print("Cancelled.", file=sys.stderr, flush=True)
        return EXIT_CANCELLED
    except BrokenPipeError:
        # stdout was closed early (`| head`): stop quietly, as other tools do.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as exc:
        rep.clear_status()
        return _fatal(exc, sys.stderr)


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` as ``sys.exit`` does, less the interpreter's teardown.

    The exit handlers run (``atexit``) and the standard streams are flushed; what is
    skipped is freeing every module and object one by one, which no one sees and which
    takes a run about as long as a few uploads. Falls back to ``sys.exit`` when another
    thread that the interpreter would wait for still runs, a stream cannot be flushed, or
    a profiler or tracer watches (``python -m cProfile`` writes its figures after the
    program, coverage measures up to the end).
    """
    import atexit
    import threading

    current = threading.current_thread()
    watched = sys.getprofile() is not None or sys.gettrace() is not None
    if watched or any(t is not current and not t.daemon for t in threading.enumerate()):
        raise SystemExit(code)
    try:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except Exception:
        raise SystemExit(code) from None
    os._exit(code)
