"""Guards against Qt binding bugs that would crash a long session."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtCore import QCoreApplication, QObject, Signal

class Emitter(QObject):
    plain = Signal()
    valued = Signal(int, str)

app = QCoreApplication([])
e = Emitter()
before = sys.getrefcount(True), sys.getrefcount(None)
for i in range(20000):
    e.plain.emit()
    e.valued.emit(i, "x")
after = sys.getrefcount(True), sys.getrefcount(None)
print(after[0] - before[0], after[1] - before[1])
"""


def test_emitting_many_signals_does_not_leak_or_crash():
    # In a subprocess: PySide6 6.12.0 on Python 3.11 aborts the interpreter here.
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    true_delta, none_delta = map(int, out.stdout.split())
    assert abs(true_delta) < 100 and abs(none_delta) < 100
