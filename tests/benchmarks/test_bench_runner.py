"""``python -m benchmarks`` passes ``--quick`` and ``--json DIR`` to each benchmark it runs.
Times are not checked (benchmarks are never timed tests); that the options arrived is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(180)
def test_quick_and_json_reach_the_benchmark(tmp_path: Path) -> None:
    out = tmp_path / "figures"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out), "startup"],
        cwd=REPO, capture_output=True, text=True, timeout=170,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    figures = json.loads((out / "startup.json").read_text())
    assert figures["mode"] == "quick"
    assert len(figures["warm_s"]) == 2 and len(figures["cold_s"]) == 1
    assert figures["warm_median_s"] > 0 and figures["imports_total_s"] > 0


def test_an_unknown_name_is_refused() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "no-such-benchmark"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2
    assert "no benchmarks match" in run.stderr
