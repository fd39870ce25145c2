"""What the profiles dialog tells the user below the form: the outcome of the last save,
delete or test, and the panel shown when the keyring refused a secret.

Nothing is ever written to a plain file instead of the keyring: the panel lets the user
choose between keeping the secret in memory until the app quits, and not saving.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

OK_COLOR = "#1b7f3b"
ERROR_COLOR = "#b3261e"


class ResultLabel(QLabel):
    """The outcome of the last action: ✔ in green or ✖ in red, or what is under way."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setMinimumHeight(self.fontMetrics().height() * 2 + 4)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def show_result(self, ok: bool, text: str) -> None:
        mark = "✔" if ok else "✖"
        color = OK_COLOR if ok else ERROR_COLOR
        self.setStyleSheet(f"color: {color};")
        self.setText(f"{mark} {text}")

    def show_progress(self, text: str) -> None:
        """An action is under way ("Saving…"), in the normal colour."""
        self.setStyleSheet("")
        self.setText(text)

    def reset(self) -> None:
        self.clear()
        self.setStyleSheet("")


class KeyringPanel(QFrame):
    """A plain message and "use for this session only" (hidden until a save is refused).

    Signals:
        sessionOnlyRequested(): the user chose to keep the secret for this session only.
    """

    sessionOnlyRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyringPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        panel = QHBoxLayout(self)
        self.keyring_message = QLabel(self)
        self.keyring_message.setWordWrap(True)
        self.session_only_button = QPushButton(self.tr("Use for this session only"), self)
        self.session_only_button.setToolTip(
            self.tr("Keep the secret in memory until the app quits; nothing is written to disk")
        )
        self.session_only_button.clicked.connect(self.sessionOnlyRequested)
        panel.addWidget(self.keyring_message, 1)
        panel.addWidget(self.session_only_button)
        self.setVisible(False)

    def show_refusal(self, reason: str) -> None:
        """The keyring refused the secret for ``reason``: say so, and offer the session."""
        self.keyring_message.setText(
            reason
            + " "
            + self.tr("The profile was not saved. Nothing is ever written to a plain file.")
        )
        self.setVisible(True)
