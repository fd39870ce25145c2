"""The log file: rotated by size, secrets scrubbed in the rotated files too."""

from __future__ import annotations

import logging
from pathlib import Path

from s3uploader_gui.core.logsetup import RedactingFormatter, SizeRotatingFileHandler


def _logger(handler: logging.Handler) -> logging.Logger:
    log = logging.getLogger("test-logsetup-rotation")
    log.propagate = False
    log.setLevel(logging.INFO)
    for old in list(log.handlers):
        log.removeHandler(old)
    log.addHandler(handler)
    return log


def test_the_log_moves_aside_when_full_and_keeps_a_bounded_number_of_files(
    tmp_path: Path,
) -> None:
    path = tmp_path / "app.log"
    handler = SizeRotatingFileHandler(path, max_bytes=1000, backups=2)
    handler.setFormatter(RedactingFormatter("%(message)s"))
    log = _logger(handler)
    try:
        for i in range(100):  # ~5,000 bytes: four rotations
            log.info("line %03d %s", i, "x" * 40)
    finally:
        handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["app.log", "app.log.1", "app.log.2"]
    for p in tmp_path.iterdir():
        # A file passes the limit by at most one record before it is moved aside.
        assert p.stat().st_size < 1000 + 60
    newest = path.read_text().splitlines()
    assert newest[-1].startswith("line 099")
    # Nothing lost between the current file and the first backup: lines run on.
    previous = (tmp_path / "app.log.1").read_text().splitlines()
    assert int(previous[-1].split()[1]) + 1 == int(newest[0].split()[1])


def test_no_backups_means_the_file_starts_again(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    handler = SizeRotatingFileHandler(path, max_bytes=200, backups=0)
    log = _logger(handler)
    try:
        for i in range(20):
            log.info("line %03d %s", i, "y" * 30)
    finally:
        handler.close()
    assert [p.name for p in tmp_path.iterdir()] == ["app.log"]
    assert path.stat().st_size < 200 + 60
    assert path.read_text().splitlines()[-1].startswith("line 019")
