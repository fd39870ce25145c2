"""After a fatal error, a download still prints one row per item, then the error once."""

from __future__ import annotations

import io
import json
from pathlib import Path

from s3uploader_gui.cli.download import _RowPrinter
from s3uploader_gui.cli.output import Reporter
from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import Cancelled, SignatureMismatch
from s3uploader_gui.core.operations.downloads import DownloadRow
from s3uploader_gui.core.transfers.model import ItemStatus


def test_every_item_keeps_its_row_after_a_fatal_error() -> None:
    out, err = io.StringIO(), io.StringIO()
    cancel = CancelToken()
    printer = _RowPrinter(Reporter(json_mode=True, out=out, err=err), "b", cancel, skip_hint=True)
    fatal = SignatureMismatch("The secret access key is wrong.", code="SignatureDoesNotMatch")
    printer(DownloadRow("a", Path("a"), ItemStatus.DONE, 3))
    printer(DownloadRow("b", Path("b"), ItemStatus.FAILED, 0, fatal))
    printer(DownloadRow("c", Path("c"), ItemStatus.CANCELLED, 0, Cancelled()))
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["key"], r["status"]) for r in rows] == [
        ("a", "downloaded"),
        ("b", "failed"),
        ("c", "failed"),
    ]
    assert cancel.cancelled
    assert printer.fatal is fatal
