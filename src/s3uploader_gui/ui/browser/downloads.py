"""Getting objects out of the bucket: Download… into a folder, and dragging them out.

Both go through the core's download operation (``core.operations.downloads``): the
selection is planned on a worker (``plan_downloads``), then, on the GUI thread, the
person decides about every local file that exists already (``download_conflicts``:
Replace / Keep both / Skip, or Cancel before anything is fetched), and the plan runs on
a worker with those answers as the per-key policy (``run_downloads``). Keys that cannot
be saved (a name too long, two keys for one file…) are reported one line each; the rest
download.

A drag of objects to a file manager downloads them first, to a fresh temporary folder
(nothing there to ask about) that is removed at quit; the drag starts once they are
complete (or again by hand).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QMimeData, Qt, QUrl
from PySide6.QtGui import QDrag, QGuiApplication, QIcon
from PySide6.QtWidgets import QWidget

from s3uploader_gui.core.formatting import format_bytes
from s3uploader_gui.core.operations import downloads as ops
from s3uploader_gui.core.transfers.model import ConflictPolicy
from s3uploader_gui.core.transfers.progress import TransferProgress
from s3uploader_gui.ui.browser.download_conflicts import ConflictPrompt, decide
from s3uploader_gui.ui.browser.node import Kind, Node
from s3uploader_gui.ui.browser.operations import OperationRunner
from s3uploader_gui.ui.browser.ports import Status, tr
from s3uploader_gui.ui.browser.prompts import Prompts
from s3uploader_gui.ui.browser.selection import Selection

if TYPE_CHECKING:
    pass

#: Dragging objects out downloads them first; beyond this, use "Download…".
DRAG_MAX_BYTES = 512 * 1024 * 1024
DRAG_MAX_FILES = 200


def problem_lines(outcome: ops.DownloadOutcome) -> list[str]:
    """One line per item that failed (problems of the plan included)."""
    return [r.error.message if r.error is not None else r.key for r in outcome.failed]


class Downloads:
    """Download… and drag out of the selected objects.

    ``drag_source`` is the widget a drag starts from (the pane: its own drags are not
    drops), ``drag_ready`` gets the local paths once a drag's files are complete.
    ``conflicts`` asks about local files that exist already (tests answer for it).
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
        conflicts: ConflictPrompt | None = None,
    ) -> None:
        self._selection = selection
        self._runner = runner
        self._prompts = prompts
        self._status = status
        self._drag_source = drag_source
        self._drag_icon = drag_icon
        self._drag_ready = drag_ready
        self.conflicts = conflicts or ConflictPrompt(drag_source)
        self._drag_dir: Path | None = None
        self._drag_pending: list[Node] = []
        self._drag_files: dict[tuple[str, str, str | None], Path] = {}

    @staticmethod
    def _selections(nodes: list[Node]) -> list[ops.Selection]:
        items = []
        for n in nodes:
            if n.kind == Kind.BUCKET or n.search:
                continue
            folder = n.kind == Kind.FOLDER
            # Keep the selected item's own name: strip the folder it is shown in.
            bare = n.key.rstrip("/")
            parent_prefix = bare.rsplit("/", 1)[0] + "/" if "/" in bare else ""
            items.append(ops.Selection(n.key, folder=folder, strip=parent_prefix))
        return items

    def download_selected(self, dest: Path | None = None) -> None:
        """Download the selected objects and folders into a chosen folder.

        Plans first; a local file is replaced only when the person says so.
        """
        nodes = self._selection.nodes()
        selections = self._selections(nodes)
        if not selections:
            return
        dest = dest or self._prompts.ask_directory()
        if dest is None:
            return
        self._runner.start(
            "download-plan",
            tr("Preparing the download…"),
            ops.plan_downloads,
            nodes[0].bucket,
            selections,
            dest,
            on_done=self._on_planned,
        )

    def _on_planned(self, plan: ops.DownloadPlan) -> None:
        policy = decide(plan, self.conflicts.ask)
        if policy is None:
            self._status(tr("Download cancelled: nothing was downloaded."), 8000)
            return
        self._runner.start(
            "download",
            tr("Downloading…"),
            ops.run_downloads,
            plan,
            policy=policy,
            on_done=self._on_downloaded,
            transfer=TransferProgress(),
        )

    def _on_downloaded(self, outcome: ops.DownloadOutcome) -> None:
        done = len(outcome.downloaded)
        text = QCoreApplication.translate("BrowserPane", "Downloaded %n file(s).", "", done)
        if outcome.skipped:
            text += " " + tr("Skipped: %s.") % f"{len(outcome.skipped):,}"
        if outcome.cancelled:
            text += " " + tr("Cancelled: %s.") % f"{len(outcome.cancelled):,}"
        self._runner.report(text, problem_lines(outcome))

    @staticmethod
    def _drag_key(node: Node) -> tuple[str, str, str | None]:
        return node.bucket, node.key, node.etag

    def _fresh_drag_folder(self) -> Path:
        """A new, empty folder under the drag directory: nothing there to replace."""
        if self._drag_dir is None:
            self._drag_dir = Path(tempfile.mkdtemp(prefix="s3uploader-drag-"))
        return Path(tempfile.mkdtemp(prefix="drag-", dir=self._drag_dir))

    @staticmethod
    def drag_mime(paths: list[Path]) -> QMimeData:
        """File URLs for a file manager (and the text of the paths)."""
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        return mime

    def prepare_drag(self) -> list[Path] | None:
        """Download the selected objects for a drag out; None when they cannot be dragged.

        Returns the paths at once when they are already downloaded (same object, same
        ETag); otherwise plans and runs the download into a fresh temporary folder and
        calls ``drag_ready`` when the files are complete.
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
        ready = [self._drag_files.get(self._drag_key(n)) for n in nodes]
        paths = [p for p in ready if p is not None]
        if len(paths) == len(nodes) and all(
            p.is_file() and p.stat().st_size == n.size for p, n in zip(paths, nodes, strict=True)
        ):
            return paths
        self._drag_pending = nodes
        started = self._runner.start(
            "drag-plan",
            tr("Getting files ready to drag…"),
            ops.plan_downloads,
            nodes[0].bucket,
            [ops.Selection(n.key, folder=False) for n in nodes],
            self._fresh_drag_folder(),
            on_done=self._on_drag_planned,
        )
        return [] if started else None

    def _on_drag_planned(self, plan: ops.DownloadPlan) -> None:
        # A fresh folder has no files to ask about; should one appear, it is kept.
        started = self._runner.start(
            "drag",
            tr("Getting files ready to drag…"),
            ops.run_downloads,
            plan,
            policy=ConflictPolicy.SKIP,
            on_done=self._on_drag_files_ready,
            transfer=TransferProgress(),
        )
        if not started:
            self._drag_pending = []

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

    def _on_drag_files_ready(self, outcome: ops.DownloadOutcome) -> None:
        written = {r.key: r.path for r in outcome.downloaded if r.path is not None}
        paths: list[Path] = []
        for node in self._drag_pending:
            path = written.get(node.key)
            if path is not None and path.is_file():
                self._drag_files[self._drag_key(node)] = path
                paths.append(path)
        self._drag_pending = []
        problems = problem_lines(outcome)
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
        self._drag_files.clear()
