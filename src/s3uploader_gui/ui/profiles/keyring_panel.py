"""The panel shown when the keyring refused a secret: why, and "Use for this session only".

Nothing is ever written to a plain file instead: the user chooses between keeping the
secret in memory until the app quits, and not saving.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


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
