"""The palette follows the system's light/dark scheme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from s3uploader_gui.ui.theme import ThemeFollower


def test_dark_scheme_gives_dark_palette_and_back(qapp: QApplication):
    original = QApplication.palette()
    follower = ThemeFollower(qapp)
    try:
        follower.apply(Qt.ColorScheme.Dark)
        assert follower.dark
        assert QApplication.palette().text().color().lightness() > 180
        follower.apply(Qt.ColorScheme.Light)
        assert not follower.dark
        assert QApplication.palette().window().color() == original.window().color()
    finally:
        QApplication.setPalette(original)
        follower.deleteLater()
