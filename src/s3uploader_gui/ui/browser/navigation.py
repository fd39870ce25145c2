"""Where the browser is and has been: the folder on screen, going to another one, the
back/forward history, the breadcrumb and the server-side search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.ui.browser.filter_sort import FilterEdit
from s3uploader_gui.ui.browser.folder_model import BrowserFilterModel
from s3uploader_gui.ui.browser.node import Node
from s3uploader_gui.ui.browser.paging import BucketModel
from s3uploader_gui.ui.browser.ports import Status, tr


@dataclass(frozen=True)
class Location:
    """A folder of a bucket ("" bucket: the bucket list), or a server search in it."""

    bucket: str
    prefix: str
    search: str = ""


class History:
    """The locations visited, and where Back and Forward lead (like a web browser)."""

    def __init__(self) -> None:
        self._locations: list[Location] = []
        self._pos = -1

    def clear(self) -> None:
        self._locations.clear()
        self._pos = -1

    def record(self, loc: Location) -> bool:
        """Add ``loc`` after the current place (dropping what was ahead); False if it
        is the current place already."""
        if 0 <= self._pos < len(self._locations) and self._locations[self._pos] == loc:
            return False
        del self._locations[self._pos + 1 :]
        self._locations.append(loc)
        self._pos = len(self._locations) - 1
        return True

    @property
    def can_go_back(self) -> bool:
        return self._pos > 0

    @property
    def can_go_forward(self) -> bool:
        return self._pos < len(self._locations) - 1

    def back(self) -> Location | None:
        """Step back; the location there, or None at the start."""
        if not self.can_go_back:
            return None
        self._pos -= 1
        return self._locations[self._pos]

    def forward(self) -> Location | None:
        """Step forward; the location there, or None at the end."""
        if not self.can_go_forward:
            return None
        self._pos += 1
        return self._locations[self._pos]


class Breadcrumb(QWidget):
    """Buckets › bucket › folder › …: a button per level of the folder on screen.

    Signals:
        locationClicked(str, str): (bucket, prefix) of the button clicked.
    """

    locationClicked = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(tr("Current folder"))
        self.crumb_layout = QHBoxLayout(self)
        self.crumb_layout.setContentsMargins(4, 0, 0, 0)
        self.crumb_layout.setSpacing(0)
        # A deep folder must not make the pane (and the window) wider: the crumbs that do
        # not fit give way (_fit), so no minimum width comes from them.
        self.setMinimumWidth(1)
        #: Per crumb: its separator (none for the first) and its button.
        self._parts: list[list[QWidget]] = []
        self._gap: QLabel | None = None
        self._extra = 0  # the width of what follows the crumbs (a search's label)

    def show_location(self, bucket: str, prefix: str, search: str | None = None) -> None:
        """Show folder ``prefix`` of ``bucket``, and ``search`` (the text of a server
        search in it) when there is one."""
        while self.crumb_layout.count():
            item = self.crumb_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._parts = []
        crumbs: list[tuple[str, Location]] = [(tr("Buckets"), Location("", ""))]
        if bucket:
            crumbs.append((bucket, Location(bucket, "")))
            current = ""
            for part in prefix.split("/")[:-1]:
                current += part + "/"
                crumbs.append((part or "/", Location(bucket, current)))
        if len(crumbs) > 5:
            crumbs = [*crumbs[:2], ("…", crumbs[-4][1]), *crumbs[-3:]]
        for i, (label, loc) in enumerate(crumbs):
            widgets: list[QWidget] = []
            if i:
                sep = QLabel("›", self)
                sep.setEnabled(False)
                self.crumb_layout.addWidget(sep)
                widgets.append(sep)
            button = QToolButton(self)
            button.setAutoRaise(True)
            button.setText(label.replace("&", "&&"))
            button.setToolTip(f"s3://{loc.bucket}/{loc.prefix}" if loc.bucket else "")
            last = i == len(crumbs) - 1 and search is None
            if last:
                font = button.font()
                font.setBold(True)
                button.setFont(font)
            button.clicked.connect(self._on_crumb)
            button.setProperty("location", (loc.bucket, loc.prefix))
            self.crumb_layout.addWidget(button)
            self._parts.append([*widgets, button])
            if not i:
                self._gap = QLabel(" › …", self)  # stands for the crumbs that gave way
                self._gap.setEnabled(False)
                self.crumb_layout.addWidget(self._gap)
        self._extra = 0
        if search is not None:
            searched = QLabel(tr("› search “%s”") % search, self)
            self.crumb_layout.addWidget(searched)
            self._extra = searched.sizeHint().width()
        self.crumb_layout.addStretch(1)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Show the crumbs that fit: the first and the last always, then the nearest to
        the last (the crumbs right after "Buckets" give way first, to " › …")."""
        margins = self.crumb_layout.contentsMargins()
        room = self.width() - margins.left() - margins.right() - self._extra
        widths = [sum(w.sizeHint().width() for w in part) for part in self._parts]
        need = sum(widths)
        first_shown = 1
        while need > room and first_shown < len(self._parts) - 1:
            need -= widths[first_shown]
            if first_shown == 1 and self._gap is not None:
                need += self._gap.sizeHint().width()
            first_shown += 1
        for i, part in enumerate(self._parts):
            for widget in part:
                widget.setVisible(i == 0 or i >= first_shown)
        if self._gap is not None:
            self._gap.setVisible(first_shown > 1)

    @Slot()
    def _on_crumb(self) -> None:
        button = self.sender()
        if isinstance(button, QToolButton):
            bucket, prefix = button.property("location")
            self.locationClicked.emit(bucket, prefix)


