"""Changing the bucket from the browser: delete, rename or move, new folder, new bucket.

Each asks first (``Prompts``), then runs its core operation (``core.operations.objects``)
on the ``OperationRunner`` and reports the outcome. A move never replaces an object
silently: its plan is made first, and when targets exist the user chooses Replace, Skip
existing or Cancel.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.operations import objects as ops
from s3uploader_gui.core.operations.objects import (
    DeleteOutcome,
    MoveOutcome,
    MovePlan,
    NewBucket,
    NewFolder,
)
from s3uploader_gui.ui.browser.node import Kind, Node
from s3uploader_gui.ui.browser.operations import Counter, OperationRunner
from s3uploader_gui.ui.browser.ports import Place, Status, tr
from s3uploader_gui.ui.browser.prompts import Prompts
from s3uploader_gui.ui.browser.selection import Selection

#: How many existing targets the Replace question names before "and N more".
NAMED_TARGETS = 5


def _problems(failed: Sequence[tuple[str, AppError]]) -> list[str]:
    return [err.message for _, err in failed]


def existing_text(plan: MovePlan) -> str:
    """The Replace question for a move whose targets in ``plan.existing`` exist."""
    existing = plan.existing
    if len(existing) == 1:
        return (
            tr("“%1” already exists in bucket “%2”. Replace it with “%3”?")
            .replace("%1", existing[0])
            .replace("%2", plan.bucket)
            .replace("%3", plan.source)
        )
    names = ", ".join(f"“{key}”" for key in existing[:NAMED_TARGETS])
    if len(existing) > NAMED_TARGETS:
        names += QCoreApplication.translate(
            "BrowserPane", " (and %n more)", "", len(existing) - NAMED_TARGETS
        )
    where = plan.target or "/"
    return (
        tr("%1 objects already exist in “%2” (bucket “%3”): %4. Replace them?")
        .replace("%1", str(len(existing)))
        .replace("%2", where)
        .replace("%3", plan.bucket)
        .replace("%4", names)
    )


def not_kept_text(not_kept: Sequence[str]) -> str:
    """The question before a copy that would lose something: what, and go on?"""
    lines = list(not_kept[:NAMED_TARGETS])
    if len(not_kept) > NAMED_TARGETS:
        lines.append(
            QCoreApplication.translate(
                "BrowserPane", "(and %n more)", "", len(not_kept) - NAMED_TARGETS
            )
        )
    return (
        tr("The copies cannot keep everything the objects have:")
        + "\n\n"
        + "\n".join(lines)
        + "\n\n"
        + tr("Go on anyway?")
    )


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
        self._refresh_after_move: Node | None = None

    # -- delete ------------------------------------------------------------------------
    def delete_selected(self) -> None:
        """Delete the selected objects and folders (recursively) after a confirmation."""
        nodes = [n for n in self._selection.nodes() if n.kind != Kind.BUCKET and not n.search]
        context = self._place.context
        if not nodes or context is None:
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
        counter, token = Counter(), CancelToken()
        counter.set_total(len(keys))
        self._runner.run(
            "delete",
            tr("Deleting…"),
            functools.partial(
                ops.delete_objects,
                context,
                bucket,
                keys,
                prefixes,
                cancel=token,
                progress=counter.add,
            ),
            self._on_deleted,
            cancel=token,
            counter=counter,
            refresh=self._place.current_node,
        )

    def _on_deleted(self, outcome: DeleteOutcome) -> None:
        problems = _problems(outcome.failed)
        if outcome.cancelled:
            problems.append(tr("Cancelled: the rest was not deleted."))
        self._runner.report(
            QCoreApplication.translate(
                "BrowserPane", "Deleted %n object(s).", "", outcome.object_count
            ),
            problems,
        )

    # -- rename / move -----------------------------------------------------------------
    def rename_selected(self) -> None:
        """Rename or move one object or folder: edit its full key. The move is planned
        first; existing targets are replaced only when the user says so."""
        nodes = [n for n in self._selection.nodes() if n.kind != Kind.BUCKET and not n.search]
        context = self._place.context
        if len(nodes) != 1 or context is None:
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
        token = CancelToken()
        self._refresh_after_move = self._place.current_node
        self._runner.run(
            "move",
            tr("Checking the targets…"),
            functools.partial(ops.plan_move, context, node.bucket, node.key, target, cancel=token),
            self._on_move_planned,
            cancel=token,
            final=False,
        )

    def _on_move_planned(self, plan: MovePlan) -> None:
        """Ask about existing targets (GUI thread), then run the move."""
        context = self._place.context
        if context is None:
            return
        replace = False
        if plan.existing:
            answer = self._prompts.ask_replace(tr("Rename or move"), existing_text(plan))
            if answer is None:
                self._status(tr("Nothing was moved."), 8000)
                return
            replace = answer
        # What the copies cannot keep (an ACL or tags that cannot be read...) is asked
        # before anything is copied; core skips those objects unless accepted.
        accept = bool(plan.not_kept) and self._prompts.confirm(
            tr("Rename or move"), not_kept_text(plan.not_kept)
        )
        if plan.not_kept and not accept:
            self._status(tr("Nothing was moved."), 8000)
            return
        counter, token = Counter(), CancelToken()
        counter.set_total(len(plan.pairs))
        self._runner.run(
            "move",
            tr("Moving…"),
            functools.partial(
                ops.run_move,
                context,
                plan,
                replace_existing=replace,
                accept_losses=accept,
                cancel=token,
                progress=counter.add,
            ),
            self._on_moved,
            cancel=token,
            counter=counter,
            refresh=self._refresh_after_move or self._place.current_node,
        )

    def _on_moved(self, outcome: MoveOutcome) -> None:
        self._refresh_after_move = None
        moved = sum(1 for old, _ in outcome.moved if not old.endswith("/"))
        problems = [s.message for s in outcome.skipped] + _problems(outcome.failed)
        if outcome.cancelled:
            problems.append(tr("Cancelled: the rest was not moved."))
        self._runner.report(
            QCoreApplication.translate("BrowserPane", "Moved %n object(s).", "", moved), problems
        )

    # -- new folder, new bucket --------------------------------------------------------
    def new_folder(self) -> None:
        bucket, prefix = self._place.location
        context = self._place.context
        if not bucket or context is None or self._place.current_node.search:
            return
        name = self._prompts.ask_text(tr("New folder"), tr("Folder name:"))
        if name is None or not name.strip("/ "):
            return
        self._runner.run(
            "folder",
            tr("Creating folder…"),
            functools.partial(ops.new_folder, context, bucket, prefix, name),
            self._on_folder_created,
            cancel=CancelToken(),
            refresh=self._place.current_node,
        )

    def _on_folder_created(self, result: NewFolder) -> None:
        self._status(tr("Folder %s created.") % result.key, 8000)

    def new_bucket(self) -> None:
        context = self._place.context
        if context is None:
            return
        answer = self._prompts.ask_new_bucket(context.settings.region or "us-east-1")
        if answer is None:
            return
        name, region = answer
        self._runner.run(
            "bucket",
            tr("Creating bucket…"),
            functools.partial(ops.new_bucket, context, name, region),
            self._on_bucket_created,
            cancel=CancelToken(),
            refresh=self._root,
        )

    def _on_bucket_created(self, result: NewBucket) -> None:
        self._status(tr("Bucket created."), 8000)
