"""The upload pane keeps the GUI thread's work per file small: item events reach the queue
on a steady beat (not one queued signal and one repaint each), and the total progress
bar never paints synchronously."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRect
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QWidget

from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.core.transfers.progress import TransferProgress
from s3uploader_gui.ui.upload import item_events
from s3uploader_gui.ui.upload.batch_progress import BatchProgress
from s3uploader_gui.ui.upload.item_events import ItemEventQueue
from s3uploader_gui.ui.upload.queue_model import VIEW_CELLS_PER_CHANGE, Column, UploadQueueModel
from s3uploader_gui.ui.upload.queue_view import QueueView


def _queue_with_rows(count: int) -> tuple[UploadQueueModel, list[int]]:
    queue = UploadQueueModel()
    rows = queue.add_sources(
        [UploadSource(Path(f"/tmp/f{i}.bin"), f"f{i}.bin", 10) for i in range(count)]
    )
    return queue, rows


def _events(queue: UploadQueueModel, after: list[int]) -> ItemEventQueue:
    def apply_state(row: int, state: ItemStatus, detail: str) -> None:
        queue.set_status(row, state)
        queue.set_detail(row, detail)

    return ItemEventQueue(queue, apply_state, lambda: after.append(1))


def _spin(qtbot, ms: int) -> None:
    qtbot.wait(ms)


def test_updates_within_one_beat_make_one_model_refresh(qtbot):
    """Events trickling in over most of a beat (as a worker sends them) are applied as
    one dataChanged and one recount, not one per little group."""
    queue, rows = _queue_with_rows(40)
    after: list[int] = []
    events = _events(queue, after)
    changes: list[tuple[int, int]] = []
    queue.dataChanged.connect(lambda top, bottom, *_: changes.append((top.row(), bottom.row())))
    step = item_events.ITEM_EVENT_INTERVAL_MS / 8 / 1000
    start = time.monotonic()
    for row in rows[:5]:
        events.push("started", row)
        deadline = time.monotonic() + step
        while time.monotonic() < deadline:  # the GUI thread keeps answering meanwhile
            QCoreApplication.processEvents()
    assert time.monotonic() - start < item_events.ITEM_EVENT_INTERVAL_MS / 1000
    qtbot.waitUntil(lambda: all(queue.item(r).status == ItemStatus.UPLOADING for r in rows[:5]))
    assert changes == [(rows[0], rows[4])]
    assert after == [1]


def test_events_posted_from_a_worker_thread_reach_the_queue_on_the_beat(qtbot):
    """``post`` from another thread wakes nothing: while the pane follows a batch, the
    beat applies them all, in few refreshes; after ``flush`` the last state of every row
    is the one shown."""
    queue, rows = _queue_with_rows(300)
    after: list[int] = []
    events = _events(queue, after)
    changes: list[tuple[int, int]] = []
    queue.dataChanged.connect(lambda top, bottom, *_: changes.append((top.row(), bottom.row())))
    events.follow()

    def worker() -> None:
        for row in rows:
            events.post("started", row)
            events.post("state", row, str(ItemStatus.UPLOADING), "retrying…")
            events.post("finished", row, str(ItemStatus.DONE), "")

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert queue.item(rows[0]).status == ItemStatus.QUEUED  # nothing applied yet
    qtbot.waitUntil(lambda: all(queue.item(r).status == ItemStatus.DONE for r in rows))
    assert all(queue.item(r).done_bytes == 10 for r in rows)
    assert all(queue.item(r).detail == "" for r in rows)
    # A slice announces its rows in runs of at most VIEW_CELLS_PER_CHANGE cells.
    assert 1 <= len(changes) <= 30, len(changes)
    # The batch ends: events still waiting are applied at once and the beat stops.
    events.post("finished", rows[0], str(ItemStatus.FAILED), "boom")
    events.flush()
    assert queue.item(rows[0]).status == ItemStatus.FAILED
    assert queue.item(rows[0]).error == "boom"
    count = len(changes)
    _spin(qtbot, 3 * item_events.ITEM_EVENT_INTERVAL_MS)
    assert len(changes) == count


def test_a_burst_ends_in_each_rows_last_state(qtbot):
    """A burst of events for many rows (renamed, then finished) ends with every row in
    its last reported state and key."""
    queue, rows = _queue_with_rows(3000)
    after: list[int] = []
    events = _events(queue, after)
    for row in rows:
        events.push("started", row)
        events.push("renamed", row, "", f"new/{row}.bin")
        events.push("finished", row, str(ItemStatus.SKIPPED if row % 2 else ItemStatus.DONE))
    qtbot.waitUntil(lambda: queue.item(rows[-1]).status.finished, timeout=5000)
    for row in rows:
        item = queue.item(row)
        assert item.status == (ItemStatus.SKIPPED if row % 2 else ItemStatus.DONE)
        assert item.key == f"new/{row}.bin"


class _PaintCounter(QObject):
    def __init__(self, widget: QWidget, regions: list[QRect] | None = None) -> None:
        super().__init__()
        self.paints = 0
        self._regions = regions
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
            if self._regions is not None:
                assert isinstance(event, QPaintEvent)
                self._regions.append(event.region().boundingRect())
        return False


def test_a_batch_is_announced_per_run_of_changed_rows():
    """Changes inside ``batched()`` are announced per run of adjacent rows, never over
    rows that did not change nor over more cells than a view repaints in part."""
    queue, _rows = _queue_with_rows(300)
    changes: list[tuple[int, int, int, int]] = []
    queue.dataChanged.connect(
        lambda top, bottom, *_: changes.append(
            (top.row(), bottom.row(), top.column(), bottom.column())
        )
    )
    with queue.batched():
        for row in (4, 3, 5, 10, *range(100, 151)):
            queue.set_status(row, ItemStatus.UPLOADING)
        queue.set_progress(10, 5)
    last = len(Column) - 1
    per_run = VIEW_CELLS_PER_CHANGE // len(Column)
    assert changes == [
        (3, 5, 0, last),
        (10, 10, 0, last),
        (100, 100 + per_run - 1, 0, last),
        (100 + per_run, 150, 0, last),
    ]


def test_a_beat_of_changes_below_the_rows_in_sight_paints_nothing(qtbot):
    """While a batch uploads rows below the ones in sight, a beat of their changes
    does not repaint the queue; a change to a row in sight repaints that row only."""
    queue, _rows = _queue_with_rows(500)
    view = QueueView(queue)
    qtbot.addWidget(view)
    view.resize(680, 320)
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(50)
    regions: list[QRect] = []
    watcher = _PaintCounter(view.viewport(), regions)
    with queue.batched():  # what one beat applies while rows 100-160 upload
        for row in range(100, 161):
            queue.set_status(row, ItemStatus.UPLOADING)
            queue.set_detail(row, "1.0 MiB/s · 0:01")
    qtbot.wait(50)
    assert watcher.paints == 0
    with queue.batched():
        queue.set_status(2, ItemStatus.DONE)
        queue.set_status(300, ItemStatus.DONE)
    qtbot.waitUntil(lambda: watcher.paints > 0)
    row_top, row_height = view.rowViewportPosition(2), view.rowHeight(2)
    assert len(regions) == 1
    assert regions[0].top() <= row_top and regions[0].bottom() >= row_top + row_height - 1
    assert regions[0].height() < 2 * row_height  # that row, not the rows in sight


def test_the_total_progress_bar_paints_with_the_window_not_at_once(qtbot):
    """``QProgressBar.setValue`` repaints synchronously when the bar moves: the pane's bar
    is only marked for the next paint, so a progress tick costs no paint of its own."""
    progress = BatchProgress()
    qtbot.addWidget(progress)
    progress.resize(600, 30)
    progress.show()
    qtbot.waitExposed(progress)
    qtbot.wait(50)
    counter = _PaintCounter(progress.bar)
    tracker = TransferProgress()
    tracker.add_item(0, 1000)
    tracker.advance(0, 500)
    progress.show_snapshot(tracker.snapshot())
    assert progress.bar.value() == 500
    assert counter.paints == 0  # not painted inside setValue
    qtbot.waitUntil(lambda: counter.paints > 0)
    painted = counter.paints
    progress.show_counts(None)
    assert progress.bar.value() == 0
    assert counter.paints == painted


def test_keys_are_made_without_a_stat_per_file_unless_the_template_asks(
    qtbot, tmp_path, monkeypatch
):
    """Planning a batch renders every queued row's key on the GUI thread: a file's
    modification time is read (a stat each) only for a template that shows it."""
    import datetime as dt
    import pathlib

    from PySide6.QtCore import QSettings

    from s3uploader_gui.ui.upload.controls import TransferControls
    from s3uploader_gui.ui.upload.queue_model import QueueItem

    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"x")
    parent = QWidget()
    qtbot.addWidget(parent)
    controls = TransferControls(None, UploadQueueModel(), QSettings(), None, parent)  # type: ignore[arg-type]
    item = QueueItem(path=photo, relative="a.jpg", size=1)
    stats: list[object] = []
    real_stat = pathlib.Path.stat

    def counting_stat(self: pathlib.Path, **kwargs: object) -> object:
        stats.append(self)
        return real_stat(self, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pathlib.Path, "stat", counting_stat)
    assert controls.key_for("up/", item) == "up/a.jpg"
    assert stats == []
    controls.prefs.key_template = "{prefix}{mtime:%Y}/{name}"
    year = dt.datetime.fromtimestamp(real_stat(photo).st_mtime).year
    assert controls.key_for("up/", item) == f"up/{year}/a.jpg"
    assert stats == [photo]


def test_status_counts_follow_every_change_of_a_row():
    """The queue's counts (the buttons and the summary line read them after every few
    events) stay right through adds, status changes and clearing."""
    queue, rows = _queue_with_rows(6)
    queue.add_failed(Path("/tmp/missing.bin"), "gone")
    queue.set_status(rows[0], ItemStatus.UPLOADING)
    queue.set_status(rows[0], ItemStatus.DONE)
    queue.set_status(rows[1], ItemStatus.SKIPPED)
    queue.set_status(rows[2], ItemStatus.FAILED, "boom")
    queue.set_status(rows[2], ItemStatus.QUEUED)  # retried
    expected = {status: 0 for status in ItemStatus}
    for row in range(queue.rowCount()):
        expected[queue.item(row).status] += 1
    assert queue.counts() == expected
    assert queue.has_status(ItemStatus.DONE) and not queue.has_status(ItemStatus.PAUSED)
    queue.clear_finished()
    assert queue.counts()[ItemStatus.DONE] == 0
    assert queue.counts()[ItemStatus.SKIPPED] == 0
    assert queue.counts()[ItemStatus.QUEUED] == 4
    assert queue.counts()[ItemStatus.FAILED] == 1
    assert sum(queue.counts().values()) == queue.rowCount() == 5


def test_a_long_burst_recounts_the_buttons_once_a_beat_not_once_a_slice(qtbot, monkeypatch):
    """While a burst takes many slices, ``after`` (the pane's recount) runs at most once
    a beat, and once more when the last event is applied."""
    monkeypatch.setattr(item_events, "ITEM_EVENT_INTERVAL_MS", 1000)
    queue, rows = _queue_with_rows(50)
    after: list[int] = []
    events = _events(queue, after)
    for row in rows:
        events.push("started", row)
    slices = 0
    while True:
        events.apply(0.0)  # one event per slice
        slices += 1
        if queue.item(rows[-1]).status == ItemStatus.UPLOADING:
            break
    assert slices == len(rows)
    assert len(after) <= 2  # the first slice of the beat and the last one
