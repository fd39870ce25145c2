"""``s3uploader upload FOLDER``: every file below the folder is uploaded or has a line saying
why not (a link back into the folder, a dangling link); a symlinked folder is followed; two
names that differ only in Unicode normalisation are both stored under ``rename``. Against a
real SeaweedFS."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from s3uploader_gui.core.s3.client import S3Context
from tests.cli.conftest import Cli
from tests.helpers.files import make_random

NFC = unicodedata.normalize("NFC", "café.jpg")
NFD = unicodedata.normalize("NFD", "café.jpg")


def _body(context: S3Context, bucket: str, key: str) -> bytes:
    data: bytes = context.client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return data


def _keys(context: S3Context, bucket: str) -> set[str]:
    listed = context.client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"] for o in listed}


def test_upload_a_folder_with_links_and_nfc_nfd_names(
    cli: Cli, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    photos = tmp_path / "Photos"
    make_random(photos / "a.jpg", 100)
    make_random(photos / NFC, 110)
    make_random(photos / NFD, 120)
    if len(list(photos.iterdir())) != 3:
        pytest.skip("this file system treats NFC and NFD names as one file")
    make_random(tmp_path / "Elsewhere" / "x.jpg", 130)
    (photos / "linked").symlink_to("../Elsewhere", target_is_directory=True)
    (photos / "self").symlink_to(".", target_is_directory=True)
    (photos / "gone.jpg").symlink_to("nowhere.jpg")

    to = f"s3://{seaweed_bucket}/trip/"
    run = cli("--json", "upload", "Photos", "--to", to, "--on-conflict", "rename", cwd=tmp_path)

    assert run.code == 1  # some paths could not be uploaded
    rows = [json.loads(line) for line in run.out_lines]
    failed = [(r["path"], r["error"]) for r in rows if r["status"] == "failed"]
    gone, loop = photos / "gone.jpg", photos / "self"
    assert failed == [
        (str(gone), f"{gone} is a link to nowhere.jpg, which does not exist."),
        (str(loop), f"{loop} is a link back into the folder; not followed."),
    ]
    uploaded = {r["key"]: Path(r["path"]).name for r in rows if r["status"] == "uploaded"}
    renamed = unicodedata.normalize("NFC", "trip/Photos/café (1).jpg")
    assert uploaded == {
        "trip/Photos/a.jpg": "a.jpg",
        f"trip/Photos/{NFC}": NFC,
        renamed: NFD,
        "trip/Photos/linked/x.jpg": "x.jpg",
    }
    assert len(rows) == 6
    assert _keys(seaweed_context, seaweed_bucket) == set(uploaded)
    assert (
        _body(seaweed_context, seaweed_bucket, f"trip/Photos/{NFC}") == (photos / NFC).read_bytes()
    )
    assert _body(seaweed_context, seaweed_bucket, renamed) == (photos / NFD).read_bytes()
    assert (
        _body(seaweed_context, seaweed_bucket, "trip/Photos/linked/x.jpg")
        == (tmp_path / "Elsewhere" / "x.jpg").read_bytes()
    )
