"""Run every benchmark (or those named): ``python -m benchmarks [--quick] [--json DIR] [names]``.

Each benchmark runs in its own process so that peak-memory figures are its own. ``--quick``
and ``--json`` are passed to each (``--json DIR`` writes ``DIR/<name>.json``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="e.g. entrypoints images gui listing startup")
    parser.add_argument("--quick", action="store_true", help="small workloads, one run each")
    parser.add_argument("--json", metavar="DIR", help="also write DIR/<name>.json")
    args = parser.parse_args(argv)
    here = Path(__file__).parent
    scripts = sorted(here.glob("bench_*.py"))
    if args.names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in args.names]
    if not scripts:
        print("no benchmarks match", args.names, file=sys.stderr)
        return 2
    failed = 0
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        extra = ["--quick"] if args.quick else []
        if args.json:
            extra += ["--json", str(Path(args.json) / f"{script.stem.removeprefix('bench_')}.json")]
        rc = subprocess.call([sys.executable, "-m", f"benchmarks.{script.stem}", *extra])
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
