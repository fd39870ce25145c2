"""A journal that cannot be written never fails an upload in the window: the files are
stored and the status bar says, and keeps saying after the batch's summary, that this
batch cannot be resumed."""

from __future__ import annotations

from pathlib import Path

from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.journal import Journal
from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.ui.main_window import MainWindow
from tests.helpers.files import make_random


def test_the_status_bar_says_resuming_is_off_and_the_uploads_go_on(
    qtbot, window: MainWindow, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    pane = window.upload_pane
    connection = window.session.connection
    assert connection is not None
    journal = Journal(tmp_path / "j.sqlite3")
    with journal._store.lock:  # read-only from now on, as after a remount
        journal._store.db.execute("PRAGMA query_only=ON")
    connection.engine.journal = journal
    messages: list[str] = []
    window.statusMessage.connect(messages.append)
    files = [make_random(tmp_path / f"f{i}.bin", 2000 + i) for i in range(3)]
    pane.autostart_box.setChecked(False)
    pane.add_paths(files)
    qtbot.waitUntil(lambda: pane.queue.rowCount() == 3, timeout=10000)
    with qtbot.waitSignal(pane.uploadsFinished, timeout=30000):
        pane.start_uploads()
    statuses = [pane.queue.item(r).status for r in range(3)]
    assert statuses == [ItemStatus.DONE] * 3
    told = [m for m in messages if "journal" in m]
    assert told and "cannot be resumed" in told[0]
    summary = window.statusBar().currentMessage()
    assert summary.startswith("Uploaded 3 files") and "journal" in summary
    for f in files:
        body = seaweed_context.client.get_object(Bucket=seaweed_bucket, Key=f.name)["Body"]
        assert body.read() == f.read_bytes()
    journal.close()
