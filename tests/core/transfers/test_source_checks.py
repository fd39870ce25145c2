"""``SourceFile.check``: every way a file can change under an upload is still seen, with
one ``stat`` of its path (no ``fstat`` of the open file)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from s3uploader_gui.core.errors import LocalFileError
from s3uploader_gui.core.transfers import source
from s3uploader_gui.core.transfers.source import SourceFile


def _append(p: Path) -> None:
    with p.open("ab") as fh:
        fh.write(b"more")


def _rewrite_same_size(p: Path) -> None:
    st = p.stat()
    with p.open("r+b") as fh:
        fh.write(b"X" * 4)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _rewrite_keeping_mtime(p: Path) -> None:
    st = p.stat()
    with p.open("r+b") as fh:
        fh.write(b"Y" * 4)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # ctime still moves


def _replace(p: Path) -> None:
    other = p.with_name("other")
    other.write_bytes(p.read_bytes())
    os.utime(other, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns))
    os.replace(other, p)


def _delete(p: Path) -> None:
    p.unlink()


def _truncate(p: Path) -> None:
    os.truncate(p, 3)


@pytest.mark.parametrize(
    "change",
    [_append, _rewrite_same_size, _rewrite_keeping_mtime, _replace, _delete, _truncate],
)
def test_every_change_is_seen(
    change: Callable[[Path], None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"0123456789")
    opened = SourceFile(path, "a.bin")
    try:
        opened.check()
        change(path)
        with pytest.raises(LocalFileError) as info:
            opened.check()
        assert info.value.code == "FileChanged"
    finally:
        opened.close()


def test_a_check_is_one_stat_of_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"0123456789")
    opened = SourceFile(path, "a.bin")
    calls: list[str] = []
    real_stat = os.stat

    def fstat(fd: int) -> os.stat_result:
        raise AssertionError("fstat in a check")

    def stat(p: object, *args: object, **kwargs: object) -> os.stat_result:
        calls.append(str(p))
        return real_stat(p, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(source.os, "fstat", fstat)
    monkeypatch.setattr(source.os, "stat", stat)
    try:
        assert opened.read(0, 10) == b"0123456789"
        opened.check()
    finally:
        monkeypatch.undo()
        opened.close()
    assert calls == [str(path)]
