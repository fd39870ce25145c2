"""Getting objects out of the bucket: Download… into a folder, and dragging them out.

A drag of objects to a file manager downloads them first, to a temporary folder that
is removed at quit; the drag starts once they are complete (or again by hand).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMimeData, Qt, QUrl
from PySide6.QtGui import QDrag, QGuiApplication, QIcon
from PySide6.QtWidgets import QWidget

from s3uploader_gui.core.progress import TransferProgress, format_bytes
from s3uploader_gui.ui.browser.jobs import _download_job, _drag_job
from s3uploader_gui.ui.browser.node import Kind, Node
from s3uploader_gui.ui.browser.operations import OperationRunner
from s3uploader_gui.ui.browser.ports import Status, tr
from s3uploader_gui.ui.browser.prompts import Prompts
from s3uploader_gui.ui.browser.selection import Selection

#: Dragging objects out downloads them first; beyond this, use "Download…".
DRAG_MAX_BYTES = 512 * 1024 * 1024
DRAG_MAX_FILES = 200


class Downloads:
    """Download… and drag out of the selected objects.

    ``drag_source`` is the widget a drag starts from (the pane: its own drags are not
    drops), ``drag_ready`` gets the local paths once a drag's files are complete.
    """

    def __init__(
        self,
        selection: Selection,
        runner: OperationRunner,
        prompts: Prompts,
        status: Status,
        drag_source: QWidget,
        drag_icon: QIcon,
        drag_ready: Callable[[list[Path]], None],
    ) -> None:
        self._selection = selection
        self._runner = runner
        self._prompts = prompts
        self._status = status
        self._drag_source = drag_source
        self._drag_icon = drag_icon
        self._drag_ready = drag_ready
        self._drag_dir: Path | None = None
        self._drag_pending: list[Path] = []

    @staticmethod
    def _download_items(nodes: list[Node]) -> list[tuple[str, bool, str]]:
        items = []
        for n in nodes:
            if n.kind == Kind.BUCKET or n.search:
                continue
            folder = n.kind == Kind.FOLDER
            # Keep the selected item's own name: strip the folder it is shown in.
            bare = n.key.rstrip("/")
            parent_prefix = bare.rsplit("/", 1)[0] + "/" if "/" in bare else ""
            items.append((n.key, folder, parent_prefix))
        return items

    def download_selected(self, dest: Path | None = None) -> None:
        """Download the selected objects and folders into a chosen folder."""
        nodes = self._selection.nodes()
        items = self._download_items(nodes)
        if not items:
            return
        dest = dest or self._prompts.ask_directory()
        if dest is None:
            return
        self._runner.start(
            "download",
            tr("Downloading…"),
            _download_job,
            nodes[0].bucket,
            items,
            dest,
            on_done=self._on_downloaded,
            transfer=TransferProgress(),
        )

    def _on_downloaded(self, result: tuple[int, list[str], list[Path]]) -> None:
        done, problems, _paths = result
        self._runner.report(
            QCoreApplication.translate("BrowserPane", "Downloaded %n file(s).", "", done),
            problems,
        )

    def _drag_path(self, node: Node) -> Path:
        if self._drag_dir is None:
            self._drag_dir = Path(tempfile.mkdtemp(prefix="s3uploader-drag-"))
        import hashlib  # OpenSSL's library is not start-up work

        digest = hashlib.sha256(f"{node.bucket}\0{node.key}\0{node.etag}".encode()).hexdigest()
        name = node.name or "object"
        return self._drag_dir / digest[:16] / name

    @staticmethod
    def drag_mime(paths: list[Path]) -> QMimeData:
        """File URLs for a file manager (and the text of the paths)."""
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        return mime

    def prepare_drag(self) -> list[Path] | None:
        """Download the selected objects for a drag out; None when they cannot be dragged.

        Returns the paths at once when they are already downloaded; otherwise starts the
        download and calls ``drag_ready`` when the files are complete.
        """
        nodes = [n for n in self._selection.nodes() if n.kind == Kind.OBJECT]
        if not nodes:
            return None
        total = sum(n.size for n in nodes)
        if total > DRAG_MAX_BYTES or len(nodes) > DRAG_MAX_FILES:
            self._status(
                tr("Too much to drag (%s): use Download… instead.") % format_bytes(total), 8000
            )
            return None
        paths = [self._drag_path(n) for n in nodes]
        if all(
            p.is_file() and p.stat().st_size == n.size for p, n in zip(paths, nodes, strict=True)
        ):
            return paths
        items = [(n.key, False, n.prefix) for n in nodes]
        # Each object goes to its own folder under the drag directory.
        self._drag_pending = paths
        started = self._runner.start(
            "drag",
            tr("Getting files ready to drag…"),
            _drag_job,
            nodes[0].bucket,
            [(key, str(path)) for (key, _, _), path in zip(items, paths, strict=True)],
            on_done=self._on_drag_files_ready,
            transfer=TransferProgress(),
        )
        return [] if started else None

    def start_drag_out(self) -> None:
        """Begin dragging the selected objects to a file manager (downloads them first)."""
        paths = self.prepare_drag()
        if paths:
            self._exec_drag(paths)
        elif paths is not None:
            self._status(tr("Downloading for the drag… keep holding the mouse button."), 8000)

    def _exec_drag(self, paths: list[Path]) -> None:
        drag = QDrag(self._drag_source)
        drag.setMimeData(self.drag_mime(paths))
        drag.setPixmap(self._drag_icon.pixmap(32, 32))
        drag.exec(Qt.DropAction.CopyAction)

    def _on_drag_files_ready(self, result: tuple[int, list[str]]) -> None:
        _done, problems = result
        paths = [p for p in self._drag_pending if p.is_file()]
        self._drag_pending = []
        if problems:
            self._runner.report("", problems)
        if not paths:
            return
        self._drag_ready(paths)
        if QGuiApplication.mouseButtons() & Qt.MouseButton.LeftButton:
            self._exec_drag(paths)
        else:
            self._status(tr("Ready: drag the files again to drop them in a file manager."), 8000)

    def remove_files(self) -> None:
        """Remove the files downloaded for drags (at quit)."""
        if self._drag_dir is not None:
            shutil.rmtree(self._drag_dir, ignore_errors=True)
            self._drag_dir = None
