"""Queue controls in the upload pane against SeaweedFS: pause/resume, cancel selected,
retry failed, the "ask" conflict dialog, transfer settings, and the resume offer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.transfers.journal import Journal
from s3uploader_gui.core.transfers.model import ConflictPolicy, ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.upload.transfer_settings import TransferPrefs, TransferSettingsDialog
from tests.helpers.files import make_random
from tests.helpers.owners import gone_owner


def add_files(qtbot, win: MainWindow, paths: list[Path]) -> None:
    pane = win.upload_pane
    before = pane.queue.rowCount()
    pane.add_paths(paths)
    qtbot.waitUntil(lambda: pane.queue.rowCount() == before + len(paths), timeout=10000)


def statuses(win: MainWindow) -> list[ItemStatus]:
    q = win.upload_pane.queue
    return [q.item(r).status for r in range(q.rowCount())]


def test_pause_all_then_resume_completes(
    qtbot, window: MainWindow, seaweed_context, seaweed_bucket, tmp_path
):
    pane = window.upload_pane
    pane.autostart_box.setChecked(False)
    pane.transfer.prefs.bandwidth_mib_s = 4  # slow enough to pause mid-way
    pane.transfer.prefs.max_parallel = 1
    big = make_random(tmp_path / "big.bin", 12 * MiB)
    small = [make_random(tmp_path / f"s{i}.bin", 1000) for i in range(3)]
    add_files(qtbot, window, [big, *small])
    pane.start_uploads()
    qtbot.waitUntil(lambda: pane.queue.item(0).done_bytes > 0, timeout=20000)
    pane.transfer.pause_selected()  # nothing selected: pause everything
    qtbot.waitUntil(lambda: not pane.uploading, timeout=30000)
    assert ItemStatus.PAUSED in statuses(window)
    assert pane.transfer.resume_button.isEnabled()
    pane.transfer.prefs.bandwidth_mib_s = 0
    pane.transfer.resume()
    # Rows show Done as their answers arrive; the batch ends (and Clear is offered) after.
    qtbot.waitUntil(
        lambda: statuses(window) == [ItemStatus.DONE] * 4 and not pane.uploading, timeout=30000
    )
    body = seaweed_context.client.get_object(Bucket=seaweed_bucket, Key="big.bin")["Body"].read()
    assert body == big.read_bytes()
    assert pane.transfer.clear_button.isEnabled()
    pane.clear_finished()
    assert pane.queue.rowCount() == 0


def test_cancel_selected_and_retry_failed(qtbot, window: MainWindow, tmp_path):
    pane = window.upload_pane
    pane.autostart_box.setChecked(False)
    files = [make_random(tmp_path / f"f{i}.bin", 100) for i in range(3)]
    add_files(qtbot, window, files)
    pane.queue_view.selectRow(1)
    pane.transfer.cancel_selected()  # not running: the row is cancelled at once
    assert statuses(window)[1] == ItemStatus.CANCELLED
    files[2].unlink()
    pane.start_uploads()
    qtbot.waitUntil(lambda: not pane.uploading, timeout=20000)
    assert statuses(window) == [ItemStatus.DONE, ItemStatus.CANCELLED, ItemStatus.FAILED]
    assert pane.transfer.retry_button.isEnabled()
    make_random(files[2], 100)
    pane.transfer.retry_failed()
    qtbot.waitUntil(lambda: statuses(window)[2] == ItemStatus.DONE, timeout=20000)


def test_ask_conflict_dialog_keeps_both(
    qtbot, window: MainWindow, seaweed_context, seaweed_bucket, tmp_path
):
    pane = window.upload_pane
    pane.autostart_box.setChecked(False)
    pane.transfer.prefs.conflict = ConflictPolicy.ASK
    seaweed_context.client.put_object(Bucket=seaweed_bucket, Key="a.txt", Body=b"old")
    f = tmp_path / "a.txt"
    f.write_bytes(b"new")
    add_files(qtbot, window, [f])

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, answer)
            return
        assert "already exists" in box.text()
        for button in box.buttons():
            if button.text() == box.tr("Keep both"):
                button.click()

    QTimer.singleShot(50, answer)
    pane.start_uploads()
    qtbot.waitUntil(lambda: not pane.uploading, timeout=20000)
    assert statuses(window) == [ItemStatus.DONE]
    assert pane.queue.item(0).key == "a (1).txt"
    client = seaweed_context.client
    assert client.get_object(Bucket=seaweed_bucket, Key="a (1).txt")["Body"].read() == b"new"
    assert client.get_object(Bucket=seaweed_bucket, Key="a.txt")["Body"].read() == b"old"


def test_settings_dialog_validates_the_template_and_round_trips(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    prefs = TransferPrefs.load(settings)
    dialog = TransferSettingsDialog(prefs)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.template_edit.setText("{prefix}{nope}")
    assert not ok.isEnabled()
    assert "Unknown placeholder" in dialog.template_status.text()
    dialog.template_edit.setText("{prefix}{date:%Y/%m}/{stem}{ext}")
    assert ok.isEnabled() and "Example:" in dialog.template_status.text()
    dialog.parallel_spin.setValue(4)
    assert "32.0 MiB" in dialog.memory_label.text()
    dialog.bandwidth_spin.setValue(5)
    dialog.cache_edit.setText("max-age=60")
    dialog.metadata_edit.setText("a=1, b=2")
    dialog.types_edit.setText("log=text/plain")
    dialog.sse_combo.setCurrentIndex(dialog.sse_combo.findData("aws:kms"))
    dialog.kms_edit.setText("key-1")
    dialog.conflict_combo.setCurrentIndex(dialog.conflict_combo.findData("rename"))
    edited = dialog.prefs()
    edited.save(settings)
    again = TransferPrefs.load(settings)
    assert again == edited
    engine_settings = again.engine_settings(EngineSettings())
    assert engine_settings.max_concurrency == 4
    assert engine_settings.max_bandwidth == 5 * MiB
    assert engine_settings.conflict == ConflictPolicy.RENAME
    args = engine_settings.options.extra_args("x.log")
    assert args["ContentType"] == "text/plain" and args["SSEKMSKeyId"] == "key-1"
    assert args["Metadata"] == {"a": "1", "b": "2"} and "ACL" not in args


def test_resume_offer_after_a_crash(
    qtbot, window: MainWindow, seaweed_context, seaweed_bucket, tmp_path
):
    """An unfinished journaled multipart upload is offered, resumed, and completed."""
    pane = window.upload_pane
    connection = window.session.connection
    assert connection is not None
    big = make_random(tmp_path / "big.bin", 11 * MiB)
    # A previous run: one part stored, then the app died (the journal says "uploading").
    previous = Journal(owner=gone_owner())
    connection.engine.journal = previous
    connection.engine.configure(
        EngineSettings(max_concurrency=1, multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    )
    pane.transfer.prefs.max_parallel = 10

    from s3uploader_gui.core.transfers.control import BatchControl

    control = BatchControl()
    connection.engine.register("after-call.s3.UploadPart", lambda **kw: control.pause())
    (first,) = connection.engine.upload(
        seaweed_bucket, [UploadSource(big, "later/big.bin", big.stat().st_size)], control=control
    )
    assert first.status == ItemStatus.PAUSED
    (row,) = previous.unfinished(connection.engine.connection_id)
    previous.set_state(row.id, "uploading")
    previous.close()

    journal = Journal()  # this run, on the same file
    connection.engine.journal = journal
    pane.transfer._resume_offered.clear()

    def accept() -> None:
        box = pane.transfer._offer
        if box is None:
            QTimer.singleShot(50, accept)
            return
        assert "did not finish" in box.text()
        box.done(QMessageBox.StandardButton.Yes)

    QTimer.singleShot(50, accept)
    pane.transfer.offer_resume(connection)
    qtbot.waitUntil(lambda: pane.queue.rowCount() == 1, timeout=10000)
    pane.transfer.prefs.max_parallel = 2
    qtbot.waitUntil(lambda: statuses(window) == [ItemStatus.DONE], timeout=30000)
    assert pane.queue.item(0).key == "later/big.bin"
    body = seaweed_context.client.get_object(Bucket=seaweed_bucket, Key="later/big.bin")
    assert body["Body"].read() == big.read_bytes()
    assert journal.unfinished() == []


def test_resume_offer_covers_every_bucket(
    qtbot, window: MainWindow, seaweed_context, seaweed_bucket, tmp_path
):
    """Uploads left unfinished in two buckets are offered in one question and each goes
    back to its own bucket (one batch after the other), with autostart off."""
    from s3uploader_gui.core.objects import create_bucket
    from tests.conftest import remove_bucket, unique_bucket

    pane = window.upload_pane
    connection = window.session.connection
    assert connection is not None
    other = unique_bucket()
    create_bucket(seaweed_context.client, other)
    try:
        previous = Journal(owner=gone_owner())  # a run that ended before finishing
        files = [make_random(tmp_path / f"f{i}.bin", 1000 + i) for i in range(3)]
        conn_id = connection.engine.connection_id
        previous.begin_many(
            conn_id,
            seaweed_bucket,
            [(f"a/{f.name}", f, f.stat().st_size, f.stat().st_mtime_ns, None) for f in files[:2]],
        )
        previous.begin_many(
            conn_id, other, [("b/f2.bin", files[2], 1002, files[2].stat().st_mtime_ns, None)]
        )
        previous.close()
        journal = Journal()
        connection.engine.journal = journal
        autostart = pane.autostart_box.isChecked()
        pane.autostart_box.setChecked(False)  # remembered: put back below
        pane.transfer._resume_offered.clear()
        offered: list[str] = []

        def accept() -> None:
            box = pane.transfer._offer
            if box is None:
                QTimer.singleShot(20, accept)
                return
            offered.append(box.text())
            box.done(QMessageBox.StandardButton.Yes)

        QTimer.singleShot(20, accept)
        pane.transfer.offer_resume(connection)
        qtbot.waitUntil(lambda: len(offered) == 1, timeout=10000)
        assert "3 uploads did not finish last time" in offered[0]
        assert "to 2 buckets" in offered[0]
        qtbot.waitUntil(lambda: statuses(window) == [ItemStatus.DONE] * 3, timeout=30000)
        for bucket, key, f in [
            (seaweed_bucket, "a/f0.bin", files[0]),
            (seaweed_bucket, "a/f1.bin", files[1]),
            (other, "b/f2.bin", files[2]),
        ]:
            got = seaweed_context.client.get_object(Bucket=bucket, Key=key)["Body"].read()
            assert got == f.read_bytes(), (bucket, key)
        assert journal.unfinished() == []
    finally:
        pane.autostart_box.setChecked(autostart)
        remove_bucket(seaweed_context.client, other)
