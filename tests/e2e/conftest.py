"""End-to-end fixtures: the real app in a real X session (Xvfb), driven from outside.

The app runs as ``python -m s3uploader_gui`` with a throwaway HOME whose only profile
points at the session SeaweedFS through an ``~/.aws/credentials`` entry, so no keyring is
involved. Tests talk to it only through X (xdotool, xclip, real drags from a second
program) and check results on the server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.objects import create_bucket
from s3uploader_gui.core.profiles import Profile, ProfileKind, ProfileStore
from s3uploader_gui.core.s3.client import S3Context
from tests.conftest import seaweed_settings, unique_bucket

HERE = Path(__file__).parent
PROFILE = "E2E SeaweedFS"
#: Height of the browser list's first row below the window's top edge (1180 × 720 window).
FIRST_BROWSER_ROW_Y = 176
pytestmark = pytest.mark.xvfb


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def xdotool(*args: str, timeout: float = 30) -> str:
    """Run xdotool and return its output."""
    out = subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, timeout=timeout, check=True
    )
    return out.stdout.strip()


def find_window(title_regex: str, timeout: float = 60) -> str:
    """The X window id of the first window whose title matches (waits with --sync)."""
    out = xdotool("search", "--sync", "--onlyvisible", "--name", title_regex, timeout=timeout)
    return out.splitlines()[0]


def geometry(window: str) -> tuple[int, int, int, int]:
    """(x, y, width, height) of an X window."""
    values = dict(
        line.split("=", 1) for line in xdotool("getwindowgeometry", "--shell", window).split()
    )
    return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])


def clipboard() -> str:
    """The CLIPBOARD selection as another program sees it ('' when empty).

    Decoded leniently: while a picture is still on the clipboard, an ``xclip`` that owns
    it answers a request for text with the picture's bytes."""
    out = subprocess.run(
        ["xclip", "-o", "-selection", "clipboard"], capture_output=True, timeout=10
    )
    return out.stdout.decode("utf-8", errors="replace") if out.returncode == 0 else ""


def drag(source_xy: tuple[int, int], target_xy: tuple[int, int]) -> None:
    """Press at ``source_xy``, move in steps to ``target_xy`` and release: a real drag."""
    (sx, sy), (tx, ty) = source_xy, target_xy
    xdotool("mousemove", str(sx), str(sy), "mousedown", "1")
    steps = 12
    for i in range(1, steps + 1):
        x = sx + (tx - sx) * i // steps
        y = sy + (ty - sy) * i // steps
        # XDND needs the pointer to travel: each step is an X event the drag follows.
        xdotool("mousemove", str(x), str(y), "sleep", "0.05")
    xdotool("mousemove", str(tx + 3), str(ty + 3), "sleep", "0.2")
    xdotool("mouseup", "1")


@dataclass
class RunningApp:
    """The app process and what the tests need to reach it."""

    proc: subprocess.Popen[bytes]
    window: str
    home: Path
    bucket: str
    context: S3Context
    log: Path

    def geometry(self) -> tuple[int, int, int, int]:
        return geometry(self.window)

    def drop_point(self) -> tuple[int, int]:
        """A point inside the upload pane's drop area (left half, middle height)."""
        x, y, w, h = self.geometry()
        return x + w // 4, y + h // 2

    def browser_point(self) -> tuple[int, int]:
        """A point inside the bucket browser's tree (right half, near its top rows)."""
        x, y, w, _ = self.geometry()
        return x + (w * 3) // 4, y + 260

    def keys(self, *keys: str) -> None:
        xdotool("windowfocus", "--sync", self.window)
        xdotool("key", "--clearmodifiers", *keys)

    def objects(self) -> dict[str, bytes]:
        client = self.context.client
        listed = client.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return {
            o["Key"]: client.get_object(Bucket=self.bucket, Key=o["Key"])["Body"].read()
            for o in listed
        }


@pytest.fixture
def e2e_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    for sub in ("config", "data", "cache", "state", ".aws"):
        (home / sub).mkdir(parents=True)
    return home


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON_KEYRING"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        QT_QPA_PLATFORM="xcb",
    )
    return env


@dataclass
class Seeded:
    """The bucket the app will show, before the app starts (seed it through ``context``)."""

    bucket: str
    context: S3Context


@pytest.fixture
def seeded(seaweed: LocalServerInfo) -> Seeded:
    bucket = unique_bucket("e2e")
    context = S3Context(seaweed_settings(seaweed))
    create_bucket(context.client, bucket)
    return Seeded(bucket, context)


@pytest.fixture
def launch(
    e2e_home: Path, seaweed: LocalServerInfo, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], RunningApp]]:
    """Starts the real app, connected to SeaweedFS with the seeded bucket as its default."""
    for tool in ("xdotool", "xclip"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: make test installs it (scripts/system-deps.sh)")
    (e2e_home / ".aws" / "credentials").write_text(
        "[e2e]\n"
        f"aws_access_key_id = {seaweed.access_key_id}\n"
        f"aws_secret_access_key = {seaweed.secret_access_key}\n"
    )
    (e2e_home / ".aws" / "config").write_text("[profile e2e]\nregion = us-east-1\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(e2e_home / "config"))
    store = ProfileStore()
    store.save(
        Profile(
            name=PROFILE,
            kind=ProfileKind.S3_COMPATIBLE,
            endpoint_url=seaweed.endpoint_url,
            addressing_style="path",
            aws_profile="e2e",
            default_bucket=seeded.bucket,
        )
    )
    store.last_used = PROFILE
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> RunningApp:
        log = e2e_home / "app-output.txt"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "s3uploader_gui"],
                env=_env(e2e_home),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        procs.append(proc)
        # The title names the profile once the connection is ready.
        window = find_window(f"S3 Uploader — {PROFILE}", timeout=90)
        return RunningApp(proc, window, e2e_home, seeded.bucket, seeded.context, log)

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def app(launch: Callable[[], RunningApp]) -> RunningApp:
    """The real app on an empty bucket."""
    return launch()


@pytest.fixture
def drag_source() -> Iterator[Callable[..., tuple[int, int]]]:
    """Start the stand-in file manager with some paths; returns a point to press on."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(*paths: Path) -> tuple[int, int]:
        title = f"Drag Source {len(procs)}"
        env = dict(os.environ, QT_QPA_PLATFORM="xcb")
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "drag_source.py"), title, *map(str, paths)], env=env
        )
        procs.append(proc)
        window = find_window(f"^{title}$")
        x, y, w, h = geometry(window)
        return x + w // 2, y + h // 2

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)
