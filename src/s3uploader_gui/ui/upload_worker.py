"""The worker that runs one batch of uploads through the connection's TransferEngine."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import translate, user_message
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.progress import TransferProgress
from s3uploader_gui.core.transfers import ItemResult, TransferEngine


class UploadWorker(QObject):
    """Uploads ``sources`` to ``bucket``; ``rows[i]`` is the queue row of ``sources[i]``.

    Signals:
        itemStarted(int): queue row whose upload began.
        itemFinished(int, str, str): queue row, ItemStatus value, error sentence ("" on success).
        batchFailed(str): the batch could not run at all.
        finished(): always last.

    Byte progress is not signalled: the window samples ``progress.snapshot()`` on a timer.
    """

    itemStarted = Signal(int)
    itemFinished = Signal(int, str, str)
    batchFailed = Signal(str)
    finished = Signal()

    def __init__(
        self, engine: TransferEngine, bucket: str, sources: list[UploadSource], rows: list[int]
    ) -> None:
        super().__init__()
        self.name = "upload"
        self.engine = engine
        self.bucket = bucket
        self.sources = sources
        self.rows = rows
        self.progress = TransferProgress()
        self.cancel_token = CancelToken()
        self.results: list[ItemResult] = []

    def cancel(self) -> None:
        self.cancel_token.cancel()

    @Slot()
    def run(self) -> None:
        try:
            self.results = self.engine.upload(
                self.bucket,
                self.sources,
                progress=self.progress,
                cancel=self.cancel_token,
                on_start=self._started,
                on_item=self._finished_item,
            )
        except Exception as exc:  # the engine itself failed (never a single item)
            self.batchFailed.emit(user_message(translate(exc)))
        finally:
            self.finished.emit()

    def _started(self, index: int) -> None:
        self.itemStarted.emit(self.rows[index])

    def _finished_item(self, result: ItemResult) -> None:
        error = user_message(result.error) if result.error is not None else ""
        self.itemFinished.emit(self.rows[result.index], str(result.status), error)
