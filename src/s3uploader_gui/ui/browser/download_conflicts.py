"""The question a download asks before it replaces anything: a local file is there already.

Why here: ``plan_downloads`` lists the planned files that exist locally
(``DownloadPlan.existing``); the face decides about each one before anything is fetched,
like Finder or Cyberduck do: Replace, Keep both (``name (1).ext``) or Skip, with
"Apply to all" for the files still to ask about. Cancel stops the whole download. The
answers become ``run_downloads``' per-key policy. The question goes through a
``ConflictPrompt`` so tests can answer it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QMessageBox, QWidget

from s3uploader_gui.core.transfers.model import ConflictPolicy
from s3uploader_gui.ui.browser.ports import tr

if TYPE_CHECKING:
    from s3uploader_gui.core.operations.downloads import DownloadPlan, PlannedDownload

#: The answers a person can give (Cancel is None).
CHOICES = (ConflictPolicy.OVERWRITE, ConflictPolicy.RENAME, ConflictPolicy.SKIP)


@dataclass(frozen=True)
class Answer:
    """Replace (OVERWRITE), Keep both (RENAME) or Skip (SKIP), for this file or, with
    ``apply_to_all``, for it and every file still to ask about."""

    policy: ConflictPolicy
    apply_to_all: bool = False


def existing_text(item: PlannedDownload) -> str:
    """“name” already exists in <folder>."""
    return tr("“%s” already exists in %s.") % (item.path.name, item.path.parent)


class ConflictPrompt:
    """Asks over ``parent`` what to do with one existing file; None when cancelled.

    Tests replace ``ask`` (``monkeypatch.setattr(pane.conflict_prompt, "ask", …)``).
    """

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent

    def ask(self, item: PlannedDownload, remaining: int) -> Answer | None:
        """Replace / Keep both / Skip for ``item``; ``remaining`` files are still to ask
        about after it (the "Apply to all" box shows only when there are some)."""
        box = QMessageBox(self._parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("File already exists"))
        box.setText(existing_text(item))
        box.setInformativeText(
            tr("Replace it with the downloaded object, keep both, or skip this object?")
        )
        replace = box.addButton(tr("Replace"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(tr("Keep both"), QMessageBox.ButtonRole.AcceptRole)
        skip = box.addButton(tr("Skip"), QMessageBox.ButtonRole.RejectRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.setEscapeButton(cancel)
        check: QCheckBox | None = None
        if remaining > 0:
            check = QCheckBox(tr("Apply to all"), box)
            box.setCheckBox(check)
        box.exec()
        clicked = box.clickedButton()
        chosen = (
            (replace, ConflictPolicy.OVERWRITE),
            (keep, ConflictPolicy.RENAME),
            (skip, ConflictPolicy.SKIP),
        )
        policy = next((p for b, p in chosen if b is clicked), None)
        if policy is None:
            return None
        return Answer(policy, check is not None and check.isChecked())


Ask = Callable[["PlannedDownload", int], "Answer | None"]


def decide(plan: DownloadPlan, ask: Ask) -> dict[str, ConflictPolicy] | None:
    """The per-key policy for ``run_downloads``: asked for each existing file, in plan
    order, until an answer applies to all; None when the person cancelled.

    Items whose file does not exist are not in the mapping (``run_downloads`` then keeps a
    file that would appear meanwhile).
    """
    decisions: dict[str, ConflictPolicy] = {}
    for_all: ConflictPolicy | None = None
    existing = plan.existing
    for i, item in enumerate(existing):
        if for_all is None:
            answer = ask(item, len(existing) - i - 1)
            if answer is None:
                return None
            if answer.policy not in CHOICES:
                raise ValueError(f"not an answer: {answer.policy}")
            if answer.apply_to_all:
                for_all = answer.policy
            decisions[item.key] = answer.policy
        else:
            decisions[item.key] = for_all
    return decisions
