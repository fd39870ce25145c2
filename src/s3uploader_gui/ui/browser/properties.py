"""An object's properties: shown in a dialog, where Content-Type and Cache-Control can
be changed (the object is copied onto itself). Both go through
``core.operations.objects`` (``load_properties``, ``save_properties``)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QWidget

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError, AttributesNotKept
from s3uploader_gui.core.operations.objects import (
    ObjectProperties,
    load_properties,
    save_properties,
)
from s3uploader_gui.ui.browser.delivery import call_for
from s3uploader_gui.ui.browser.dialogs import PropertiesDialog
from s3uploader_gui.ui.browser.operations import OperationRunner
from s3uploader_gui.ui.browser.ports import Place, Status, tr
from s3uploader_gui.ui.browser.prompts import Prompts
from s3uploader_gui.ui.browser.selection import Selection
from s3uploader_gui.ui.messages import error_text
from s3uploader_gui.ui.workers import WorkerPool


class Properties(QObject):
    """The properties dialog of the selected object (one at a time, non-modal).

    ``changed(bucket, key)`` re-lists the object's row after its headers were saved.
    """

    def __init__(
        self,
        pool: WorkerPool,
        runner: OperationRunner,
        selection: Selection,
        place: Place,
        status: Status,
        changed: Callable[[str, str], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._runner = runner
        self._selection = selection
        self._place = place
        self._status = status
        self._changed = changed
        self._parent = parent
        self._prompts = Prompts(parent)
        self.dialog: PropertiesDialog | None = None

    def show_properties(self) -> None:
        objects = self._selection.objects()
        context = self._place.context
        if len(objects) != 1 or context is None:
            return
        bucket, key = objects[0]
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        dialog = PropertiesDialog(bucket, key, self._parent)
        dialog.saveRequested.connect(self._on_save_headers)
        self.dialog = dialog
        dialog.open()
        call_for(
            self,
            self._pool,
            functools.partial(load_properties, context, bucket, key),
            Properties._on_properties,
            Properties._on_properties_failed,
            name="head",
        )

    def _on_properties(self, props: ObjectProperties) -> None:
        dialog = self.dialog
        if dialog is not None and (dialog.bucket, dialog.key) == (props.bucket, props.key):
            dialog.set_properties(props)

    def _on_properties_failed(self, err: AppError) -> None:
        if self.dialog is not None:
            self.dialog.set_error(error_text(err))

    @Slot(str, str)
    def _on_save_headers(self, content_type: str, cache_control: str) -> None:
        self._save(content_type, cache_control, accept_losses=False)

    def _save(self, content_type: str, cache_control: str, *, accept_losses: bool) -> None:
        dialog = self.dialog
        context = self._place.context
        if dialog is None or context is None:
            return

        def failed(err: AppError) -> None:
            # Nothing was copied: what the copy would lose is asked, then saved again.
            if isinstance(err, AttributesNotKept) and self._prompts.confirm(
                tr("Properties"),
                tr("Saving copies the object onto itself, and the copy cannot keep:")
                + "\n\n"
                + "\n".join(err.not_kept)
                + "\n\n"
                + tr("Save anyway?"),
            ):
                self._save(content_type, cache_control, accept_losses=True)
                return
            self._on_properties_failed(err)

        self._runner.run(
            "headers",
            tr("Saving properties…"),
            functools.partial(
                save_properties,
                context,
                dialog.bucket,
                dialog.key,
                content_type=content_type,
                cache_control=cache_control,
                accept_losses=accept_losses,
            ),
            self._on_headers_saved,
            failed,
            cancel=CancelToken(),
        )

    def _on_headers_saved(self, props: ObjectProperties) -> None:
        if self.dialog is not None:
            self.dialog.set_properties(props)
        self._status(tr("Properties saved."), 8000)
        self._changed(props.bucket, props.key)
