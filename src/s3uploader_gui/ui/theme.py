"""Follow the system's light or dark colour scheme."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style (used where the platform offers none)."""
    p = QPalette()
    base, window, text = QColor(30, 30, 30), QColor(45, 45, 48), QColor(230, 230, 230)
    disabled = QColor(127, 127, 127)
    highlight = QColor(42, 130, 218)
    for role, color in [
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor(38, 38, 40)),
        (QPalette.ColorRole.ToolTipBase, window),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, window),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor(255, 80, 80)),
        (QPalette.ColorRole.Link, QColor(90, 170, 255)),
        (QPalette.ColorRole.Highlight, highlight),
        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
        (QPalette.ColorRole.PlaceholderText, disabled),
        (QPalette.ColorRole.Mid, QColor(80, 80, 84)),
    ]:
        p.setColor(role, color)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


class ThemeFollower(QObject):
    """Applies a palette matching the system scheme, now and whenever it changes.

    Platforms with a native theme (Windows, macOS, GNOME/KDE platform themes) already
    switch palettes themselves; this fills in where Qt falls back to its own light
    Fusion palette although the desktop asks for dark.
    """

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._default_palette = QPalette(app.palette())
        self._default_style = app.style().name()
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(self.apply)
        self.apply(hints.colorScheme())

    @Slot(Qt.ColorScheme)
    def apply(self, scheme: Qt.ColorScheme) -> None:
        if (
            scheme == Qt.ColorScheme.Dark
            and self._default_palette.window().color().lightness() > 128
        ):
            style = QStyleFactory.create("Fusion")
            if style is not None:
                self._app.setStyle(style)
            self._app.setPalette(dark_palette())
        else:
            self._app.setPalette(self._default_palette)

    @property
    def dark(self) -> bool:
        return self._app.palette().window().color().lightness() < 128


def app_icon() -> QIcon:
    """The application icon shipped inside the package."""
    # A path next to the package (also in the PyInstaller bundle): importlib.resources
    # would load zipfile, bz2 and lzma at start-up for a file that is never zipped.
    path = Path(__file__).resolve().parent.parent / "resources" / "s3uploader-gui.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()
