"""``s3uploader upload`` asks whether the bucket exists before it scans the files, and
waits for the answer after the scan: the round trip overlaps the scan, and the answer
still decides the run exactly as before (a missing bucket is one sentence, exit 2, and
nothing is sent). Its history writes its last rows while the connection closes, and is
complete when the command returns.
"""

from __future__ import annotations

import http.server
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from s3uploader_gui.cli import main
from tests.helpers.sigv4_server import Seen, SigV4Server, sigv4_server

Handle = Callable[[SigV4Server, http.server.BaseHTTPRequestHandler], None]


def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDOVER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "over/secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws" / "credentials"))
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "few"
    folder.mkdir()
    for i in range(3):
        (folder / f"f{i}.txt").write_bytes(b"few files\n" * (i + 1))
    return folder


def _scan_waiting_for_the_head(
    monkeypatch: pytest.MonkeyPatch, server: SigV4Server, during: list[bool]
) -> None:
    """The scan notes whether the server answered the bucket's HEAD while it ran."""
    from s3uploader_gui.core.operations import uploads

    real = uploads.expand_paths

    def expand_paths(*args: object, **kwargs: object) -> uploads.ExpandedPaths:
        deadline = time.monotonic() + 5
        while not any(s.method == "HEAD" for s in server.seen) and time.monotonic() < deadline:
            time.sleep(0.01)
        during.append(any(s.method == "HEAD" for s in server.seen))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(uploads, "expand_paths", expand_paths)


def test_the_bucket_is_asked_for_while_the_files_are_scanned(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, tmp_path)
    folder = _folder(tmp_path)
    during: list[bool] = []
    with sigv4_server(secrets={"AKIDOVER": ("over/secret", None)}) as server:
        _scan_waiting_for_the_head(monkeypatch, server, during)
        code = main(["--endpoint-url", server.url, "upload", str(folder), "--to", "s3://bkt/p/"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert during == [True]
    assert [(s.method, s.status) for s in server.seen] == [("HEAD", 200)] + [("PUT", 200)] * 3
    assert sorted(server.objects) == [f"/bkt/p/few/f{i}.txt" for i in range(3)]
    assert len(out.splitlines()) == 3


def test_a_missing_bucket_still_ends_the_run_before_anything_is_sent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, tmp_path)
    folder = _folder(tmp_path)
    missing = str(tmp_path / "missing.txt")
    with sigv4_server(secrets={"AKIDOVER": ("over/secret", None)}) as server:
        monkeypatch.setattr(SigV4Server, "handle", _bucket_missing(SigV4Server.handle))
        code = main(
            ["--endpoint-url", server.url, "upload", str(folder), missing, "--to", "s3://nob/p/"]
        )
    out, err = capsys.readouterr()
    assert code == 2
    assert err.strip().splitlines() == ["s3uploader: The bucket “nob” does not exist."]
    assert out == ""  # not even the missing file's row: the bucket decides first
    assert [(s.method, s.status) for s in server.seen] == [("HEAD", 404)]


def _bucket_missing(real: Handle) -> Handle:
    """A server on which the bucket ``nob`` does not exist (its HEAD answers 404)."""

    def handle(self: SigV4Server, handler: http.server.BaseHTTPRequestHandler) -> None:
        if handler.command == "HEAD" and handler.path.rstrip("/") == "/nob":
            self._answer(handler, Seen("HEAD", handler.path, "", "", None, ""), 404, None)
            return
        real(self, handler)

    return handle


def test_the_history_is_complete_when_the_command_returns(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its last rows are written while the connection closes, and waited for."""
    from s3uploader_gui.core.history import HistoryStore

    _env(monkeypatch, tmp_path)
    folder = _folder(tmp_path)
    with sigv4_server(secrets={"AKIDOVER": ("over/secret", None)}) as server:
        code = main(["--endpoint-url", server.url, "upload", str(folder), "--to", "s3://bkt/h/"])
    assert code == 0, capsys.readouterr().err
    with HistoryStore() as store:
        keys = {e.key for e in store.query(limit=100)}
    assert keys == {f"h/few/f{i}.txt" for i in range(3)}
