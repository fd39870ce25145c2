"""Thumbnails of local files for the upload queue and the preview, made off the GUI thread.

A ``LocalThumbnailLoader`` runs small jobs on its own ``QThreadPool``. Requests wait on a
stack, so the newest — the rows a view is painting right now — are decoded first, and
the stack is bounded: requests for rows long scrolled away are dropped (a row asks again
when it is painted again). Jobs go through ``core.imaging.thumbcache`` (memory LRU + disk, keyed
by path, size and mtime) and hand back a ``QImage``; ``QPixmap``s are made only on the
GUI thread, in ``QueueThumbnails``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QImage, QPixmap

from s3uploader_gui.core.background import lower_this_thread
from s3uploader_gui.core.errors import AppError, translate, user_message
from s3uploader_gui.core.history_thumbnails import THUMBNAIL_EDGE
from s3uploader_gui.core.imaging.thumbcache import ThumbnailCache
from s3uploader_gui.core.imaging.thumbnails import Thumbnail
from s3uploader_gui.core.naming import is_image_name
from s3uploader_gui.ui.browser.thumbnail_image import thumbnail_qimage

log = logging.getLogger(__name__)

#: Pixel size of the thumbnails made for the queue's rows (shown scaled to the icon size):
#: the history's, so a batch's history takes them from the cache instead of decoding
#: every photo again as the batch ends.
QUEUE_THUMB_SIZE = THUMBNAIL_EDGE
#: Pixel size of the thumbnail made for the preview of the selected item.
PREVIEW_SIZE = 320
#: The warm-up runs this long after the first loader is made (the window is shown and
#: answering by then: it is not part of start-up), or at the first request if sooner.
WARM_UP_DELAY_MS = 400


def _import_pil_image() -> None:
    from PIL import Image  # noqa: F401


def _import_jpeg() -> None:
    from PIL import JpegImagePlugin  # noqa: F401


def _import_png_tiff() -> None:
    from PIL import PngImagePlugin, TiffImagePlugin  # noqa: F401


def _load_qt_image_plugins() -> None:
    import io

    from PIL import Image

    Image.preinit()
    for fmt in ("JPEG", "PNG"):
        buf = io.BytesIO()
        Image.new("RGB", (8, 8)).save(buf, fmt)
        thumbnail_qimage(buf.getvalue())


#: The warm-up, in steps of at most ~35 ms each on a cold start (~14 ms warm): one step per
#: turn of the event loop, so the window keeps answering in between.
_WARM_UP_STEPS = [_import_pil_image, _import_jpeg, _import_png_tiff, _load_qt_image_plugins]
_warmed_up = False


def _warm_up() -> None:
    """Load, on the GUI thread, what the first job would otherwise load on its own.

    Importing Pillow's plugins and loading Qt's JPEG/PNG image plugins take the GIL (and
    disk reads) for a noticeable moment the first time; done by a worker thread that
    moment would freeze the window while the first thumbnails are made. Here it runs all
    at once (a thumbnail is wanted now); ``_warm_up_step`` spreads it out in idle time.
    """
    global _warmed_up
    while _WARM_UP_STEPS:
        _WARM_UP_STEPS.pop(0)()
    _warmed_up = True


def _warm_up_step() -> None:
    """One step of the warm-up, then the next one at the next turn of the event loop."""
    global _warmed_up
    if _WARM_UP_STEPS:
        _WARM_UP_STEPS.pop(0)()
    if _WARM_UP_STEPS:
        QTimer.singleShot(0, _warm_up_step)
    else:
        _warmed_up = True


class _Relay(QObject):
    """Lives on the GUI thread; jobs emit through it (a queued connection)."""

    done = Signal(str, int, object, object)  # path, size, QImage | None, Thumbnail | str


class _Job(QRunnable):
    """Takes the newest pending request when it starts (not the one it was made for)."""

    def __init__(self, loader: LocalThumbnailLoader) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._loader = loader

    def run(self) -> None:
        lower_this_thread()  # the pool's threads only ever make thumbnails
        loader = self._loader
        request = loader._next_request()
        if request is None:
            return
        path, size = request
        image: QImage | None = None
        result: Thumbnail | str
        try:
            thumb = loader.cache.get(path, size)
            image = thumbnail_qimage(thumb.data)
            result = thumb
        except AppError as err:
            result = user_message(err)
        except Exception as exc:  # never let a job die silently
            result = user_message(translate(exc))
        if not loader._closing.is_set():
            loader._relay.done.emit(str(path), size, image, result)


class LocalThumbnailLoader(QObject):
    """Makes thumbnails of local files on a thread pool; newest requests first.

    Signals:
        thumbnailReady(str, int, QImage, object): path, size, the image, its ``Thumbnail``
            (with ``ImageInfo``).
        thumbnailFailed(str, int, str): path, size and the reason in one sentence.
    """

    thumbnailReady = Signal(str, int, QImage, object)
    thumbnailFailed = Signal(str, int, str)

    def __init__(
        self,
        cache: ThumbnailCache | None = None,
        parent: QObject | None = None,
        *,
        max_threads: int | None = None,
        max_pending: int = 256,
    ) -> None:
        super().__init__(parent)
        if not _warmed_up:
            QTimer.singleShot(WARM_UP_DELAY_MS, _warm_up_step)
        self.cache = cache if cache is not None else ThumbnailCache()
        self.pool = QThreadPool(self)
        # One core stays free for the GUI thread (and the uploads).
        self.pool.setMaxThreadCount(max_threads or max(1, min(4, (os.cpu_count() or 2) - 1)))
        self.max_pending = max_pending
        self._lock = threading.Lock()
        self._pending: OrderedDict[tuple[Path, int], None] = OrderedDict()
        self._in_flight: set[tuple[Path, int]] = set()
        self._closing = threading.Event()
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)

    def request(self, path: Path, size: int) -> None:
        """Ask for a thumbnail; the answer comes as ``thumbnailReady``/``thumbnailFailed``."""
        if self._closing.is_set():
            return
        if not _warmed_up:
            _warm_up()  # at once, if the spread-out one has not finished yet
        key = (Path(path), size)
        with self._lock:
            if key in self._in_flight:
                return
            if key in self._pending:
                self._pending.move_to_end(key)  # asked again: it is visible now
                return
            self._pending[key] = None
            while len(self._pending) > self.max_pending:
                self._pending.popitem(last=False)  # the oldest ask: scrolled away
        self.pool.start(_Job(self))

    def _next_request(self) -> tuple[Path, int] | None:
        with self._lock:
            if self._closing.is_set() or not self._pending:
                return None
            key, _ = self._pending.popitem(last=True)
            self._in_flight.add(key)
            return key

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending) + len(self._in_flight)

    @Slot(str, int, object, object)
    def _on_done(self, path: str, size: int, image: object, result: object) -> None:
        with self._lock:
            self._in_flight.discard((Path(path), size))
        if self._closing.is_set():
            return
        if isinstance(image, QImage) and not image.isNull() and isinstance(result, Thumbnail):
            self.thumbnailReady.emit(path, size, image, result)
        else:
            text = result if isinstance(result, str) else self.tr("No preview available.")
            self.thumbnailFailed.emit(path, size, text)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Drop what waits and wait for running jobs; False if they did not end in time."""
        self._closing.set()
        with self._lock:
            self._pending.clear()
        self.pool.clear()
        return bool(self.pool.waitForDone(timeout_ms))


