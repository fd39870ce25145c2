"""The benchmark's request-path probe sees the app's uploads on the path they took: the
lean sender reads its answers with its own reader, botocore through ``http.client``. A
probe that saw neither would label every entry point "other" (and did, once the lean
sender stopped using ``http.client``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from s3uploader_gui.core.local.info import LocalServerInfo
from tests.helpers.files import make_random

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("fast", "expected"), [("1", "lean"), ("0", "botocore")])
def test_the_probe_names_the_path_the_uploads_took(
    fast: str, expected: str, seaweed: LocalServerInfo, seaweed_bucket: str, tmp_path: Path
) -> None:
    folder = tmp_path / "files"
    for i in range(3):
        make_random(folder / f"f{i}.bin", 1000 + i)
    out = tmp_path / "probe.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "S3UPLOADER_"))}
    env.update(
        AWS_ACCESS_KEY_ID=seaweed.access_key_id,
        AWS_SECRET_ACCESS_KEY=seaweed.secret_access_key,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        BENCH_PROBE_OUT=str(out),
        S3UPLOADER_FAST_PATH=fast,
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        PYTHONPATH=str(REPO),
    )
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks._reqpath", "--endpoint-url", seaweed.endpoint_url,
         "upload", str(folder), "--to", f"s3://{seaweed_bucket}/probe/"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    found = json.loads(out.read_text())
    assert found["path"] == expected, found
    assert found["requests"][f"{expected} PUT"] == 3, found
