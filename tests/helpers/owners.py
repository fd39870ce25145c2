"""Journal owners for tests: another program that runs, or one that ran and is gone."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from s3uploader_gui.core.transfers.journal_owner import Owner, owner_of


@contextmanager
def running_owner() -> Iterator[Owner]:
    """The identity of a program (``sleep``) that runs for the duration of the block."""
    proc = subprocess.Popen(["sleep", "600"])
    try:
        owner = owner_of(proc.pid)
        assert owner is not None
        yield owner
    finally:
        proc.kill()
        proc.wait(30)


def gone_owner() -> Owner:
    """The identity of a program that ran and has ended (as after a crash)."""
    with running_owner() as owner:
        pass
    return owner
