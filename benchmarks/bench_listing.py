"""Bucket browser listing: 100,000 keys under one prefix on a local SeaweedFS.

Measures, for the real ``BucketModel`` driven under an offscreen QApplication:
time to the first page in the model, time to the full listing, and memory (peak RSS
growth of the process, and the Python memory the model's rows keep, by tracemalloc);
then ``aws s3 ls`` and ``s5cmd ls`` on the same prefix in the same run, and the server
alone (the same pages as raw GETs, nothing parsed).

Targets (issue 5): first page < 0.5 s; full listing no slower than ``s5cmd ls``;
model memory < 150 MiB.

The seeded SeaweedFS data directory is kept under the user cache directory and reused
(seeding 100,000 objects takes a minute or two); ``BENCH_LISTING_KEYS`` changes the count,
``BENCH_LISTING_DIR`` the place.
"""

from __future__ import annotations

import gc
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks._common import load_average, parse_common, write_json
from s3uploader_gui.core import paths
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.local.server import LocalServer
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import ConnectionSettings

BUCKET = "bench-listing"
PREFIX = "big/"
KEYS = int(os.environ.get("BENCH_LISTING_KEYS", "100000"))
QUICK_KEYS = 5000
MiB = 1024 * 1024


def _data_dir() -> Path:
    custom = os.environ.get("BENCH_LISTING_DIR")
    return Path(custom) if custom else paths.cache_dir() / f"bench-listing-{KEYS}"


def _tool(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.is_file() else shutil.which(name)


def _env(info: LocalServerInfo) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID=info.access_key_id,
        AWS_SECRET_ACCESS_KEY=info.secret_access_key,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
    )
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        env.pop(var, None)
    return env


def _context(info: LocalServerInfo) -> S3Context:
    return S3Context(
        ConnectionSettings(
            endpoint_url=info.endpoint_url,
            region="us-east-1",
            access_key_id=info.access_key_id,
            secret_access_key=info.secret_access_key,
            addressing_style="path",
        )
    )


def _count(context: S3Context) -> int:
    pages = context.client.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=PREFIX, PaginationConfig={"PageSize": 1000}
    )
    return sum(p.get("KeyCount", 0) for p in pages)


def _wait_writable(context: S3Context) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            context.client.head_bucket(Bucket=BUCKET)
            return
        except Exception:
            try:
                context.client.create_bucket(Bucket=BUCKET)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)


