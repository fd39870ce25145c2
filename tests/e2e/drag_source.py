"""A tiny stand-in for a file manager: press the mouse on it to drag the given files.

Usage: python drag_source.py TITLE PATH...  — the window is titled TITLE; a mouse press
starts a real QDrag carrying the paths as file URLs (text/uri-list), as file managers do.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDrag, QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel


class Source(QLabel):
    def __init__(self, title: str, paths: list[str]) -> None:
        super().__init__(f"Drag me: {len(paths)} item(s)")
        self.paths = paths
        self.setWindowTitle(title)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.resize(240, 160)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(p) for p in self.paths])
        drag = QDrag(self)
        drag.setMimeData(mime)
        result = drag.exec(Qt.DropAction.CopyAction)
        print(f"drag finished: {result.name}", flush=True)


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = Source(sys.argv[1], sys.argv[2:])
    window.move(900, 560)
    window.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
