"""Output helpers (one line per item, JSON records, progress line) and the fatal watch."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from s3uploader_gui.cli import FatalWatch, ProgressLine, Reporter, one_line, record
from s3uploader_gui.core.errors import Cancelled, LocalFileError, SignatureMismatch
from s3uploader_gui.core.progress import TransferProgress
from s3uploader_gui.core.transfers import ItemResult, ItemStatus


def test_one_line_escapes_control_characters() -> None:
    assert one_line("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert one_line("café “x” 写真/a b.jpg") == "café “x” 写真/a b.jpg"


def test_reporter_human_and_json() -> None:
    out, err = io.StringIO(), io.StringIO()
    rep = Reporter(json_mode=False, out=out, err=err)
    rep.ok(record("uploaded", key="k"), "upload: evil\nname -> s3://b/k")
    assert rep.exit_code == 0
    rep.failed(record("failed", key="k2", error="boom"), "x\ny", "it\nbroke", command="upload")
    assert rep.exit_code == 1
    assert out.getvalue() == "upload: evil\\nname -> s3://b/k\n"
    assert err.getvalue() == "upload failed: x\\ny: it\\nbroke\n"

    out, err = io.StringIO(), io.StringIO()
    rep = Reporter(json_mode=True, out=out, err=err)
    rep.failed(
        record("failed", key="k", path="p", nbytes=0, error="boom"), "p", "boom", command="upload"
    )
    data = json.loads(out.getvalue())
    assert data == {
        "path": "p",
        "bucket": None,
        "key": "k",
        "status": "failed",
        "bytes": 0,
        "error": "boom",
    }
    assert err.getvalue().count("\n") == 1


def test_progress_line_is_cleared_before_item_lines() -> None:
    progress = TransferProgress()
    progress.add_item(0, 1000)
    progress.add_item(1, 3000)
    progress.set_item(0, 1000)
    progress.finish_item(0)
    out, err = io.StringIO(), io.StringIO()
    rep = Reporter(json_mode=False, out=out, err=err)
    line = ProgressLine(progress, rep)
    text = line.render()
    assert text.startswith("1/2 files, 1000 B of 3.9 KiB (25%)")
    rep.status(text)
    rep.failed(record("failed"), "item", "why", command="upload")
    assert err.getvalue() == f"\r\x1b[K{text}\r\x1b[Kupload failed: item: why\n"


def test_fatal_watch_cancels_the_batch_at_the_first_fatal_error() -> None:
    watch = FatalWatch()
    done = ItemResult(0, "a", Path("a"), ItemStatus.DONE, 3)
    local = ItemResult(1, "b", Path("b"), ItemStatus.FAILED, 0, LocalFileError("b is gone."))
    assert not watch.check(done)
    assert not watch.check(local)  # an item's own problem: reported, the batch goes on
    assert not watch.cancel.cancelled
    watch.raise_if_fatal()

    fatal = SignatureMismatch("The secret access key is wrong.", code="SignatureDoesNotMatch")
    assert watch.check(ItemResult(2, "c", Path("c"), ItemStatus.FAILED, 0, fatal))
    assert watch.cancel.cancelled
    # Later fatal failures and the cancelled rest are not reported one by one.
    again = SignatureMismatch("again", code="SignatureDoesNotMatch")
    assert watch.check(ItemResult(3, "d", Path("d"), ItemStatus.FAILED, 0, again))
    assert watch.check(ItemResult(4, "e", Path("e"), ItemStatus.CANCELLED, 0, Cancelled()))
    with pytest.raises(SignatureMismatch) as info:
        watch.raise_if_fatal()
    assert info.value is fatal