def _seed(info: LocalServerInfo, context: S3Context) -> None:
    """Put KEYS small objects under PREFIX (s5cmd when present, else boto3 threads)."""
    have = _count(context)
    if have >= KEYS:
        print(f"reusing the seeded data: {have:,} keys under s3://{BUCKET}/{PREFIX}")
        return
    print(f"seeding {KEYS:,} keys (once; the data directory is kept)…", flush=True)
    start = time.perf_counter()
    s5cmd = _tool("s5cmd")
    keys = [f"{PREFIX}k{i:06}.txt" for i in range(KEYS)]
    if s5cmd:
        with tempfile.TemporaryDirectory() as tmp:
            body = Path(tmp) / "body.txt"
            body.write_text("x" * 32)
            commands = Path(tmp) / "commands.txt"
            commands.write_text("".join(f"cp {body} s3://{BUCKET}/{k}\n" for k in keys))
            subprocess.run(
                [s5cmd, "--endpoint-url", info.endpoint_url, "--numworkers", "64", "run",
                 str(commands)],
                env=_env(info),
                check=True,
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
    else:
        from concurrent.futures import ThreadPoolExecutor

        client = context.client
        with ThreadPoolExecutor(32) as ex:
            list(ex.map(lambda k: client.put_object(Bucket=BUCKET, Key=k, Body=b"x" * 32), keys))
    print(f"seeded in {time.perf_counter() - start:.1f} s ({_count(context):,} keys)")


def _rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _model_listing(context: S3Context, *, trace: bool = False) -> dict[str, float]:
    """List PREFIX completely through a real BucketModel; times and memory."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from s3uploader_gui.ui.browser.paging import BucketModel
    from s3uploader_gui.ui.workers import WorkerPool

    app = QApplication.instance() or QApplication([])
    pool = WorkerPool()
    model = BucketModel(pool)
    loop = QEventLoop()
    model.bucketsLoaded.connect(loop.quit)
    model.set_context(context)
    QTimer.singleShot(30000, loop.quit)
    loop.exec()
    assert model.find_node(BUCKET, "") is not None, "the bench bucket is not listed"
    node = model.ensure_folder(BUCKET, PREFIX)
    assert node is not None
    gc.collect()
    if trace:
        tracemalloc.start()
    rss0, peak0 = _rss(), _peak_rss()
    marks: dict[str, float] = {}
    start = time.perf_counter()

    def on_loaded(bucket: str, prefix: str) -> None:
        if prefix != PREFIX:
            return
        if "first" not in marks:
            marks["first"] = time.perf_counter() - start
        index = model.index_for(node)
        if model.canFetchMore(index):
            model.fetchMore(index)  # what a view scrolled to the end does
        else:
            marks["full"] = time.perf_counter() - start
            loop.quit()

    model.nodeLoaded.connect(on_loaded)
    model.fetchMore(model.index_for(node))
    QTimer.singleShot(600000, loop.quit)
    loop.exec()
    result = {
        "first": marks.get("first", float("nan")),
        "full": marks.get("full", float("nan")),
        "rows": float(len(node.children)),
        "rss_growth": float(_rss() - rss0),
        "peak_growth": float(max(0, _peak_rss() - peak0)),
    }
    if trace:
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result["traced"] = float(current)
        result["traced_peak"] = float(peak)
    model.set_context(None)
    pool.shutdown()
    app.processEvents()
    return result


def _server_only(context: S3Context) -> tuple[float, int]:
    """The listing as raw sequential GETs, each next token cut out of the answer and
    nothing else read: about what the server alone needs (the floor for the model)."""
    from s3uploader_gui.core.s3 import listing, listing_parse

    client = context.client
    base = {"Bucket": BUCKET, "Prefix": PREFIX, "MaxKeys": 1000, "Delimiter": "/"}
    token: str | None = None
    pages = 0
    start = time.perf_counter()
    while True:
        kwargs = dict(base, ContinuationToken=token) if token else base
        answer = listing._pool().request("GET", listing._list_url(client, kwargs))
        pages += 1
        token = listing_parse.peek_next_token(answer.data)
        if token is None:
            return time.perf_counter() - start, pages


def _time_cmd(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    elapsed = time.perf_counter() - start
    return elapsed, sum(1 for line in out.splitlines() if line.strip())


def main(argv: list[str] | None = None) -> int:
    global KEYS
    args = parse_common(__doc__, argv)
    if args.quick:
        KEYS = min(KEYS, QUICK_KEYS)
    before = load_average()
    data = _data_dir()
    data.mkdir(parents=True, exist_ok=True)
    server = LocalServer(data)
    info = server.start()
    try:
        context = _context(info)
        _wait_writable(context)
        _seed(info, context)
        context.client.list_buckets()  # a warm client, as in the running app
        env = _env(info)
        runs = [_model_listing(context) for _ in range(2)]
        traced = _model_listing(context, trace=True)
        first = statistics.median(r["first"] for r in runs)
        full = statistics.median(r["full"] for r in runs)
        rows = int(runs[0]["rows"])
        peak = max(r["peak_growth"] for r in runs)
        retained = traced["traced"]

        alone, pages = min((_server_only(context) for _ in range(2)), key=lambda t: t[0])
        anchors: dict[str, tuple[float, int]] = {}
        aws = _tool("aws")
        if aws:
            cmd = [aws, "s3", "ls", f"s3://{BUCKET}/{PREFIX}", "--endpoint-url", info.endpoint_url]
            anchors["aws s3 ls"] = min((_time_cmd(cmd, env) for _ in range(2)), key=lambda t: t[0])
        s5cmd = _tool("s5cmd")
        if s5cmd:
            cmd = [s5cmd, "--endpoint-url", info.endpoint_url, "ls", f"s3://{BUCKET}/{PREFIX}"]
            anchors["s5cmd ls"] = min((_time_cmd(cmd, env) for _ in range(2)), key=lambda t: t[0])

        print()
        print(f"listing {rows:,} objects under s3://{BUCKET}/{PREFIX} (SeaweedFS, loopback)")
        print(f"  model: first page        {first * 1000:8.0f} ms   (target < 500 ms)")
        print(f"  model: full listing      {full:8.2f} s")
        print(f"  server alone             {alone:8.2f} s    ({pages} raw GETs in a row)")
        for name, (secs, lines) in anchors.items():
            print(
                f"  {name:<24}{secs:8.2f} s    ({lines:,} lines; model/{name} = {full / secs:.2f})"
            )
        print(f"  model: peak RSS growth   {peak / MiB:8.1f} MiB (target < 150 MiB)")
        print(
            f"  model: rows kept         {retained / MiB:8.1f} MiB by tracemalloc "
            f"({retained / max(rows, 1):.0f} B per row; peak while listing "
            f"{traced['traced_peak'] / MiB:.1f} MiB)"
        )
        ok = first < 0.5 and peak < 150 * MiB and rows == KEYS
        s5 = anchors.get("s5cmd ls")
        if s5 is not None:
            ok = ok and full <= s5[0]
        print(f"  targets: {'met' if ok else 'NOT met'}")
        write_json(
            args.json,
            {
                "mode": "quick" if args.quick else "full",
                "loadavg_before": before,
                "loadavg_after": load_average(),
                "keys": rows,
                "model_first_page_s": first,
                "model_full_s": full,
                "server_alone_s": alone,
                "server_pages": pages,
                "anchors_s": {name: secs for name, (secs, _) in anchors.items()},
                "model_peak_rss_growth_mib": round(peak / MiB, 1),
                "rows_kept_mib": round(retained / MiB, 1),
                "targets_met": ok,
            },
        )
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
