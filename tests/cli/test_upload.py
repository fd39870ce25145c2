"""``s3uploader upload`` against a real SeaweedFS (credentials enforced)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.s3.client import S3Context
from tests.cli.conftest import Cli, RunMain
from tests.conftest import unique_bucket
from tests.helpers.files import make_jpeg, make_png, make_random

JSON_FIELDS = {"path", "key", "status", "bytes", "error"}


def _body(context: S3Context, bucket: str, key: str) -> bytes:
    return context.client.get_object(Bucket=bucket, Key=key)["Body"].read()


def _keys(context: S3Context, bucket: str) -> set[str]:
    answer = context.client.list_objects_v2(Bucket=bucket)
    return {o["Key"] for o in answer.get("Contents", [])}


def _make_tree(root: Path) -> dict[str, Path]:
    """A JPEG, a text file and a folder with a nested PNG and a binary file."""
    files = {
        "photo.jpg": make_jpeg(root / "photo.jpg"),
        "notes.txt": root / "notes.txt",
        "album/sub/pic.png": make_png(root / "album" / "sub" / "pic.png"),
        "album/data.bin": make_random(root / "album" / "data.bin", 70_000),
    }
    files["notes.txt"].write_text("hello from the CLI\n", encoding="utf-8")
    return files


def test_upload_files_and_folder(
    cli: Cli, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    files = _make_tree(tmp_path)
    run = cli(
        "upload",
        "photo.jpg",
        "notes.txt",
        "album",
        "--to",
        f"s3://{seaweed_bucket}/trip/",
        cwd=tmp_path,
    )
    assert run.code == 0, run.stderr
    assert run.stderr == ""
    expected = {
        "trip/photo.jpg": ("photo.jpg", "image/jpeg"),
        "trip/notes.txt": ("notes.txt", "text/plain"),
        "trip/album/sub/pic.png": ("album/sub/pic.png", "image/png"),
        "trip/album/data.bin": ("album/data.bin", "application/octet-stream"),
    }
    assert _keys(seaweed_context, seaweed_bucket) == set(expected)
    for key, (local, content_type) in expected.items():
        head = seaweed_context.client.head_object(Bucket=seaweed_bucket, Key=key)
        assert head["ContentType"] == content_type
        assert _body(seaweed_context, seaweed_bucket, key) == files[local].read_bytes()
    # One human line per file, naming the local path (relative to the cwd) and the target.
    assert len(run.out_lines) == 4
    assert f"upload: photo.jpg -> s3://{seaweed_bucket}/trip/photo.jpg (" in run.stdout
    assert f"upload: album/sub/pic.png -> s3://{seaweed_bucket}/trip/album/sub/pic.png (" in (
        run.stdout
    )


def test_upload_json_lines(
    cli: Cli, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    files = _make_tree(tmp_path)
    run = cli(
        "--json",
        "upload",
        str(tmp_path / "album"),
        str(files["photo.jpg"]),
        "--to",
        f"s3://{seaweed_bucket}",
    )
    assert run.code == 0, run.stderr
    records = [json.loads(line) for line in run.out_lines]
    assert len(records) == 3
    by_key = {r["key"]: r for r in records}
    assert set(by_key) == {"album/sub/pic.png", "album/data.bin", "photo.jpg"}
    for rec in records:
        assert rec.keys() >= JSON_FIELDS
        assert rec["status"] == "uploaded"
        assert rec["error"] is None
        assert rec["bytes"] == Path(rec["path"]).stat().st_size
    assert by_key["album/data.bin"]["bytes"] == 70_000
    assert _keys(seaweed_context, seaweed_bucket) == set(by_key)


def test_partial_failure_is_exit_1_with_one_line(
    cli: Cli, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    good = make_jpeg(tmp_path / "good.jpg")
    other = make_random(tmp_path / "other.bin", 1000)
    missing = tmp_path / "missing-file.jpg"
    run = cli(
        "--json", "upload", str(good), str(missing), str(other), "--to", f"s3://{seaweed_bucket}/p/"
    )
    assert run.code == 1
    assert len(run.err_lines) == 1
    assert "missing-file.jpg" in run.err_lines[0]
    assert "does not exist" in run.err_lines[0]
    statuses = {Path(r["path"]).name: r for r in map(json.loads, run.out_lines)}
    assert statuses["missing-file.jpg"]["status"] == "failed"
    assert "does not exist" in statuses["missing-file.jpg"]["error"]
    assert statuses["good.jpg"]["status"] == statuses["other.bin"]["status"] == "uploaded"
    assert _keys(seaweed_context, seaweed_bucket) == {"p/good.jpg", "p/other.bin"}


def test_unknown_bucket_is_exit_2_one_line(
    cli: Cli, seaweed_context: S3Context, tmp_path: Path
) -> None:
    files = [str(make_random(tmp_path / f"f{i}.bin", 100)) for i in range(3)]
    bucket = unique_bucket("nope")
    run = cli("upload", *files, "--to", f"s3://{bucket}/")
    assert run.code == 2
    assert run.err_lines == [f"s3uploader: The bucket “{bucket}” does not exist."]
    assert run.stdout == ""


def test_wrong_secret_is_exit_2_signature(
    cli: Cli, seaweed_bucket: str, seaweed: LocalServerInfo, tmp_path: Path
) -> None:
    files = [str(make_random(tmp_path / f"f{i}.bin", 100)) for i in range(4)]
    wrong = "Wr0ngSecret" + seaweed.secret_access_key[::-1]
    cli.secrets.append(wrong)
    run = cli("upload", *files, "--to", f"s3://{seaweed_bucket}/", AWS_SECRET_ACCESS_KEY=wrong)
    assert run.code == 2
    assert len(run.err_lines) == 1, run.stderr
    assert "secret access key is wrong" in run.stderr
    assert run.stdout == ""
    # Every other command gets the same one-line verdict.
    for args in (
        ["ls", f"s3://{seaweed_bucket}/"],
        ["download", f"s3://{seaweed_bucket}/some/key.jpg", str(tmp_path / "out")],
        ["rm", f"s3://{seaweed_bucket}/some/key.jpg"],
    ):
        run = cli(*args, AWS_SECRET_ACCESS_KEY=wrong)
        assert run.code == 2, args
        assert len(run.err_lines) == 1, run.stderr
        assert "secret access key is wrong" in run.stderr


def _dead_endpoint() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_dead_endpoint_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    file = make_random(tmp_path / "a.bin", 10)
    dead = _dead_endpoint()
    run = cli("upload", str(file), "--to", "s3://some-bucket/", AWS_ENDPOINT_URL_S3=dead)
    assert run.code == 2
    assert len(run.err_lines) == 1
    assert run.err_lines[0].startswith("s3uploader: Cannot reach 127.0.0.1:")
    # --endpoint-url (here after the command) wins over the environment.
    run = cli("ls", "--endpoint-url", dead)
    assert run.code == 2
    assert "Cannot reach" in run.stderr


def test_skip_existing(
    run_main: RunMain,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
) -> None:
    a = make_random(tmp_path / "a.bin", 500)
    b = make_random(tmp_path / "b.bin", 600)
    assert run_main("upload", str(a), "--to", f"s3://{seaweed_bucket}/x/").code == 0
    run = run_main(
        "upload", str(a), str(b), "--to", f"s3://{seaweed_bucket}/x/", "--skip-existing", "--json"
    )
    assert run.code == 0, run.stderr
    records = {r["key"]: r for r in map(json.loads, run.out_lines)}
    assert records["x/a.bin"]["status"] == "skipped"
    assert records["x/a.bin"]["bytes"] == 0
    assert records["x/b.bin"]["status"] == "uploaded"
    assert _keys(seaweed_context, seaweed_bucket) == {"x/a.bin", "x/b.bin"}


def test_global_options_after_the_command(
    run_main: RunMain,
    seaweed: LocalServerInfo,
    seaweed_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    file = make_random(tmp_path / "a.bin", 10)
    run = run_main(
        "upload",
        str(file),
        "--to",
        f"s3://{seaweed_bucket}/",
        "--endpoint-url",
        seaweed.endpoint_url,
        "--json",
    )
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["status"] == "uploaded"
