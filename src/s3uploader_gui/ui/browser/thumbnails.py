"""Thumbnails for the bucket browser, loaded lazily on a small QThreadPool.

The model asks for a thumbnail only when a view paints a row, i.e. for visible items.
A cache hit is a dict lookup; a miss queues a request and returns None at once, so
scrolling never waits. The newest requests are served first (what is on screen now),
at most ``max_threads`` run at once, and at most ``max_pending`` wait: older requests
for rows scrolled away are dropped. Workers produce ``QImage``s (allowed off the GUI
thread); ``QPixmap``s are made here, on the GUI thread.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QPixmap

from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.imaging.remote_thumbnails import (
    DEFAULT_EDGE,
    DEFAULT_MAX_BYTES,
    ThumbRequest,
    fetch_thumbnail,
)
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.ui.browser.node import Node
from s3uploader_gui.ui.browser.thumbnail_image import thumbnail_qimage
from s3uploader_gui.ui.browser.tree_model import NodeTreeModel

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives on the GUI thread; jobs emit through it (queued to the provider's slot)."""

    done = Signal(int, object, object)  # generation, ThumbRequest, QImage | None


class _Job(QRunnable):
    def __init__(
        self,
        relay: _Relay,
        generation: int,
        context: S3Context,
        req: ThumbRequest,
        max_bytes: int,
        root: Path | None,
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._relay = relay
        self._generation = generation
        self._context = context
        self._req = req
        self._max_bytes = max_bytes
        self._root = root

    def run(self) -> None:
        image: QImage | None = None
        try:
            data = fetch_thumbnail(
                self._context.client, self._req, max_bytes=self._max_bytes, root=self._root
            )
            if data:
                decoded = thumbnail_qimage(data)
                image = None if decoded.isNull() else decoded
        except AppError as err:
            log.info("no thumbnail for %s: %s", self._req.key, err)
        except Exception:  # a worker must never die silently with an exception
            log.exception("thumbnail job failed for %s", self._req.key)
        self._relay.done.emit(self._generation, self._req, image)


class ThumbnailProvider(QObject):
    """Cache and loader of object thumbnails.

    Signals:
        ready(object): a ``ThumbRequest`` whose thumbnail (or its absence) is now known.
    """

    ready = Signal(object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        max_threads: int = 3,
        max_pending: int = 200,
        memory_items: int = 800,
        edge: int = DEFAULT_EDGE,
        max_bytes: int = DEFAULT_MAX_BYTES,
        cache_root: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._context: S3Context | None = None
        self._generation = 0
        self._pending: OrderedDict[ThumbRequest, None] = OrderedDict()
        self._running: set[ThumbRequest] = set()
        self._memory: OrderedDict[ThumbRequest, QPixmap | None] = OrderedDict()
        self.max_threads = max_threads
        self.max_pending = max_pending
        self.memory_items = memory_items
        self.edge = edge
        self.max_bytes = max_bytes
        self.cache_root = cache_root
        self._closed = False
        #: Requests started so far (tests and diagnostics).
        self.started = 0

    def set_context(self, context: S3Context | None) -> None:
        """New connection: forget queued work (running jobs finish and are ignored)."""
        self._context = context
        self._generation += 1
        self._pending.clear()
        self._running.clear()
        self._memory.clear()

    def request_for(self, bucket: str, key: str, etag: str, size: int) -> ThumbRequest:
        return ThumbRequest(bucket, key, etag, size, self.edge)

    def lookup(self, req: ThumbRequest) -> QPixmap | None:
        """The thumbnail if known; otherwise None, and the request is queued (no waiting)."""
        if req in self._memory:
            self._memory.move_to_end(req)
            return self._memory[req]
        if self._context is None or self._closed or req in self._running:
            return None
        self._pending[req] = None
        self._pending.move_to_end(req)  # newest first: what is on screen now
        while len(self._pending) > self.max_pending:
            self._pending.popitem(last=False)
        self._start_more()
        return None

    def known(self, req: ThumbRequest) -> bool:
        return req in self._memory

    @property
    def busy(self) -> bool:
        return bool(self._pending or self._running)

    def _start_more(self) -> None:
        while self._pending and len(self._running) < self.max_threads and self._context:
            req, _ = self._pending.popitem(last=True)
            self._running.add(req)
            self.started += 1
            job = _Job(
                self._relay, self._generation, self._context, req, self.max_bytes, self.cache_root
            )
            self._pool.start(job)

    @Slot(int, object, object)
    def _on_done(self, generation: int, req: object, image: object) -> None:
        if generation != self._generation or self._closed:
            return
        assert isinstance(req, ThumbRequest)
        self._running.discard(req)
        pixmap = QPixmap.fromImage(image) if isinstance(image, QImage) else None
        self._memory[req] = pixmap
        while len(self._memory) > self.memory_items:
            self._memory.popitem(last=False)
        self.ready.emit(req)
        self._start_more()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Drop queued work and wait for running jobs (call before quitting)."""
        self._closed = True
        self._pending.clear()
        self._pool.clear()
        return bool(self._pool.waitForDone(timeout_ms))


class NodeThumbnails:
    """Thumbnails for the model's rows: a row painted asks for its own (through
    ``NodeTreeModel.thumbnail_lookup``), and is repainted when it arrives."""

    def __init__(self, provider: ThumbnailProvider, model: NodeTreeModel) -> None:
        self._provider = provider
        self._model = model
        self._nodes: OrderedDict[ThumbRequest, Node] = OrderedDict()
        provider.ready.connect(self._on_thumbnail_ready)
        model.thumbnail_lookup = self.thumbnail_for

    def clear(self) -> None:
        """Forget the rows waiting for a thumbnail (a new connection)."""
        self._nodes.clear()

    def thumbnail_for(self, node: Node) -> QPixmap | None:
        provider = self._provider
        req = provider.request_for(node.bucket, node.key, node.etag, node.size)
        pixmap = provider.lookup(req)
        if pixmap is None and not provider.known(req):
            self._nodes[req] = node
            self._nodes.move_to_end(req)
            while len(self._nodes) > 2 * provider.max_pending:
                self._nodes.popitem(last=False)
        return pixmap

    def _on_thumbnail_ready(self, req: object) -> None:
        node = self._nodes.pop(req, None) if isinstance(req, ThumbRequest) else None
        if node is not None:
            self._model.notify_thumbnail(node)