class QueueThumbnails(QObject):
    """Supplies the upload queue's decoration (thumbnail) for each image row.

    Install with ``model.decoration_provider = thumbnails.decoration``. Thumbnails are
    requested the first time a view asks for a row's decoration, i.e. when the row is
    painted, so visible rows come first; icon pixmaps are kept in a bounded LRU.

    Signals:
        infoReady(str, object): path and ``ImageInfo`` of an image whose thumbnail arrived.
    """

    infoReady = Signal(str, object)

    def __init__(
        self,
        model: Any,
        loader: LocalThumbnailLoader,
        parent: QObject | None = None,
        *,
        icon_size: int = 32,
        max_icons: int = 2000,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.loader = loader
        self.icon_size = icon_size
        self.max_icons = max_icons
        self._icons: OrderedDict[str, QPixmap] = OrderedDict()
        self._failed: dict[str, str] = {}
        self._waiting: dict[str, list[QPersistentModelIndex]] = {}
        loader.thumbnailReady.connect(self._on_ready)
        loader.thumbnailFailed.connect(self._on_failed)

    def decoration(self, index: QModelIndex, path: Path) -> QPixmap | None:
        """The row's thumbnail, or None (and a request) when it is not made yet."""
        key = str(path)
        icon = self._icons.get(key)
        if icon is not None:
            self._icons.move_to_end(key)
            return icon
        if key in self._failed or not is_image_name(path.name):
            return None
        waiting = self._waiting.setdefault(key, [])
        persistent = QPersistentModelIndex(index)
        if persistent not in waiting:
            waiting.append(persistent)
        self.loader.request(path, QUEUE_THUMB_SIZE)
        return None

    def icon_for(self, path: Path) -> QPixmap | None:
        return self._icons.get(str(path))

    def failure_for(self, path: Path) -> str | None:
        return self._failed.get(str(path))

    @property
    def count(self) -> int:
        return len(self._icons)

    @Slot(str, int, QImage, object)
    def _on_ready(self, path: str, size: int, image: QImage, thumb: object) -> None:
        if size != QUEUE_THUMB_SIZE:
            return
        scaled = image.scaled(
            QSize(self.icon_size, self.icon_size),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self._icons[path] = QPixmap.fromImage(scaled)
        while len(self._icons) > self.max_icons:
            self._icons.popitem(last=False)
        if isinstance(thumb, Thumbnail):
            self.infoReady.emit(path, thumb.info)
        self._notify(path)

    @Slot(str, int, str)
    def _on_failed(self, path: str, size: int, message: str) -> None:
        if size != QUEUE_THUMB_SIZE:
            return
        self._failed[path] = message
        self._waiting.pop(path, None)

    def _notify(self, path: str) -> None:
        for persistent in self._waiting.pop(path, []):
            if persistent.isValid():
                index = self.model.index(persistent.row(), persistent.column())
                self.model.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
