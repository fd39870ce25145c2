"""The list of the profiles dialog: the built-in local storage, then the saved profiles.

Each row holds its ``Profile`` (UserRole); while a new profile is edited, an italic
"New profile" row holds None, so the list always has a current row.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from s3uploader_gui.core.profiles import LOCAL_PROFILE, Profile


class ProfileList(QListWidget):
    """The profiles to choose from; rows are refilled after every save or delete."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Profiles"))
        self.setMinimumWidth(210)

    def fill(self, saved: list[Profile], select: str) -> None:
        """Show the local storage and ``saved``; make ``select`` (else the first) current."""
        self.blockSignals(True)
        self.clear()
        for profile in [LOCAL_PROFILE, *saved]:
            item = QListWidgetItem(profile.name, self)
            item.setData(Qt.ItemDataRole.UserRole, profile)
            if profile.is_local:
                item.setToolTip(self.tr("Built in: always available"))
        self.blockSignals(False)
        matches = self.findItems(select, Qt.MatchFlag.MatchExactly)
        row = self.row(matches[0]) if matches else 0
        self.setCurrentRow(row)

    def names(self) -> list[str]:
        """The saved names in the list, in order (the local storage first)."""
        items = [self.item(i) for i in range(self.count())]
        return [i.text() for i in items if i.data(Qt.ItemDataRole.UserRole) is not None]

    def select(self, name: str) -> None:
        """Make the profile called ``name`` current."""
        matches = self.findItems(name, Qt.MatchFlag.MatchExactly)
        if matches:
            self.setCurrentItem(matches[0])

    def add_new_row(self, text: str) -> None:
        """Add the italic row of a new profile and make it current, quietly."""
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, None)
        font = item.font()
        font.setItalic(True)
        item.setFont(font)
        self.blockSignals(True)
        self.addItem(item)
        self.setCurrentItem(item)
        self.blockSignals(False)

    def remove_new_row(self) -> None:
        """Remove the row of a new profile, if there is one, quietly."""
        self.blockSignals(True)
        for row in reversed(range(self.count())):
            if self.item(row).data(Qt.ItemDataRole.UserRole) is None:
                self.takeItem(row)
        self.blockSignals(False)

    def set_current_quietly(self, item: QListWidgetItem | None) -> None:
        """Go back to ``item`` without announcing it (the user kept their changes)."""
        self.blockSignals(True)
        # None (there was no current row) clears it: Qt takes a null item, the stubs do not.
        self.setCurrentItem(item)  # type: ignore[arg-type]
        self.blockSignals(False)
