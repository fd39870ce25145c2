"""Output helpers (one line per item, JSON records, progress line)."""

from __future__ import annotations

import io
import json

from s3uploader_gui.cli.output import ProgressLine, Reporter, one_line, record
from s3uploader_gui.core.transfers.progress import TransferProgress


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
