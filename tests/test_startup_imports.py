"""Start-up stays light: the window's modules do not import the heavy libraries.

boto3/botocore/s3transfer, keyring and Pillow load on first use (the background
connection worker, a thumbnail job), not before the main window shows (issue 8).
A structural check in a fresh interpreter; no timing is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest


def _in_a_fresh_interpreter(code: str) -> Any:
    """Run ``code`` in a new Python; the JSON it printed last."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


HEAVY = ("boto3", "botocore", "s3transfer", "keyring", "jaraco", "PIL", "cryptography")


@pytest.mark.parametrize(
    "module", ["s3uploader_gui.ui.main_window", "s3uploader_gui.app", "s3uploader_gui.core"]
)
def test_importing_the_window_does_not_import_heavy_libraries(module: str) -> None:
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    loaded = _in_a_fresh_interpreter(code)
    assert loaded == [], f"importing {module} imported {loaded}"


#: Standard-library modules that cost 5–40 ms each on a cold start and are only needed
#: later (the transfer journal, the About box's versions, the local server's health check,
#: the listing's HTTP connection, a clock-skew message, the local server's process, the
#: log file's rotation, a Content-Type guess, rich-text escaping, OpenSSL's digests).
LATER = (
    "sqlite3",
    "importlib.metadata",
    "platform",
    "secrets",
    "http.client",
    "ssl",
    "xml.etree.ElementTree",
    "email.utils",
    "subprocess",
    "logging.handlers",
    "mimetypes",
    "html",
    "urllib.request",
    "hashlib",
    "socket",
)


def test_the_window_leaves_later_stdlib_modules_for_later() -> None:
    code = (
        "import importlib, json, sys\n"
        "importlib.import_module('s3uploader_gui.app')\n"
        "importlib.import_module('s3uploader_gui.ui.main_window')\n"
        f"print(json.dumps(sorted(m for m in {LATER!r} if m in sys.modules)))\n"
    )
    loaded = _in_a_fresh_interpreter(code)
    assert loaded == [], f"the window's modules imported {loaded}"


def test_asking_for_avif_at_start_up_does_not_load_the_codec() -> None:
    """The options panel asks whether AVIF can be written while the window is built; the
    answer must be right without mapping libavif (5 MB read from disk on a cold start)."""
    code = (
        "import json, sys\n"
        "from s3uploader_gui.core.imaging import avif_supported\n"
        "early = avif_supported()\n"
        "loaded = 'PIL._avif' in sys.modules or 'PIL.Image' in sys.modules\n"
        "from PIL import features\n"
        "print(json.dumps([early, loaded, bool(features.check('avif'))]))\n"
    )
    early, loaded, really = _in_a_fresh_interpreter(code)
    assert not loaded
    assert early == really
