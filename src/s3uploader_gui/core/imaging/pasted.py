"""Pictures pasted into the window: the private folder they wait in until uploaded, the
name a template gives them, PNG bytes for them, and which pasted text names local files.

A pasted picture has no file: it is written, as a PNG, to a folder of this run under the
cache directory (0700, files 0600: a screenshot can show anything), uploaded from there
like any file, and removed once uploaded or when the window closes. The image options
(resize, another format) then apply to it as to any other image.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from s3uploader_gui.core.errors import BadImage, translate
from s3uploader_gui.core.naming import normalize_key, renamed_key

#: The name of a pasted picture unless the user chose another (Preferences).
DEFAULT_PASTE_TEMPLATE = "{date:%Y-%m-%d %H.%M.%S}.png"
#: Placeholders a paste-name template may use.
PASTE_FIELDS: dict[str, str] = {"date": "the time of the paste; format it like {date:%H.%M.%S}"}
#: A run's folder holds a lock while its window runs. An unlocked one older than this
#: is removed (a crash left it behind); a younger one is kept a while for the journal's
#: offer to resume its uploads.
STALE_AFTER_S = 24 * 3600
_LOCK_NAME = ".lock"

_SUFFIX = ".png"
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class EncodedImage:
    """A picture as the clipboard offered it in a file format (PNG from screenshot tools)."""

    data: bytes


@dataclass(frozen=True)
class RawImage:
    """Decoded pixels: ``height`` rows of ``stride`` bytes, ``mode`` "RGBA" or "RGB"."""

    width: int
    height: int
    mode: str
    stride: int
    pixels: bytes


def validate_paste_template(template: str) -> str | None:
    """None when ``template`` can name pasted pictures, else one sentence saying why not."""
    import string

    if not template.strip():
        return "The name template is empty."
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"The name template has unbalanced braces ({exc})."
    for literal, name, _spec, conversion in parsed:
        if "/" in literal or "\\" in literal:
            return "The name template makes a file name: it cannot contain / or \\."
        if name is None:
            continue
        if name not in PASTE_FIELDS:
            return "The name template can only use {date}, such as {date:%Y-%m-%d %H.%M.%S}."
        if conversion:
            return f"Conversions such as {{{name}!{conversion}}} are not supported."
    try:
        sample = _rendered(template, dt.datetime(2026, 1, 2, 3, 4, 5))
    except (ValueError, KeyError, IndexError) as exc:
        return f"The name template cannot be used: {exc}."
    if PurePosixPath(sample).stem.strip(". ") == "":
        return "The name template gives no usable file name."
    return None


def _rendered(template: str, now: dt.datetime) -> str:
    """The name ``template`` gives at ``now``, before the extension is settled."""
    from s3uploader_gui.core.naming import render_key

    rendered = render_key(template, "", "pasted.png", now=now)
    return normalize_key(rendered.replace("/", "-").replace("\\", "-")).strip()


def paste_name(template: str, *, now: dt.datetime | None = None, taken: Iterable[str] = ()) -> str:
    """The file name ``template`` gives a picture pasted at ``now``, ending in ``.png``
    (the format it is saved in) and apart from the names in ``taken``.

    A date format's slashes become dashes: a pasted picture is one file, not folders.
    """
    name = _rendered(template, now or dt.datetime.now())
    path = PurePosixPath(name)
    if path.suffix.lower() != _SUFFIX:
        if path.suffix.lower() in _IMAGE_SUFFIXES:
            name = path.stem
        name += _SUFFIX
    used = set(taken)
    candidate, n = name, 0
    while candidate in used:
        n += 1
        candidate = renamed_key(name, n)
    return candidate


def png_bytes(image: EncodedImage | RawImage) -> bytes:
    """``image`` as a PNG file's bytes: PNG data as it is (once it decodes), anything
    else decoded and written as PNG. Raises ``BadImage``."""
    import io

    from s3uploader_gui.core.imaging.opening import load_pixels, open_image_data
    from s3uploader_gui.core.imaging.pil import Image

    name = "The picture on the clipboard"
    if isinstance(image, RawImage):
        if image.mode not in ("RGB", "RGBA") or image.width < 1 or image.height < 1:
            raise BadImage(f"{name} has no pixels this app can read ({image.mode}).")
        if len(image.pixels) < image.stride * image.height:
            raise BadImage(f"{name} is incomplete.")
        im = Image.frombuffer(
            image.mode,
            (image.width, image.height),
            image.pixels,
            "raw",
            image.mode,
            image.stride,
            1,
        )
    else:
        with open_image_data(image.data, name) as opened:
            load_pixels(opened, name)  # truncated data would be uploaded as a broken file
            if image.data.startswith(_PNG_SIGNATURE) and opened.format == "PNG":
                return image.data  # a screenshot tool's PNG: no second encoding
            im = opened.copy()
    if im.mode not in ("RGB", "RGBA", "L", "LA", "P", "I", "I;16", "1"):
        im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
    out = io.BytesIO()
    im.save(out, "PNG", compress_level=6)
    return out.getvalue()


class PasteFolder:
    """This run's private folder of pasted pictures (made on first use; thread-safe).

    ``base`` is the folder that holds one sub-folder per run (default: the cache
    directory's ``pasted``).
    """

    def __init__(self, base: Path | None = None) -> None:
        if base is None:
            from s3uploader_gui.core.paths import cache_dir

            base = cache_dir() / "pasted"
        self.base = base
        self._path: Path | None = None
        self._given: set[str] = set()
        self._lock = threading.Lock()
        self._lock_fd: int | None = None

    def path(self) -> Path:
        """The folder (created 0700 on first use, with older runs' leftovers removed)."""
        with self._lock:
            if self._path is None or not self._path.is_dir():
                self._path = self._make()
            return self._path

    def _make(self) -> Path:
        import fcntl
        import tempfile

        try:
            self.base.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.base, 0o700)
            self._remove_stale()
            folder = Path(tempfile.mkdtemp(prefix="run-", dir=self.base))  # 0700
            fd = os.open(folder / _LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise translate(exc) from exc
        self._release()
        self._lock_fd = fd  # held until clear(): another window leaves this folder alone
        return folder

    def _remove_stale(self) -> None:
        """Remove the folders of runs that ended long ago (not locked, not touched)."""
        import fcntl
        import shutil
        import time

        now = time.time()
        for entry in self.base.iterdir():
            try:
                if entry.is_symlink() or not entry.is_dir():
                    continue
                if now - entry.lstat().st_mtime <= STALE_AFTER_S:
                    continue
                fd = os.open(entry / _LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a window still uses it
            finally:
                os.close(fd)
            shutil.rmtree(entry, ignore_errors=True)

    def _release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None

    def save(
        self, image: EncodedImage | RawImage, template: str, *, now: dt.datetime | None = None
    ) -> Path:
        """Write ``image`` as a PNG named by ``template`` (a name never given before in
        this run); returns its path. Raises ``BadImage`` or ``LocalFileError``."""
        data = png_bytes(image)
        folder = self.path()
        when = now or dt.datetime.now()
        while True:
            with self._lock:
                name = paste_name(template, now=when, taken=self._given)
                self._given.add(name)
            target = folder / name
            try:
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # not one of ours (or made by hand): take the next name
            except OSError as exc:
                raise translate(exc) from exc
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
            except OSError as exc:
                target.unlink(missing_ok=True)
                raise translate(exc) from exc
            return target

    def holds(self, path: Path) -> bool:
        """True when ``path`` is a pasted picture of this run."""
        with self._lock:
            folder = self._path
        return folder is not None and path.parent == folder and path.name != _LOCK_NAME

    def remove(self, paths: Iterable[Path]) -> None:
        """Delete the pasted pictures among ``paths`` (uploaded: no longer needed)."""
        for path in paths:
            if self.holds(path):
                path.unlink(missing_ok=True)

    def clear(self) -> None:
        """Delete the folder and everything still in it (the window closes)."""
        import shutil

        with self._lock:
            folder, self._path = self._path, None
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            self._release()


def local_paths_from_text(text: str) -> list[Path]:
    """The local files a ``text/uri-list`` (or text made of ``file:`` URIs) names; [] when
    any line is something else (words, a web address, a bare path)."""
    from urllib.parse import unquote, urlsplit

    paths: list[Path] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = urlsplit(line)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return []
        if not parts.path.startswith("/"):
            return []
        paths.append(Path(unquote(parts.path)))
    return paths
