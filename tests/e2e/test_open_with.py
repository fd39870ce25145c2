"""'Open with S3 Uploader' while it runs, under Xvfb: the running window uploads the file
and comes in front of the program the person was in."""

from __future__ import annotations

import ctypes
import ctypes.util
import subprocess
import sys
import time

import pytest

from tests.e2e.conftest import RunningApp, _env, find_window, wait_for, xdotool
from tests.helpers.files import make_jpeg

pytestmark = pytest.mark.xvfb


def _stacking() -> list[int]:
    """The root window's children, bottom to top (XQueryTree, through libX11 itself:
    with no window manager there is no _NET_CLIENT_LIST_STACKING to ask)."""
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultRootWindow.restype = ctypes.c_ulong
    x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x11.XQueryTree.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
        ctypes.POINTER(ctypes.c_uint),
    ]
    x11.XFree.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    assert display, "cannot open the X display"
    try:
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        top = x11.XDefaultRootWindow(display)
        assert x11.XQueryTree(display, top, root, parent, children, count)
        stack = [children[i] for i in range(count.value)]
        if children:
            x11.XFree(children)
        return stack
    finally:
        x11.XCloseDisplay(display)


def _above(upper: str, lower: str) -> bool:
    stack = _stacking()
    return stack.index(int(upper)) > stack.index(int(lower))


def test_open_with_hands_the_file_to_the_running_window(
    app: RunningApp, drag_source, tmp_path
) -> None:
    photo = make_jpeg(tmp_path / "files" / "harbour.jpg", (320, 200), "blue")
    drag_source()  # another program, with the focus
    other = find_window("^Drag Source 0$")
    xdotool("windowraise", other, "windowfocus", "--sync", other)
    wait_for(lambda: _above(other, app.window), 10, "the other program to be on top")

    started = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-m", "s3uploader_gui", str(photo)],
        env=_env(app.home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    took = time.monotonic() - started
    assert second.returncode == 0, second.stderr
    assert took < 20, f"the second launch took {took:.1f} s"
    objects = wait_for(
        lambda: app.objects().get("harbour.jpg"), 60, "the running window to upload the file"
    )
    assert objects == photo.read_bytes()
    # Comes to the front. (Taking the keyboard focus is the window manager's decision;
    # Xvfb has none to ask.)
    wait_for(lambda: _above(app.window, other), 10, "the running window to come to the front")
    # Still one window of the app: the second launch showed none.
    assert len(xdotool("search", "--onlyvisible", "--name", "^S3 Uploader").split()) == 1
