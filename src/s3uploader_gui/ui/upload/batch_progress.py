"""The upload pane's total progress: a bar, and a line saying how far the batch is.

While a batch runs it shows the sampled ``ProgressSnapshot`` (files, bytes, speed, time
left); between batches, how many queued files were uploaded, failed or wait.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from s3uploader_gui.core.formatting import format_bytes, format_duration
from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.core.transfers.progress import ProgressSnapshot


class BatchProgress(QWidget):
    """The total progress bar (0–1000) and its text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(self.tr("Total upload progress"))
        self.label = QLabel(self.tr("Nothing queued"), self)
        row.addWidget(self.bar, 3)
        row.addWidget(self.label, 2)

    def _set_value(self, value: int) -> None:
        """``bar.setValue`` without its synchronous repaint: ``QProgressBar.setValue``
        paints at once (the whole window's pending updates with it, the GIL held) when
        the bar moves by a chunk; with updates off it only schedules a paint with the
        window's next one."""
        bar = self.bar
        if bar.value() == value:
            return
        bar.setUpdatesEnabled(False)
        bar.setValue(value)
        bar.setUpdatesEnabled(True)  # schedules the bar's repaint (update())

    def show_snapshot(self, snap: ProgressSnapshot) -> None:
        """A running batch: its fraction done, files, bytes, speed and time left."""
        self._set_value(int(snap.fraction * 1000))
        self.label.setText(
            self.tr("%1 of %2 files — %3 of %4 — %5/s — %6 left")
            .replace("%1", str(snap.items_finished))
            .replace("%2", str(snap.items_total))
            .replace("%3", format_bytes(snap.done_bytes))
            .replace("%4", format_bytes(snap.total_bytes))
            .replace("%5", format_bytes(snap.bytes_per_second))
            .replace("%6", format_duration(snap.eta_seconds))
        )

    def show_counts(self, counts: dict[ItemStatus, int] | None) -> None:
        """Between batches: the queue's counts (None: the queue is empty)."""
        if counts is None:
            self.label.setText(self.tr("Nothing queued"))
            self._set_value(0)
            return
        self.label.setText(
            self.tr("%1 uploaded, %2 failed, %3 queued")
            .replace("%1", str(counts[ItemStatus.DONE]))
            .replace("%2", str(counts[ItemStatus.FAILED]))
            .replace("%3", str(counts[ItemStatus.QUEUED]))
        )
