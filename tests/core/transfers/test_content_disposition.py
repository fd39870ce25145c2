"""A Content-Disposition with a non-ASCII file name is sent as RFC 6266 / RFC 5987
(``filename*=UTF-8''...`` with an ASCII ``filename="..."`` fallback): header values are
bytes that servers read as Latin-1, so UTF-8 sent raw comes back mangled."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.http import parse_options_header

from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import ItemStatus, ObjectOptions, content_disposition
from s3uploader_gui.core.transfers.settings import EngineSettings


def filename_of(header: str) -> str | None:
    """The file name an HTTP client takes from the header (werkzeug reads RFC 5987's
    ``filename*``, letting a later parameter win; browsers prefer ``filename*``)."""
    name: str | None = parse_options_header(header)[1].get("filename")
    return name


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            'attachment; filename="Jürgen.txt"',
            "attachment; filename=\"Jurgen.txt\"; filename*=UTF-8''J%C3%BCrgen.txt",
        ),
        (
            "inline; filename=Grüße aus Köln.jpg",
            "inline; filename=\"Grusse aus Koln.jpg\"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20aus"
            "%20K%C3%B6ln.jpg",
        ),
        (
            'attachment; filename="日本.pdf"',
            "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf",
        ),
        # ASCII stays exactly as typed.
        ('attachment; filename="plain name.txt"', 'attachment; filename="plain name.txt"'),
        ("inline", "inline"),
        # A filename* the user wrote is kept; its non-ASCII fallback becomes ASCII.
        (
            "attachment; filename=\"Jürgen.txt\"; filename*=UTF-8''J%C3%BCrgen.txt",
            "attachment; filename=\"Jurgen.txt\"; filename*=UTF-8''J%C3%BCrgen.txt",
        ),
    ],
)
def test_non_ascii_names_are_encoded(typed: str, expected: str) -> None:
    assert content_disposition(typed) == expected
    assert content_disposition(expected) == expected  # idempotent
    assert expected.isascii()


@pytest.mark.parametrize("name", ["Jürgen.txt", "Grüße aus Köln.jpg", '日本 "q" 1.pdf'])
def test_clients_read_the_real_name_back(name: str) -> None:
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    assert filename_of(content_disposition(f'attachment; filename="{quoted}"')) == name


def test_a_bare_non_ascii_name_becomes_an_attachment() -> None:
    value = content_disposition("Jürgen.txt")
    assert value.startswith("attachment; ")
    assert filename_of(value) == "Jürgen.txt"


@pytest.mark.parametrize("fast_path", ["1", "0"])
def test_the_stored_header_gives_the_name_back(
    fast_path: str,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through both ways an upload is sent (the lean signed PUT and botocore)."""
    monkeypatch.setenv("S3UPLOADER_FAST_PATH", fast_path)
    path = tmp_path / "Jürgen.txt"
    path.write_bytes(b"hello")
    options = ObjectOptions(content_disposition='attachment; filename="Jürgen.txt"')
    engine = TransferEngine(seaweed_context, EngineSettings(max_concurrency=1, options=options))
    try:
        results = engine.upload(seaweed_bucket, [UploadSource(path, "j.txt", 5)])
    finally:
        engine.close()
    assert [r.status for r in results] == [ItemStatus.DONE], results
    head = seaweed_context.client.head_object(Bucket=seaweed_bucket, Key="j.txt")
    assert "Ã" not in head["ContentDisposition"]
    assert filename_of(head["ContentDisposition"]) == "Jürgen.txt"
