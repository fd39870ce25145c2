"""The core must work on a machine without Qt: import every module with PySide6 blocked."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import s3uploader_gui
import s3uploader_gui.core

CHILD = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    class BlockQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "PySide6" or name.startswith(("PySide6.", "shiboken6")):
                raise ImportError(f"blocked for this test: {name}")
            return None

    sys.meta_path.insert(0, BlockQt())
    try:
        import PySide6  # noqa: F401
    except ImportError:
        pass
    else:
        raise SystemExit("the blocker does not work")

    import s3uploader_gui.core as core

    names = sorted(m.name for m in pkgutil.walk_packages(core.__path__, "s3uploader_gui.core."))
    for name in names:
        importlib.import_module(name)
    leaked = sorted(m for m in sys.modules if m.startswith(("PySide6", "shiboken6")))
    if leaked:
        raise SystemExit(f"Qt modules were imported: {leaked}")
    print(" ".join(names))
    """
)


def test_every_core_module_imports_without_pyside6() -> None:
    # Every module of every sub-package, not only the top level.
    core = s3uploader_gui.core
    expected = sorted(m.name for m in pkgutil.walk_packages(core.__path__, "s3uploader_gui.core."))
    prefix = "s3uploader_gui.core."
    assert {
        f"{prefix}errors",
        f"{prefix}transfers.engine",
        f"{prefix}local.server",
        f"{prefix}operations.uploads",
        f"{prefix}s3.fastput",
    } <= set(expected)
    # The child imports the very package this test imported (a worktree's, say), and
    # nothing else from the parent's path.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(Path(s3uploader_gui.__file__).resolve().parents[1])
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert done.stdout.split() == expected


def test_the_blocker_really_blocks() -> None:
    """Guard against a vacuous pass: a module importing Qt must fail under the blocker."""
    probe = CHILD.replace(
        "import s3uploader_gui.core as core",
        "import PySide6.QtCore\nimport s3uploader_gui.core as core",
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "blocked for this test: PySide6" in done.stderr
