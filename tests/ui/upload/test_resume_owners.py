"""The resume offer at start-up against real other instances: one still running (its
upload must be neither offered nor aborted) and one that crashed (offered; "No" aborts
its upload). Each instance is a separate process writing the same journal file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.journal import Journal
from s3uploader_gui.ui.main_window import MainWindow
from tests.cli.conftest import REPO_ROOT
from tests.helpers.files import make_random
from tests.integration.procs import wait_until

#: Another instance: starts a multipart upload, journals it, says "ready", then runs
#: until its stdin closes ("crash": it is told to exit at once, leaving its rows).
INSTANCE = r"""
import sys
from pathlib import Path
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.core.transfers.journal import Journal

endpoint, access, secret, connection, bucket, key, path, mode = sys.argv[1:9]
context = S3Context(ConnectionSettings(endpoint_url=endpoint, region="us-east-1",
    access_key_id=access, secret_access_key=secret, addressing_style="path"))
upload = context.client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
journal = Journal()
st = Path(path).stat()
row = journal.begin(connection, bucket, key, Path(path), st.st_size, st.st_mtime_ns)
journal.set_multipart(row.id, upload, 5 << 20, "CRC32")
journal.set_state(row.id, "uploading")
print("ready", flush=True)
if mode == "run":
    sys.stdin.readline()
"""


def _instance(
    seaweed: LocalServerInfo, connection: str, bucket: str, path: Path, mode: str
) -> subprocess.Popen[str]:
    env = dict(os.environ)  # the same user data folder, hence the same journal file
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    args = [seaweed.endpoint_url, seaweed.access_key_id, seaweed.secret_access_key,
            connection, bucket, path.name, str(path), mode]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-c", INSTANCE, *args],
        env=env,
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_only_a_crashed_instances_upload_is_offered_and_no_aborts_only_that(
    qtbot, window: MainWindow, seaweed: LocalServerInfo, seaweed_context: S3Context,
    seaweed_bucket: str, tmp_path: Path,
) -> None:  # fmt: skip
    pane = window.upload_pane
    connection = window.session.connection
    assert connection is not None
    conn_id = connection.engine.connection_id
    running_file = make_random(tmp_path / "running.bin", 1000)
    crashed_file = make_random(tmp_path / "crashed.bin", 1000)
    running = _instance(seaweed, conn_id, seaweed_bucket, running_file, "run")
    try:
        crashed = _instance(seaweed, conn_id, seaweed_bucket, crashed_file, "crash")
        crashed.communicate(timeout=30)  # gone, its upload and row left behind

        journal = Journal()  # this instance, on the same file
        connection.engine.journal = journal
        pane.transfer._resume_offered.clear()
        offered: list[str] = []

        def decline() -> None:
            box = pane.transfer._offer
            if box is None:
                QTimer.singleShot(20, decline)
                return
            offered.append(box.text())
            box.done(QMessageBox.StandardButton.No)

        QTimer.singleShot(20, decline)
        pane.transfer.offer_resume(connection)
        qtbot.waitUntil(lambda: len(offered) == 1, timeout=10000)
        assert "1 upload did not finish last time" in offered[0]

        client = seaweed_context.client

        def open_uploads() -> list[str]:
            found = client.list_multipart_uploads(Bucket=seaweed_bucket).get("Uploads", [])
            return sorted(u["Key"] for u in found)

        wait_until(lambda: open_uploads() == ["running.bin"], timeout=10, what="the abort")
        qtbot.waitUntil(lambda: window.pool.active == 0, timeout=10000)
        assert open_uploads() == ["running.bin"]  # the running instance's upload is intact
        assert [i.key for i in journal.unfinished()] == ["running.bin"]
        assert pane.queue.rowCount() == 0
    finally:
        running.communicate(timeout=30)  # its stdin closes: the running instance quits
        for upload in seaweed_context.client.list_multipart_uploads(Bucket=seaweed_bucket).get(
            "Uploads", []
        ):
            seaweed_context.client.abort_multipart_upload(
                Bucket=seaweed_bucket, Key=upload["Key"], UploadId=upload["UploadId"]
            )
