"""Output helpers (one line per item, JSON records, progress line)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from s3uploader_gui.cli.output import (
    ProgressLine,
    Reporter,
    display_path,
    one_line,
    record,
    working_dir,
)
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


class _Stream(io.StringIO):
    """A pipe-like stream that logs its writes and flushes into a shared list."""

    def __init__(self, name: str, log: list[str], *, tty: bool = False) -> None:
        super().__init__()
        self.name_, self.log, self.tty = name, log, tty

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        self.log.append(f"{self.name_} write {text!r}")
        return super().write(text)

    def flush(self) -> None:
        self.log.append(f"{self.name_} flush")


def test_item_lines_to_a_pipe_are_not_flushed_one_by_one() -> None:
    log: list[str] = []
    out, err = _Stream("out", log), _Stream("err", log)
    rep = Reporter(json_mode=False, out=out, err=err)
    rep.FLUSH_INTERVAL = 3600.0
    for n in range(100):
        rep.ok(record("uploaded"), f"upload: f{n}")
    assert log == []  # not one write yet (also where ``out`` writes through)
    # A failure on stderr comes after the item lines before it, whoever reads both.
    rep.failed(record("failed"), "item", "why", command="upload")
    assert out.getvalue() == "".join(f"upload: f{n}\n" for n in range(100))
    assert [e.split(" ")[:2] for e in log[:2]] == [["out", "write"], ["out", "flush"]]
    assert log.index("out flush") < log.index("err write 'upload failed: item: why'")
    rep.ok(record("uploaded"), "upload: last")
    log.clear()
    rep.flush()
    assert log == ["out write 'upload: last\\n'", "out flush"]


def test_item_lines_to_a_terminal_are_flushed_at_once() -> None:
    log: list[str] = []
    rep = Reporter(json_mode=True, out=_Stream("out", log, tty=True), err=_Stream("err", log))
    rep.ok(record("uploaded", key="k"), None)
    assert log[-1] == "out flush"


def test_display_path_is_relpath(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "work"
    base.mkdir()
    monkeypatch.chdir(base)
    cwd = os.getcwd()
    cases = [
        f"{cwd}/a.txt",
        f"{cwd}/dir/b c.jpg",
        f"{cwd}/.hidden/x",
        f"{cwd}/dir/../up.txt",
        f"{cwd}/./dot",
        f"{cwd}//double",
        f"{cwd}/trailing/",
        cwd,
        f"{cwd}x/sibling",
        str(tmp_path / "outside.txt"),
        "/",
        "relative/path",
    ]
    for text in cases:
        want = os.path.relpath(text) if os.path.isabs(text) else text
        if want.startswith(".."):
            want = text
        assert display_path(text) == want, text
        assert display_path(text, working_dir()) == want, text
        assert display_path(Path(text)) == display_path(str(Path(text))), text


def test_display_path_from_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    assert display_path("/tmp/a b.txt") == os.path.relpath("/tmp/a b.txt") == "tmp/a b.txt"
    assert display_path("/") == "."


def test_a_batch_reads_the_working_directory_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One line per item, the working directory asked once for the whole batch."""
    from s3uploader_gui.cli.batch import _item_reporter
    from s3uploader_gui.core.transfers.model import ItemResult, ItemStatus

    monkeypatch.chdir(tmp_path)
    asked: list[str] = []
    real = os.getcwd

    def getcwd() -> str:
        asked.append("cwd")
        return real()

    monkeypatch.setattr(os, "getcwd", getcwd)
    out = io.StringIO()
    rep = Reporter(json_mode=False, out=out, err=io.StringIO())
    on_item = _item_reporter("upload", "uploaded", "b", rep)
    for i in range(20):
        path = tmp_path / "d" / f"f{i}.txt"
        on_item(ItemResult(i, f"p/f{i}.txt", path, ItemStatus.DONE, bytes=10))
    rep.flush()
    assert len(asked) == 1
    lines = out.getvalue().splitlines()
    assert lines[3] == "upload: d/f3.txt -> s3://b/p/f3.txt (10 B)"
