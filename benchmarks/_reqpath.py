"""Which request path an upload took: the app's lean sender or botocore.

Counts every HTTP answer read through ``http.client.HTTPResponse`` (botocore reads its
answers through urllib3, which uses it), telling the senders apart by who is on the call
stack, and every answer the lean sender reads with its own reader
(``core/s3/http.read_response``, and ``pipeline.parse_answer`` for the small files the
pipeline sends), so nothing here imports botocore. Requests sent by
anything else (awscrt, say) are not seen: a run whose uploads show neither is reported
as "other".

``python -m benchmarks._reqpath ARGS...`` runs ``s3uploader ARGS...`` in this process
with the counters on and writes them as JSON to ``$BENCH_PROBE_OUT`` (the timed runs
are never instrumented: this is a separate, small run).
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from typing import Any

#: (sender, method) → answers read.
COUNTS: Counter[tuple[str, str]] = Counter()
_installed = False


def _sender() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if name.startswith(("urllib3", "botocore")):
            return "botocore"
        if name.startswith("s3uploader_gui"):
            return "lean"
        frame = frame.f_back  # type: ignore[assignment]
    return "other"


def install() -> Counter[tuple[str, str]]:
    """Start counting (idempotent); returns the live counter."""
    global _installed
    if _installed:
        return COUNTS
    import http.client

    original = http.client.HTTPResponse.begin

    def begin(self: http.client.HTTPResponse) -> None:
        COUNTS[(_sender(), str(getattr(self, "_method", "") or "?"))] += 1
        original(self)

    http.client.HTTPResponse.begin = begin  # type: ignore[method-assign]

    from s3uploader_gui.core.s3 import http as lean_http

    lean_read = lean_http.read_response

    def read_response(sock: Any, method: str) -> Any:
        COUNTS[("lean", method)] += 1
        return lean_read(sock, method)

    lean_http.read_response = read_response  # type: ignore[assignment]

    from s3uploader_gui.core.s3 import pipeline

    parse_answer = pipeline.parse_answer

    def parse_whole(data: bytearray, eof: bool, method: str) -> Any:
        answer = parse_answer(data, eof, method)
        if answer is not None:  # None: not whole yet, read again when more comes
            COUNTS[("lean", method)] += 1
        return answer

    pipeline.parse_answer = parse_whole  # type: ignore[assignment]
    _installed = True
    return COUNTS


def summary(counts: Counter[tuple[str, str]] | dict[str, int]) -> dict[str, Any]:
    """The counts as JSON-friendly data, the uploads' path named, and whether boto3 was
    loaded (the issue asks for a fast path that does not need it)."""
    flat = (
        {f"{s} {m}": n for (s, m), n in counts.items()}
        if isinstance(counts, Counter)
        else dict(counts)
    )
    lean = flat.get("lean PUT", 0)
    boto = flat.get("botocore PUT", 0)
    if lean and not boto:
        path = "lean"
    elif boto and not lean:
        path = "botocore"
    elif lean and boto:
        path = f"mixed {lean}/{lean + boto}"
    else:
        path = "other"
    return {
        "path": path,
        "requests": flat,
        "boto3_loaded": "boto3" in sys.modules,
        "botocore_client_loaded": "botocore.client" in sys.modules,
    }


def diff(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def snapshot() -> dict[str, int]:
    return {f"{s} {m}": n for (s, m), n in COUNTS.items()}


def main(argv: list[str]) -> int:
    install()
    from s3uploader_gui.cli import main as cli_main

    code = cli_main(argv)
    out = os.environ.get("BENCH_PROBE_OUT")
    if out:
        with open(out, "w") as fh:
            json.dump({"exit": code, **summary(COUNTS)}, fh)
    return int(code or 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
