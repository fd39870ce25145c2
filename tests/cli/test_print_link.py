"""``s3uploader upload … --print-link``: the links of the uploaded files after the item
lines (or a ``link`` in each ``--json`` row), made by the core's ``make_links`` as the
window's *After upload: copy link* makes them (SeaweedFS)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from s3uploader_gui.core.local.info import LocalServerInfo
from tests.cli.conftest import Cli
from tests.helpers.files import make_jpeg


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        data: bytes = answer.read()
    return data


def _files(folder: Path) -> list[Path]:
    notes = folder / "notes.txt"
    notes.write_text("notes for the link")
    return [notes, make_jpeg(folder / "photo 1.jpg")]


def test_presigned_links_follow_the_item_lines(
    cli: Cli, seaweed_bucket: str, tmp_path: Path
) -> None:
    files = _files(tmp_path)
    run = cli(
        "upload",
        *map(str, files),
        "--to",
        f"s3://{seaweed_bucket}/shots/",
        "--print-link",
        "presigned",
    )
    assert run.code == 0, run.stderr
    items, links = run.out_lines[:2], run.out_lines[2:]
    assert all(line.startswith("upload: ") for line in items)
    assert len(links) == 2
    for link, path in zip(links, files, strict=True):  # in the order given
        assert urlsplit(link).path.endswith("/shots/" + path.name.replace(" ", "%20"))
        assert parse_qs(urlsplit(link).query)["X-Amz-Expires"] == ["3600"]
        assert _fetch(link) == path.read_bytes()


def test_markdown_lines_embed_the_image(cli: Cli, seaweed_bucket: str, tmp_path: Path) -> None:
    files = _files(tmp_path)
    run = cli(
        "upload", *map(str, files), "--to", f"s3://{seaweed_bucket}/", "--print-link", "markdown"
    )
    assert run.code == 0, run.stderr
    notes, photo = run.out_lines[2:]
    assert notes.startswith("[notes.txt](http://127.0.0.1:") and notes.endswith(")")
    assert photo.startswith("![photo 1.jpg](http://127.0.0.1:")
    assert _fetch(photo[len("![photo 1.jpg](") : -1]) == files[1].read_bytes()


def test_without_a_value_the_public_url_is_printed(
    cli: Cli, seaweed: LocalServerInfo, seaweed_bucket: str, tmp_path: Path
) -> None:
    files = _files(tmp_path)
    # --endpoint-url: an endpoint only in AWS_ENDPOINT_URL_S3 still gets virtual-host
    # public URLs on this branch (fixed apart, in the links work of issue 14).
    run = cli(
        "upload",
        str(files[1]),
        "--to",
        f"s3://{seaweed_bucket}/a/",
        "--endpoint-url",
        seaweed.endpoint_url,
        "--print-link",
    )
    assert run.code == 0, run.stderr
    assert run.out_lines[-1] == f"{seaweed.endpoint_url}/{seaweed_bucket}/a/photo%201.jpg"


def test_json_rows_carry_their_link(cli: Cli, seaweed_bucket: str, tmp_path: Path) -> None:
    files = _files(tmp_path)
    missing = tmp_path / "missing.txt"
    run = cli(
        "upload",
        *map(str, files),
        str(missing),
        "--to",
        f"s3://{seaweed_bucket}/",
        "--print-link",
        "presigned",
        "--json",
    )
    assert run.code == 1  # the missing file
    rows = [json.loads(line) for line in run.out_lines]
    assert len(rows) == 3  # one per item, no extra link lines
    by_path = {Path(row["path"]).name: row for row in rows}
    assert by_path["missing.txt"]["status"] == "failed"
    assert by_path["missing.txt"].get("link") is None
    for path in files:
        row = by_path[path.name]
        assert row["status"] == "uploaded"
        assert _fetch(row["link"]) == path.read_bytes()


def test_a_failed_file_gets_no_link_line(
    cli: Cli, seaweed: LocalServerInfo, seaweed_bucket: str, tmp_path: Path
) -> None:
    files = _files(tmp_path)
    run = cli(
        "upload",
        str(files[0]),
        str(tmp_path / "missing.txt"),
        "--to",
        f"s3://{seaweed_bucket}/",
        "--endpoint-url",
        seaweed.endpoint_url,
        "--print-link",
        "url",
    )
    assert run.code == 1
    assert run.out_lines[-1].endswith(f"/{seaweed_bucket}/notes.txt")
    assert len([line for line in run.out_lines if line.startswith("http")]) == 1
