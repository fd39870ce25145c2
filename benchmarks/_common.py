"""The options every benchmark takes, so ``python -m benchmarks`` can pass them on."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def parse_common(
    doc: str | None, argv: list[str] | None = None, parser: argparse.ArgumentParser | None = None
) -> argparse.Namespace:
    """``--quick`` (small workloads, one run: a smoke run, not a measurement) and
    ``--json [PATH]`` (the figures as JSON too; ``-`` or no PATH: standard output)."""
    if parser is None:
        parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small workloads, one run")
    parser.add_argument("--json", nargs="?", const="-", metavar="PATH", help="also as JSON")
    return parser.parse_args(argv)


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (empty where the system has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def write_json(dest: str | None, data: dict[str, Any]) -> None:
    """Write ``data`` where ``--json`` said (nothing when it was not given)."""
    if not dest:
        return
    data = {"cpus": os.cpu_count(), **data}
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if dest == "-":
        print(text)
        return
    path = Path(dest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")
    print(f"JSON written to {path}", file=sys.stderr)
