"""``s3uploader history``: what ``s3uploader upload`` stored, newest first, from the same
history file the window writes (the data folder is the test's own: XDG_DATA_HOME)."""

from __future__ import annotations

import json
from pathlib import Path

from s3uploader_gui.core import paths
from s3uploader_gui.core.history import HistoryEntry, HistoryStore, default_history_path
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.operations.connect import STANDARD_CHAIN_LABEL
from tests.cli.conftest import Cli, RunMain
from tests.helpers.images import photo


def test_upload_then_history_lists_the_files(
    cli: Cli, seaweed: LocalServerInfo, seaweed_bucket: str, tmp_path: Path
) -> None:
    photo(tmp_path / "beach.jpg", (800, 600))
    (tmp_path / "notes.txt").write_text("hello")
    run = cli("upload", "beach.jpg", "--to", f"s3://{seaweed_bucket}/trip/", cwd=tmp_path)
    assert run.code == 0, run.stderr
    run = cli("upload", "notes.txt", "--to", f"s3://{seaweed_bucket}/trip/", cwd=tmp_path)
    assert run.code == 0, run.stderr

    run = cli("history", "--json")
    assert run.code == 0, run.stderr
    rows = [json.loads(line) for line in run.out_lines]
    assert [r["key"] for r in rows] == ["trip/notes.txt", "trip/beach.jpg"]  # newest first
    notes, beach = rows
    assert beach["bucket"] == seaweed_bucket
    assert beach["size"] == (tmp_path / "beach.jpg").stat().st_size
    assert beach["content_type"] == "image/jpeg" and beach["thumbnail"] is True
    assert notes["content_type"] == "text/plain" and notes["thumbnail"] is False
    assert beach["url"] == f"s3://{seaweed_bucket}/trip/beach.jpg"
    host = seaweed.endpoint_url.split("//", 1)[1]
    assert beach["endpoint"] == host
    assert beach["profile"] == STANDARD_CHAIN_LABEL  # no --profile: how the app names it
    assert beach["time"] <= notes["time"]

    run = cli("history", "--limit", "1", "--search", "BEACH")
    assert run.code == 0, run.stderr
    assert len(run.out_lines) == 1
    assert f"s3://{seaweed_bucket}/trip/beach.jpg" in run.stdout

    # The file is the user's data folder's, private, and holds no secret.
    path = default_history_path()
    assert path.parent == paths.data_dir() and path.stat().st_mode & 0o077 == 0
    for f in path.parent.glob(path.name + "*"):
        assert seaweed.secret_access_key.encode() not in f.read_bytes()


def test_history_when_empty_and_after_a_failed_upload(
    run_main: RunMain, seaweed_bucket: str, tmp_path: Path
) -> None:
    run = run_main("history")
    assert (run.code, run.stdout) == (0, "")
    assert "no uploads" in run.stderr.lower()
    run = run_main("upload", str(tmp_path / "missing.txt"), "--to", f"s3://{seaweed_bucket}/")
    assert run.code == 1
    assert run_main("history", "--json").stdout == ""


def test_history_human_lines(run_main: RunMain) -> None:
    with HistoryStore() as store:
        store.record(
            [
                HistoryEntry("b", f"k{i}.txt", 2048 * i, 1_700_000_000.0 + i, profile="Wasabi")
                for i in range(30)
            ]
        )
    run = run_main("history")
    assert run.code == 0
    assert len(run.out_lines) == 20  # the default limit
    first = run.out_lines[0]
    assert "s3://b/k29.txt" in first and "58.0 KiB" in first and "Wasabi" in first
    assert len(run_main("history", "--limit", "50").out_lines) == 30
    assert run_main("history", "--limit", "0").code == 2
