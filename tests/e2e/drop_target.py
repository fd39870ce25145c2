"""A stand-in for a file manager window that files are dropped on.

Usage: python drop_target.py TITLE OUTDIR — files dropped on the window (text/uri-list
with file URLs) are copied into OUTDIR, and their names printed, as a file manager would.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel


class Target(QLabel):
    def __init__(self, title: str, out: Path) -> None:
        super().__init__("Drop files here")
        self.out = out
        self.setWindowTitle(title)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAcceptDrops(True)
        self.resize(240, 160)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                src = Path(url.toLocalFile())
                shutil.copyfile(src, self.out / src.name)
                print(f"dropped: {src.name}", flush=True)
        event.acceptProposedAction()


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = Target(sys.argv[1], Path(sys.argv[2]))
    window.move(40, 560)
    window.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
