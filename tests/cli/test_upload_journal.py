"""``s3uploader upload`` whose journal cannot be written: every file is uploaded (exit 0)
and stderr says once that the run cannot be resumed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers import journal as journal_module
from tests.cli.conftest import RunMain
from tests.helpers.files import make_random


class ReadOnlyJournal(journal_module.Journal):
    """The engine's journal, made read-only by SQLite itself as soon as it is open."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._store.lock:
            self._store.db.execute("PRAGMA query_only=ON")


def test_a_journal_that_cannot_be_written_is_told_once_and_the_upload_goes_on(
    run_main: RunMain,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(journal_module, "Journal", ReadOnlyJournal)
    files = [make_random(tmp_path / f"f{i}.bin", 700 + i) for i in range(4)]
    run = run_main("upload", *map(str, files), "--to", f"s3://{seaweed_bucket}/j/")
    assert run.code == 0, run.stderr
    told = [line for line in run.err_lines if "journal" in line]
    assert len(told) == 1, run.stderr
    assert "cannot be resumed" in told[0]
    for f in files:
        body = seaweed_context.client.get_object(Bucket=seaweed_bucket, Key=f"j/{f.name}")
        assert body["Body"].read() == f.read_bytes()
