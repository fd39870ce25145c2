"""The fatal watch: a transfer batch stops at the first fatal error (every item is still
reported: see test_upload_clash.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from s3uploader_gui.cli.batch import FatalWatch
from s3uploader_gui.core.errors import Cancelled, LocalFileError, SignatureMismatch
from s3uploader_gui.core.transfers.model import ItemResult, ItemStatus


def test_fatal_watch_cancels_the_batch_at_the_first_fatal_error() -> None:
    watch = FatalWatch()
    done = ItemResult(0, "a", Path("a"), ItemStatus.DONE, 3)
    local = ItemResult(1, "b", Path("b"), ItemStatus.FAILED, 0, LocalFileError("b is gone."))
    watch.check(done)
    watch.check(local)  # an item's own problem: reported, the batch goes on
    assert not watch.cancel.cancelled
    watch.raise_if_fatal()

    fatal = SignatureMismatch("The secret access key is wrong.", code="SignatureDoesNotMatch")
    watch.check(ItemResult(2, "c", Path("c"), ItemStatus.FAILED, 0, fatal))
    assert watch.cancel.cancelled
    # Later fatal failures and the cancelled rest are noted (and reported one by one).
    again = SignatureMismatch("again", code="SignatureDoesNotMatch")
    watch.check(ItemResult(3, "d", Path("d"), ItemStatus.FAILED, 0, again))
    watch.check(ItemResult(4, "e", Path("e"), ItemStatus.CANCELLED, 0, Cancelled()))
    with pytest.raises(SignatureMismatch) as info:
        watch.raise_if_fatal()
    assert info.value is fatal
