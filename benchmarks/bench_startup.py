"""Start-up: process start to the main window shown and answering events, cold and warm.

Each run starts ``python -m s3uploader_gui`` with ``S3UPLOADER_STARTUP_PROBE=1``
(offscreen, a throwaway HOME and XDG directories), a launch without arguments like one
from the desktop. The probe prints, once the window is shown and the event loop has run
its first events, the time since the process started (from ``/proc/self/stat``, 10 ms
ticks) and the wall clock; the figure reported is the wall clock at the probe minus
the wall clock just before the process was spawned (interpreter start-up included).

- cold: the page cache dropped first (``/proc/sys/vm/drop_caches``, as root), as after a
  reboot: every file (the interpreter, Qt's libraries, the bytecode installed with the
  packages) is read from disk again;
- warm: the same command repeated, files in memory;
- first run after installing without bytecode: an empty bytecode cache
  (``PYTHONPYCACHEPREFIX`` set to a fresh directory; the standard library is compiled
  too) and the page cache dropped: an upper bound no installed copy meets (pip and the
  bundle ship compiled bytecode), printed for reference.

Then one run under ``python -X importtime``, aggregated: the top contributors by top-level
package (self time summed) and the slowest top-level imports (cumulative).

Target (issue 8): under 0.6 s cold. ``BENCH_STARTUP_WARM`` and ``BENCH_STARTUP_COLD`` set
the number of runs (default 5 and 3; medians are reported).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks._common import load_average, parse_common, write_json

WARM_RUNS = int(os.environ.get("BENCH_STARTUP_WARM", "5"))
COLD_RUNS = int(os.environ.get("BENCH_STARTUP_COLD", "3"))
TARGET_S = 0.6
PROBE = re.compile(r"startup-probe elapsed=(-?[\d.]+) wall=([\d.]+) shown=(\d)")


def _env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    env.pop("PYTHONPYCACHEPREFIX", None)
    # An installed copy has its bytecode (pip and the bundle compile it); a shell that
    # sets this would make every "warm" run compile the app's modules again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_RUNTIME_DIR=str(home / "runtime"),
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        S3UPLOADER_STARTUP_PROBE="1",
        LANG=env.get("LANG", "C.UTF-8"),
    )
    (home / "runtime").mkdir(mode=0o700, parents=True, exist_ok=True)
    env.update(extra or {})
    return env


def _drop_caches() -> bool:
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as fh:
            fh.write("3\n")
        return True
    except OSError:
        return False


def _probe(env: dict[str, str], *flags: str) -> tuple[float, float, str]:
    """One start; (wall seconds to the probe, /proc seconds, stderr)."""
    cmd = [sys.executable, *flags, "-m", "s3uploader_gui"]
    start = time.time()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    match = PROBE.search(proc.stdout)
    if proc.returncode != 0 or match is None or match.group(3) != "1":
        raise RuntimeError(f"probe failed (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return float(match.group(2)) - start, float(match.group(1)), proc.stderr


def _importtime(stderr: str) -> tuple[list[tuple[str, float]], list[tuple[str, float]], float]:
    """(self time by top-level package, top-level imports by cumulative time, total)."""
    by_package: dict[str, float] = defaultdict(float)
    top_level: list[tuple[str, float]] = []
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        self_us, cumulative_us, indent, name = int(m[1]), int(m[2]), len(m[3]), m[4]
        by_package[name.split(".")[0]] += self_us / 1e6
        if indent == 1:
            top_level.append((name, cumulative_us / 1e6))
    total = sum(by_package.values())
    packages = sorted(by_package.items(), key=lambda kv: -kv[1])
    return packages, sorted(top_level, key=lambda kv: -kv[1]), total


def main(argv: list[str] | None = None) -> int:
    args = parse_common(__doc__, argv)
    warm_runs, cold_runs = (2, 1) if args.quick else (WARM_RUNS, COLD_RUNS)
    before = load_average()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        root = Path(tmp)
        home = root / "home"
        home.mkdir()
        env = _env(home)
        _probe(env)  # settles the bytecode cache and the first-run settings files

        dropped = True
        cold: list[float] = []
        cold_proc: list[float] = []
        for _ in range(cold_runs):
            dropped = _drop_caches() and dropped
            wall, proc_s, _ = _probe(env)
            cold.append(wall)
            cold_proc.append(proc_s)
        compiled: list[float] = []
        for i in range(cold_runs):
            _drop_caches()
            cache = root / f"pycache-{i}"
            cache.mkdir()
            wall, _, _ = _probe(_env(home, {"PYTHONPYCACHEPREFIX": str(cache)}))
            compiled.append(wall)

        warm: list[float] = []
        warm_proc: list[float] = []
        for _ in range(warm_runs):
            wall, proc_s, _ = _probe(env)
            warm.append(wall)
            warm_proc.append(proc_s)

        _, _, stderr = _probe(env, "-X", "importtime")
        packages, top_level, total = _importtime(stderr)

    cold_median, warm_median = statistics.median(cold), statistics.median(warm)
    print()
    print("start-up to a shown window answering events (offscreen, python -m s3uploader_gui)")
    if not dropped:
        print("  (the page cache could not be dropped: not root? 'cold' is then not cold)")
    print(
        f"  cold (page cache dropped): median {cold_median:6.3f} s   runs {_fmt(cold)}   "
        f"(/proc: {_fmt(cold_proc)})"
    )
    print(
        f"  warm:                      median {warm_median:6.3f} s   runs {_fmt(warm)}   "
        f"(/proc: {_fmt(warm_proc)})"
    )
    print(
        f"  first run without bytecode (compiles everything, stdlib too): median "
        f"{statistics.median(compiled):6.3f} s   runs {_fmt(compiled)}"
    )
    print(f"  imports (python -X importtime, one warm run): {total:.3f} s in all")
    print("    by top-level package (self time summed):")
    for name, secs in packages[:12]:
        print(f"      {name:<28}{secs * 1000:8.1f} ms")
    print("    slowest top-level imports (cumulative):")
    for name, secs in top_level[:12]:
        print(f"      {name:<40}{secs * 1000:8.1f} ms")
    ok = cold_median < TARGET_S
    print(f"  target cold < {TARGET_S} s: {'met' if ok else 'NOT met'}")
    write_json(
        args.json,
        {
            "mode": "quick" if args.quick else "full",
            "loadavg_before": before,
            "loadavg_after": load_average(),
            "cold_s": cold,
            "cold_median_s": cold_median,
            "page_cache_dropped": dropped,
            "warm_s": warm,
            "warm_median_s": warm_median,
            "no_bytecode_median_s": statistics.median(compiled),
            "imports_total_s": total,
            "imports_by_package_s": dict(packages[:12]),
            "target_cold_s": TARGET_S,
            "target_met": ok,
        },
    )
    return 0


def _fmt(values: list[float]) -> str:
    return " ".join(f"{v:.3f}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
