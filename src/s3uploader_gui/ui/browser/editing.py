"""Changing the bucket from the browser: delete, rename or move, new folder, new bucket.

Each asks first (``Prompts``), then runs on the ``OperationRunner`` and reports.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from s3uploader_gui.core.objects import create_bucket, create_folder
from s3uploader_gui.ui.browser.jobs import _call, _Counter, _delete_job, _move_job
from s3uploader_gui.ui.browser.node import Kind, Node
from s3uploader_gui.ui.browser.operations import OperationRunner
from s3uploader_gui.ui.browser.ports import Place, Status, tr
from s3uploader_gui.ui.browser.prompts import Prompts
from s3uploader_gui.ui.browser.selection import Selection


class Editing:
    """Delete, rename or move, new folder and new bucket, on the selection or in the
    folder on screen. ``root`` is the bucket list (re-listed after a new bucket)."""

    def __init__(
        self,
        selection: Selection,
        place: Place,
        runner: OperationRunner,
        prompts: Prompts,
        status: Status,
        root: Node,
    ) -> None:
        self._selection = selection
        self._place = place
        self._runner = runner
        self._prompts = prompts
        self._status = status
        self._root = root

    def delete_selected(self) -> None:
        """Delete the selected objects and folders (recursively) after a confirmation."""
        nodes = [n for n in self._selection.nodes() if n.kind != Kind.BUCKET and not n.search]
        if not nodes or self._place.context is None:
            return
        keys = [n.key for n in nodes if n.kind == Kind.OBJECT]
        prefixes = [n.key for n in nodes if n.kind == Kind.FOLDER]
        bucket = nodes[0].bucket
        parts = []
        if keys:
            parts.append(QCoreApplication.translate("BrowserPane", "%n object(s)", "", len(keys)))
        if prefixes:
            parts.append(
                QCoreApplication.translate(
                    "BrowserPane", "%n folder(s) with everything in them", "", len(prefixes)
                )
            )
        what = tr(" and ").join(parts)
        text = tr("Delete %1 from bucket “%2”? This cannot be undone.")
        text = text.replace("%1", what).replace("%2", bucket)
        if not self._prompts.confirm(tr("Delete"), text):
            return
        self._runner.start(
            "delete",
            tr("Deleting…"),
            _delete_job,
            bucket,
            keys,
            prefixes,
            on_done=self._on_deleted,
            counter=_Counter(),
            refresh=self._place.current_node,
        )

    def _on_deleted(self, result: tuple[int, list[str]]) -> None:
        deleted, problems = result
        self._runner.report(
            QCoreApplication.translate("BrowserPane", "Deleted %n object(s).", "", deleted),
            problems,
        )

    def rename_selected(self) -> None:
        """Rename or move one object or folder: edit its full key (copy, then delete)."""
        nodes = [n for n in self._selection.nodes() if n.kind != Kind.BUCKET and not n.search]
        if len(nodes) != 1:
            return
        node = nodes[0]
        folder = node.kind == Kind.FOLDER
        label = (
            tr("New path of the folder (change the folders to move it):")
            if folder
            else tr("New key of the object (change the folders to move it):")
        )
        target = self._prompts.ask_text(tr("Rename or move"), label, node.key)
        if target is None:
            return
        target = target.strip()
        if folder and target and not target.endswith("/"):
            target += "/"
        if not target or target == node.key:
            return
        self._runner.start(
            "move",
            tr("Moving…"),
            _move_job,
            node.bucket,
            node.key,
            target,
            on_done=self._on_moved,
            counter=_Counter(),
            refresh=self._place.current_node,
        )

    def _on_moved(self, result: tuple[int, list[str]]) -> None:
        moved, problems = result
        self._runner.report(
            QCoreApplication.translate("BrowserPane", "Moved %n object(s).", "", moved), problems
        )

    def new_folder(self) -> None:
        bucket, prefix = self._place.location
        if not bucket or self._place.current_node.search:
            return
        name = self._prompts.ask_text(tr("New folder"), tr("Folder name:"))
        if name is None or not name.strip("/ "):
            return
        key = prefix + name.strip().strip("/") + "/"
        self._runner.start(
            "folder",
            tr("Creating folder…"),
            _call(create_folder),
            bucket,
            key,
            on_done=self._on_folder_created,
            refresh=self._place.current_node,
        )

    def _on_folder_created(self, key: str) -> None:
        self._status(tr("Folder %s created.") % key, 8000)

    def new_bucket(self) -> None:
        context = self._place.context
        if context is None:
            return
        answer = self._prompts.ask_new_bucket(context.settings.region or "us-east-1")
        if answer is None:
            return
        name, region = answer
        self._runner.start(
            "bucket",
            tr("Creating bucket…"),
            _call(create_bucket),
            name,
            region,
            on_done=self._on_bucket_created,
            refresh=self._root,
        )

    def _on_bucket_created(self, _result: None) -> None:
        self._status(tr("Bucket created."), 8000)