class Navigator(QObject):
    """The folder on screen (a ``Place`` for the browser's parts) and the ways to change it.

    Going to a folder lists it (its first page), shows it in ``proxy``, empties the
    filter box and updates ``crumbs``; ``show_root`` then lets the pane reset its views.

    Signals:
        destinationChosen(str, str): (bucket, prefix) of a folder opened.
        locationChanged(str, str): the folder on screen changed to (bucket, prefix).
        moved(): the folder on screen or the history changed (actions may need enabling).
    """

    destinationChosen = Signal(str, str)
    locationChanged = Signal(str, str)
    moved = Signal()

    def __init__(
        self,
        model: BucketModel,
        proxy: BrowserFilterModel,
        filter_box: FilterEdit,
        crumbs: Breadcrumb,
        show_root: Callable[[], None],
        status: Status,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._proxy = proxy
        self._filter = filter_box
        self._crumbs = crumbs
        self._show_root = show_root
        self._status = status
        self._current: Node = model.root
        self._history = History()
        crumbs.locationClicked.connect(self.navigate)
        filter_box.returnPressed.connect(self.search_server)

    @property
    def context(self) -> S3Context | None:
        return self._model.context

    @property
    def location(self) -> tuple[str, str]:
        """(bucket, prefix) on screen; ("", "") for the bucket list."""
        node = self._current
        if node is self._model.root:
            return "", ""
        if node.search:
            return node.bucket, node.parent.key if node.parent is not None else ""
        return node.bucket, node.key

    @property
    def current_node(self) -> Node:
        return self._current

    @property
    def can_go_back(self) -> bool:
        return self._history.can_go_back

    @property
    def can_go_forward(self) -> bool:
        return self._history.can_go_forward

    def leave(self) -> None:
        """Forget the history and show the bucket list (the connection is changing)."""
        self._history.clear()
        self._filter.clear()
        self._set_current(self._model.root)

    def start(self) -> None:
        """Make the bucket list the first place in the history (a new connection)."""
        self._record(Location("", ""))
        self.show_location()

    def navigate(self, bucket: str, prefix: str = "", search: str = "") -> bool:
        """Show folder ``prefix`` of ``bucket`` ("" bucket: the bucket list); record history."""
        if not self._go(Location(bucket, prefix, search)):
            return False
        self._record(Location(bucket, prefix, search))
        return True

    def _go(self, loc: Location) -> bool:
        if not loc.bucket:
            node = self._model.root
        else:
            found = self._model.ensure_folder(loc.bucket, loc.prefix)
            if found is None:
                self._status(tr("The bucket “%s” is not listed.") % loc.bucket, 8000)
                return False
            node = found
            if loc.search:
                node = self._model.add_search(node, loc.search)
        self._filter.clear_quietly()
        self._proxy.set_filter_text("")
        self._set_current(node)
        if loc.bucket:
            self.destinationChosen.emit(loc.bucket, loc.prefix)
        self.locationChanged.emit(*self.location)
        return True

    def _set_current(self, node: Node) -> None:
        old = self._current
        self._current = node
        self._model.set_pinned(node)
        self._proxy.set_root(node)
        self._show_root()
        if old is not node and old.search:
            self._model.remove_node(old)
        index = self._model.index_for(node)
        if node is not self._model.root and self._model.canFetchMore(index):
            self._model.fetchMore(index)
        self.show_location()
        self.moved.emit()

    def _record(self, loc: Location) -> None:
        if self._history.record(loc):
            self.moved.emit()

    @Slot()
    def go_back(self) -> None:
        loc = self._history.back()
        if loc is not None:
            self._go(loc)
            self.moved.emit()

    @Slot()
    def go_forward(self) -> None:
        loc = self._history.forward()
        if loc is not None:
            self._go(loc)
            self.moved.emit()

    @Slot()
    def go_up(self) -> None:
        node = self._current
        if node is self._model.root:
            return
        parent = node.parent or self._model.root
        if parent is self._model.root:
            self.navigate("", "")
        else:
            self.navigate(parent.bucket, parent.key)

    def open(self, node: Node) -> None:
        """Show container ``node`` (a row the user activated: a bucket, folder or search)."""
        if node.search:
            self.navigate(node.bucket, node.parent.key if node.parent else "", node.key)
        else:
            self.navigate(node.bucket, node.key)

    @Slot()
    def search_server(self) -> None:
        """List keys starting with the filter text in the folder on screen (server side)."""
        text = self._filter.text()
        bucket, prefix = self.location
        if not bucket or not text:
            return
        self.navigate(bucket, prefix, search=text)

    def show_location(self) -> None:
        """Show the folder on screen in the breadcrumb."""
        bucket, prefix = self.location
        search = self._current.key[len(prefix) :] if self._current.search else None
        self._crumbs.show_location(bucket, prefix, search)
