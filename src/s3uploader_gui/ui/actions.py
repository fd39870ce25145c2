"""The one factory for actions and their tool buttons, for the window and its panes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle, QToolButton, QWidget


def make_action(
    owner: QWidget,
    icon: QStyle.StandardPixmap | None,
    text: str,
    slot: Callable[[], object] | None,
    shortcut: QKeySequence | str | None = None,
    context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut,
    *,
    tip: str | None = None,
) -> QAction:
    """An action of ``owner`` (its shortcut works where ``context`` says) calling ``slot``
    (None: the caller connects it), with ``tip`` as its tooltip."""
    action = QAction(text, owner)
    if tip is not None:
        action.setToolTip(tip)
    if icon is not None:
        action.setIcon(owner.style().standardIcon(icon))
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(context)
    if slot is not None:
        action.triggered.connect(slot)
    owner.addAction(action)
    return action


def tool_button(parent: QWidget, action: QAction) -> QToolButton:
    """A flat, icon-only button for ``action``."""
    button = QToolButton(parent)
    button.setDefaultAction(action)
    button.setAutoRaise(True)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    return button
