"""The GUI side of ``bench_entrypoints``: the real main window (offscreen) as the app
starts it, connected to a saved profile, receiving drops of folders on its drop area.

``python -m benchmarks._gui_drop PROFILE`` starts the window, connects to PROFILE (as
the last used profile, like a user reopening the app) and answers on stdout, one line
each starting with ``BENCH ``: ``{"ready": ...}`` once connected, then one result per
command read from stdin (a JSON object per line):

* ``{"op": "drop", "folder": F, "bucket": B, "prefix": P}``: point the destination at
  B/P, drop F on the drop area as a file manager does (``QDragEnterEvent`` and
  ``QDropEvent``), and time from the drop to the end of the batch with every row Done
  (uploads start by themselves: "Start uploading when files are added" is on by
  default). The answer has the seconds, the peak RSS during that drop (the kernel's
  high-water mark, reset before it), the largest event-loop gap, the rows' outcome and
  which request path the uploads took (``_reqpath``), and the CPU seconds of the GUI
  thread and of the whole process during the drop. Finished rows are then cleared.
* ``{"op": "quit"}``.

``BENCH_GUI_CONFLICT`` (``ask``, the window's default, ``overwrite``, ``skip`` or
``rename``) sets the "When the key exists" policy in the throwaway settings first.
``BENCH_GAP_TRACE=1`` appends the main thread's stacks during the long event-loop gaps
of each drop to ``BENCH_GAP_TRACE_OUT`` (default: stderr; see ``_gaptrace``).

The process stays up between drops so that the other tools can run in between (they
take turns in the parent); only the drops are timed.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import _gaptrace, _reqpath

# The window of this checkout, not the one the virtual environment installed (its .pth
# names the main checkout): the parent passes PYTHONPATH=<repo> only.
_SRC = Path(__file__).resolve().parents[1] / "src"
if _SRC.is_dir() and str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))


def _say(data: dict[str, Any]) -> None:
    print("BENCH " + json.dumps(data), flush=True)


def _reset_peak_rss() -> bool:
    """Reset this process's VmHWM (Linux ≥ 4.0: ``echo 5 > /proc/self/clear_refs``)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    profile_name = argv[0]
    _reqpath.install()
    gc.disable()  # as app.main does until the window is up (then frozen, then enabled)

    from PySide6.QtCore import QMimeData, QObject, Qt, QTimer, QUrl, Signal
    from PySide6.QtWidgets import QApplication
    from tests.helpers.qt import drag_events

    from s3uploader_gui.core.profiles import ProfileStore
    from s3uploader_gui.core.transfers.model import ItemStatus
    from s3uploader_gui.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    app.setApplicationName("s3uploader-gui")
    app.setOrganizationName("s3uploader-gui")
    ProfileStore().last_used = profile_name
    policy = os.environ.get("BENCH_GUI_CONFLICT", "")
    if policy:
        from PySide6.QtCore import QSettings

        from s3uploader_gui.core.transfers.model import ConflictPolicy

        QSettings().setValue("transfers/conflict", ConflictPolicy(policy).value)
    window = MainWindow()
    window.restore_layout()
    window.show()

    def settle() -> None:
        gc.freeze()
        gc.enable()

    QTimer.singleShot(0, settle)
    pane = window.upload_pane
    queue = pane.queue
    state: dict[str, Any] = {}

    def on_connected(connection: object) -> None:
        _say({"ready": True, "profile": profile_name})

    def on_failed(err: object) -> None:
        _say({"ready": False, "error": str(getattr(err, "message", err))})

    window.session.connected.connect(on_connected)
    window.session.connectionFailed.connect(on_failed)
    QTimer.singleShot(0, window.connect_initial)

    # Event-loop gaps: the time between ticks of a 10 ms precise timer.
    ticks: list[float] = []
    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(10)
    ticker.timeout.connect(lambda: ticks.append(time.perf_counter()))
    tracer = _gaptrace.GapTracer() if _gaptrace.ENABLED else None
    if tracer is not None:
        ticker.timeout.connect(tracer.tick)

    def finish() -> None:
        run = state.pop("run", None)
        if run is None:
            return
        seconds = time.perf_counter() - run["start"]
        gui_cpu = time.thread_time() - run["gui_cpu"]
        times = os.times()
        process_cpu = times.user + times.system - run["process_cpu"]
        ticker.stop()
        ticks.append(time.perf_counter())
        if tracer is not None:
            tracer.stop()
            out = os.environ.get("BENCH_GAP_TRACE_OUT")
            if out:
                with open(out, "a") as fh:
                    tracer.report(f"drop {run['start']:.0f}", fh)
            else:
                tracer.report("drop")
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        rows = queue.rowCount()
        done = len(queue.rows_with_status(ItemStatus.DONE))
        counts = _reqpath.diff(_reqpath.snapshot(), run["before"])
        _say(
            {
                "seconds": seconds,
                "rss_mib": _peak_rss_mib(),
                "rss_reset": run["reset"],
                "max_gap_ms": max(gaps, default=0.0) * 1000,
                "gui_thread_cpu_s": gui_cpu,
                "process_cpu_s": process_cpu,
                "rows": rows,
                "done": done,
                "ok": rows > 0 and done == rows,
                **_reqpath.summary(counts),
            }
        )
        pane.clear_finished()

    def on_finished(ok: int, bad: int) -> None:
        if "run" in state and not pane.queue.rows_with_status(ItemStatus.QUEUED):
            finish()

    pane.uploadsFinished.connect(on_finished)

    def drop(folder: str, bucket: str, prefix: str) -> None:
        pane.set_destination(bucket, prefix)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(folder)])
        target = pane.drop_area
        enter, dropped = drag_events(target.rect().center(), mime)
        gc.collect()
        reset = _reset_peak_rss()
        ticks.clear()
        ticks.append(time.perf_counter())
        ticker.start()
        if tracer is not None:
            tracer.start()
        times = os.times()
        state["run"] = {
            "start": time.perf_counter(),
            "reset": reset,
            "before": _reqpath.snapshot(),
            "gui_cpu": time.thread_time(),  # the GUI thread's own (this runs on it)
            "process_cpu": times.user + times.system,
        }
        QApplication.sendEvent(target, enter)
        QApplication.sendEvent(target, dropped)
        if not dropped.isAccepted():
            state.pop("run")
            ticker.stop()
            _say({"ok": False, "error": "the drop area refused the drop"})

    class Relay(QObject):
        line = Signal(str)

    relay = Relay()

    def on_line(text: str) -> None:
        command = json.loads(text)
        if command["op"] == "drop":
            drop(command["folder"], command["bucket"], command["prefix"])
        elif command["op"] == "quit":
            window.shutdown()
            app.quit()

    relay.line.connect(on_line)  # queued: the reader thread emits, the GUI thread runs it

    def read_stdin() -> None:
        for text in sys.stdin:
            if text.strip():
                relay.line.emit(text)
        relay.line.emit('{"op": "quit"}')

    threading.Thread(target=read_stdin, name="bench-stdin", daemon=True).start()
    app.exec()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
