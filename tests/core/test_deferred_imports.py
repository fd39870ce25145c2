"""A deferred module is loaded by the first read from it, once, whichever thread reads.

Each case runs in a fresh interpreter: the test process has long imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, *paths: Path) -> dict[str, object]:
    env_path = [str(REPO_ROOT / "src"), *map(str, paths)]
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={"PYTHONPATH": ":".join(env_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_a_deferred_module_loads_on_the_first_read_and_imports_give_the_real_one() -> None:
    got = _run(
        """
        import json, sys
        from s3uploader_gui.core.deferred_imports import defer, is_loaded
        deferred = defer(["urllib.request", "configparser", "no_such_module_here"])
        before = [is_loaded("urllib.request"), "http.client" in sys.modules]
        import urllib.request  # the placeholder: nothing loads yet
        from configparser import RawConfigParser  # a read: configparser loads
        still = [is_loaded("urllib.request"), "http.client" in sys.modules]
        proxies = urllib.request.getproxies()  # a read through the package attribute
        import urllib.request as again
        print(json.dumps({
            "deferred": deferred,
            "before": before,
            "still": still,
            "config": is_loaded("configparser") and RawConfigParser.__module__,
            "proxies": isinstance(proxies, dict),
            "real": type(sys.modules["urllib.request"]).__name__,
            "package": type(sys.modules["urllib"].request).__name__,
            "http_client": "http.client" in sys.modules,
            "again": again is sys.modules["urllib.request"],
        }))
        """
    )
    assert got == {
        "deferred": ["urllib.request", "configparser"],
        "before": [False, False],
        "still": [False, False],
        "config": "configparser",
        "proxies": True,
        "real": "module",
        "package": "module",
        "http_client": True,
        "again": True,
    }


def test_threads_reading_at_once_load_the_module_once(tmp_path: Path) -> None:
    (tmp_path / "slowmod.py").write_text(
        textwrap.dedent(
            """
            import builtins, threading
            builtins.SLOWMOD_LOADS = getattr(builtins, "SLOWMOD_LOADS", 0) + 1
            builtins.SLOWMOD_LOADING.set()
            # Held open while the other readers ask, so they ask while it loads.
            builtins.SLOWMOD_GATE.wait(30)
            VALUE = 42
            """
        )
    )
    got = _run(
        """
        import builtins, json, sys, threading
        from s3uploader_gui.core.deferred_imports import defer
        builtins.SLOWMOD_GATE = threading.Event()
        builtins.SLOWMOD_LOADING = threading.Event()
        defer(["slowmod"])
        import slowmod
        readers = 8
        asked = threading.Barrier(readers)
        values = []
        def read():
            asked.wait()
            values.append(slowmod.VALUE)
        threads = [threading.Thread(target=read) for _ in range(readers)]
        for t in threads:
            t.start()
        builtins.SLOWMOD_LOADING.wait(30)  # one reader is loading it, the rest asking
        builtins.SLOWMOD_GATE.set()
        for t in threads:
            t.join(30)
        print(json.dumps({"values": values, "loads": builtins.SLOWMOD_LOADS,
                          "real": type(sys.modules["slowmod"]).__name__}))
        """,
        tmp_path,
    )
    assert got == {"values": [42] * 8, "loads": 1, "real": "module"}
