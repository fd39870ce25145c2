"""The GUI entry point: ``s3uploader-gui`` / ``python -m s3uploader_gui``."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Sequence

from s3uploader_gui import __version__

#: Set (to 1) by the start-up benchmark: print the time to a shown, responsive window, then
#: quit. An environment variable, so that the measured start is a plain desktop launch.
STARTUP_PROBE_ENV = "S3UPLOADER_STARTUP_PROBE"


class _Options:
    """The command line's options; the defaults are a plain desktop launch."""

    quit_after: int | None = None
    screenshot: str | None = None
    verbose: bool = False
    startup_probe: bool = False
    #: Files and folders to queue ("Open with", ``Exec=s3uploader-gui %F``).
    paths: Sequence[str] = ()
    new_instance: bool = False


def _parse(argv: Sequence[str]) -> _Options:
    options = _Options()
    options.startup_probe = os.environ.get(STARTUP_PROBE_ENV) == "1"
    if not argv:
        # A launch from the desktop has no arguments: argparse, and the gettext, locale
        # and shutil (with bz2 and lzma) it loads, would be a few milliseconds for nothing.
        return options
    import argparse

    parser = argparse.ArgumentParser(prog="s3uploader-gui", description="Upload files to S3.")
    parser.add_argument("--version", action="version", version=f"s3uploader-gui {__version__}")
    parser.add_argument(
        "--quit-after", type=int, metavar="MS", help="quit after MS milliseconds (demos, checks)"
    )
    parser.add_argument(
        "--screenshot", metavar="PNG", help="with --quit-after: save the window to PNG first"
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log more to standard error")
    parser.add_argument(
        "--new-instance",
        action="store_true",
        help="open another window even when S3 Uploader already runs (implied by --quit-after)",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="FILE|FOLDER",
        help="queue these for upload (to the running window, when there is one)",
    )
    parser.parse_args(list(argv), namespace=options)
    return options


def _since_process_start() -> float:
    """Seconds since this process started (interpreter start-up included), or -1."""
    try:
        import os

        with open("/proc/self/stat", "rb") as fh:
            stat = fh.read()
        # Field 22 (starttime, in clock ticks since boot) counts after the ")" of comm.
        start_ticks = int(stat[stat.rindex(b")") + 2 :].split()[19])
        now = time.clock_gettime(time.CLOCK_BOOTTIME)
        return now - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return -1.0


def _startup_probe(window: object) -> None:
    """Report that the window is shown and the event loop runs; then quit at once."""
    from PySide6.QtWidgets import QApplication, QWidget

    shown = isinstance(window, QWidget) and window.isVisible()
    print(
        f"startup-probe elapsed={_since_process_start():.4f} wall={time.time():.6f} "
        f"shown={int(shown)}",
        flush=True,
    )
    QApplication.quit()


def main(argv: Sequence[str] | None = None) -> int:
    """Start the application; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    import gc

    # Start-up allocates tens of thousands of long-lived objects (modules, classes, Qt
    # wrappers): collecting while they are made is wasted work; once the window is up
    # they are frozen (ui/gc_policy.py) so that later collections never walk them.
    gc.disable()
    from s3uploader_gui.core.local import supervisor

    if argv[:1] == [supervisor.SUPERVISOR_FLAG]:  # a frozen bundle re-running itself
        return supervisor.main(argv[1:])
    args = _parse(argv)
    from s3uploader_gui.core.logsetup import setup_logging

    log_path = setup_logging(verbose=args.verbose)
    from s3uploader_gui.ui import single_instance

    # Before anything else is made (session, local server, transfer journal): a later
    # launch hands its paths to the running window and ends here. Relative paths are
    # made absolute now, in this launch's working directory.
    launch_paths = single_instance.absolute_paths(args.paths)
    claim = None
    # --quit-after is a check or a demo of this very launch: never handed to a window.
    if not args.new_instance and args.quit_after is None:
        from s3uploader_gui.core.paths import data_dir

        claim = single_instance.claim(data_dir())
        if claim is not None and not claim.first:
            status = single_instance.forward(claim, launch_paths)
            if status is not None:
                return status
            # The running one ended meanwhile: this launch took the lock and is the first.
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from s3uploader_gui.ui.diagnostics import CrashReporter, route_qt_messages
    from s3uploader_gui.ui.main_window import MainWindow
    from s3uploader_gui.ui.theme import ThemeFollower

    route_qt_messages()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    from s3uploader_gui.ui.i18n import install_translations  # "1 file", not "1 file(s)"

    install_translations(app)
    app.setApplicationName("s3uploader-gui")
    app.setOrganizationName("s3uploader-gui")
    app.setApplicationDisplayName("S3 Uploader")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("s3uploader-gui")
    ThemeFollower(app)

    window = MainWindow()
    crash_reporter = CrashReporter(window)
    logging.getLogger(__name__).info("started %s, log at %s", __version__, log_path)
    window.restore_layout()
    window.show()
    if launch_paths:  # "Open with": to the destination the window starts with
        count = single_instance.queue_paths(window, launch_paths)
        logging.getLogger(__name__).info("queued %d path(s) from the command line", count)

    def settle() -> None:
        gc.freeze()  # no collection first: it would walk all of start-up's objects now
        gc.enable()

    QTimer.singleShot(0, settle)
    if args.startup_probe:
        # The connection (and the local server) would start in the background; the probe
        # neither waits for it nor starts it, so quitting does not wait for a server.
        QTimer.singleShot(0, lambda: _startup_probe(window))
    else:
        QTimer.singleShot(0, window.connect_initial)
    instance_server = None
    if claim is not None:
        instance_server = single_instance.InstanceServer(claim.socket_path, app)
        instance_server.requestReceived.connect(
            lambda request: single_instance.deliver(window, request)
        )
        # Once the window is up: QtNetwork is not on the way to the first paint, and a
        # later launch meanwhile retries until the socket listens.
        QTimer.singleShot(0, instance_server.listen)

    # Ctrl+C in the terminal quits cleanly (and so stops the local server); the timer
    # lets the Python interpreter run its signal handlers while Qt's loop runs.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    signal.signal(signal.SIGTERM, lambda *_: window.close())
    ticker = QTimer()
    ticker.start(200)
    ticker.timeout.connect(lambda: None)

    if args.quit_after is not None:

        def finish() -> None:
            if args.screenshot:
                window.grab().save(args.screenshot)
            window.close()

        QTimer.singleShot(args.quit_after, finish)

    def on_quit() -> None:
        if instance_server is not None:
            instance_server.close()  # a later launch now waits for the lock, then starts
        window.shutdown()
        # Leaving data on the clipboard at exit crashes some platforms' Qt (offscreen).
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None and not clipboard.ownsClipboard():
            return
        if clipboard is not None:
            clipboard.clear()

    app.aboutToQuit.connect(on_quit)
    status = int(app.exec())
    del crash_reporter
    if claim is not None:
        claim.lock.release()  # after the local server has stopped (window.shutdown)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
