"""The one write-then-rename helper: all or nothing, private by default."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from s3uploader_gui.core.files import atomic_write


def test_writes_the_whole_file_private_to_the_user(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "profiles.json"
    atomic_write(target, b"{}")
    assert target.read_bytes() == b"{}"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_rename_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "profiles.json"
    target.write_bytes(b"old")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profiles.json"]
