"""Listing buckets and folders into the browser's tree, page by page, on workers.

Pages of ``ListObjectsV2`` are fetched in workers through ``canFetchMore``/``fetchMore``;
each page's rows are inserted where they belong in the current sort order (folders
first), so opening a big prefix shows the first 1,000 entries while the rest waits until
the view scrolls to them. The pages of a listing come from one ``PageStream``, which has
the next page's request in flight while the current page is shown, and the worker
builds the rows, so the GUI thread only inserts them.

Once a page is in, its rows (and the rest of what is alive) are kept out of the
cyclic garbage collector's passes with ``gc.freeze()`` (see ``gc_policy``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Signal

from s3uploader_gui.core.errors import AppError, translate, user_message
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.listing import PageStream, bucket_region, list_buckets, list_page
from s3uploader_gui.core.s3.listing_types import BucketInfo, ObjectInfo, Page
from s3uploader_gui.ui.browser.delivery import call_for
from s3uploader_gui.ui.browser.gc_policy import settle, unsettle
from s3uploader_gui.ui.browser.node import Column, Kind, Node
from s3uploader_gui.ui.browser.tree_model import NodeTreeModel
from s3uploader_gui.ui.workers import WorkerPool

log = logging.getLogger(__name__)
_Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")


def _nodes_for(parent: Node, page: Page) -> list[Node]:
    """The rows of ``page`` (built on the worker thread, inserted on the GUI thread)."""
    bucket = parent.bucket  # one shared string for every row
    nodes = [Node(Kind.FOLDER, bucket, p, parent) for p in page.prefixes if p != parent.key]
    for o in page.objects:
        node = Node(
            Kind.OBJECT,
            bucket,
            o.key,
            parent,
            size=o.size,
            mtime=o.last_modified.timestamp() if o.last_modified is not None else 0.0,
            etag=o.etag,
        )
        nodes.append(node)
    return nodes


def _fetch_next(stream: PageStream, parent: Node) -> tuple[Page, list[Node]]:
    """The stream's next page and its rows, built here rather than on the GUI thread."""
    page = stream.next_page()
    return page, _nodes_for(parent, page)


def _fetch_pages(context: S3Context, bucket: str, prefix: str, pages: int, size: int) -> Page:
    """Re-list as many pages as were loaded before, merged into one (for refresh)."""
    folders: list[str] = []
    objects: list[ObjectInfo] = []
    token: str | None = None
    for _ in range(max(1, pages)):
        page = list_page(context.client, bucket, prefix, token, page_size=size)
        folders += page.prefixes
        objects += page.objects
        token = page.next_token
        if token is None:
            break
    return Page(prefixes=folders, objects=objects, next_token=token)


def _fetch_regions(context: S3Context, buckets: Sequence[str]) -> dict[str, str]:
    """GetBucketLocation for every bucket, a few at a time; failures give ""."""

    def one(name: str) -> tuple[str, str]:
        try:
            return name, bucket_region(context.client, name)
        except AppError as err:
            log.info("no region for %s: %s", name, err)
            return name, ""

    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="region") as ex:
        return dict(ex.map(one, buckets))


def _guarded(fn: Callable[[], T]) -> T | AppError:
    """``fn()``, or its error: a failed listing is an answer for the model, not a crash."""
    try:
        return fn()
    except Exception as exc:
        return translate(exc)


class BucketModel(NodeTreeModel):
    """Lazy tree of buckets, folders and objects.

    Signals:
        loadingChanged(bool): True while at least one listing is in flight.
        error(str): a listing failed; the sentence says why.
        bucketsLoaded(list): the names of the buckets after a refresh.
        nodeLoaded(str, str): (bucket, prefix) whose page just arrived.
        regionsLoaded(): the buckets' regions arrived.
    """

    loadingChanged = Signal(bool)
    error = Signal(str)
    bucketsLoaded = Signal(list)
    nodeLoaded = Signal(str, str)
    regionsLoaded = Signal()

    def __init__(
        self, pool: WorkerPool, parent: QObject | None = None, page_size: int = 1000
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._context: S3Context | None = None
        self._generation = 0
        self._in_flight = 0
        self.page_size = page_size
        self._streams: dict[PageStream, Node] = {}  # open listings and their containers

    # -- connection --------------------------------------------------------------------
    def set_context(self, context: S3Context | None) -> None:
        """Show the buckets of ``context`` (None: empty)."""
        self._context = context
        self._generation += 1  # answers for the old connection are dropped
        self._close_streams()
        self._pinned.clear()
        self._remove_children(self._root)
        unsettle()  # the rows are gone; cyclic garbage frozen with them can be found again
        if context is not None:
            self.refresh_buckets()

    @property
    def context(self) -> S3Context | None:
        return self._context

    @property
    def loading(self) -> bool:
        return self._in_flight > 0

    def refresh_buckets(self) -> None:
        """Reload the bucket list, keeping the loaded contents of buckets that remain."""
        if self._context is None:
            return
        self._begin_request()
        generation = self._generation
        call_for(
            self,
            self._pool,
            functools.partial(_guarded, functools.partial(list_buckets, self._context.client)),
            lambda model, buckets: model._on_buckets(generation, buckets),
            name="list-buckets",
        )

    def refresh(self, index: _Index = QModelIndex()) -> None:  # noqa: B008
        """Re-list a bucket or folder (the root: buckets), merging changes into the rows."""
        self.refresh_node(self._node(index))

    def refresh_node(self, node: Node) -> None:
        """Re-list ``node`` (its parent for an object; the bucket list for the root)."""
        if node is self._root:
            self.refresh_buckets()
            return
        if not node.is_container:
            node = node.parent or self._root
            if node is self._root:
                self.refresh_buckets()
                return
        listing = node.listing
        assert listing is not None
        if listing.fetching or self._context is None:
            return
        if listing.fetched:
            self._request(node, refresh=True)
        else:
            self._request(node, refresh=False)

    def refresh_prefix(self, bucket: str, prefix: str) -> None:
        """Refresh every loaded container from the bucket down to ``prefix``."""
        node = self.find_node(bucket, "")
        if node is None:
            self.refresh_buckets()
            return
        chain = [node]
        current = ""
        for part in [p for p in prefix.split("/") if p]:
            current += part + "/"
            child = self._child(chain[-1], current)
            if child is None or not child.is_container:
                break
            chain.append(child)
        for n in chain:
            if n.fetched and not n.fetching:
                self._request(n, refresh=True)

    @property
    def connected(self) -> bool:
        return self._context is not None

    def set_pinned(self, node: Node | None) -> None:
        """Refreshes never remove ``node`` or its ancestors (the folder on screen)."""
        super().set_pinned(node)
        # Only the folder on screen keeps a listing connection (and a request in flight).
        self._close_streams(keep=self._pinned)

    def canFetchMore(self, parent: _Index) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        node = self._node(parent)
        listing = node.listing
        if node is self._root or listing is None or listing.fetching or self._context is None:
            return False
        return not listing.fetched or listing.next_token is not None

    def fetchMore(self, parent: _Index) -> None:
        if self.canFetchMore(parent):
            self._request(self._node(parent), refresh=False)

    # -- fetching ----------------------------------------------------------------------
    def _begin_request(self) -> None:
        self._in_flight += 1
        if self._in_flight == 1:
            self.loadingChanged.emit(True)

    def _end_request(self) -> None:
        self._in_flight = max(0, self._in_flight - 1)
        if self._in_flight == 0:
            self.loadingChanged.emit(False)

    def _request(self, node: Node, *, refresh: bool) -> None:
        assert self._context is not None and node.listing is not None
        node.listing.fetching = True
        self._begin_request()
        generation = self._generation
        if refresh:
            self._close_stream(node)  # its request in flight is for the old listing
            relist = functools.partial(
                _fetch_pages,
                self._context,
                node.bucket,
                node.key,
                node.listing.pages,
                self.page_size,
            )
            call_for(
                self,
                self._pool,
                functools.partial(_guarded, relist),
                lambda model, page: model._on_page(generation, node, page),
                name="list",
            )
            return
        stream = node.listing.stream
        if stream is None or stream.token != node.listing.next_token:
            self._close_stream(node)
            stream = PageStream(
                self._context.client,
                node.bucket,
                node.key,
                node.listing.next_token,
                page_size=self.page_size,
            )
            node.listing.stream = stream
            self._streams[stream] = node
        call_for(
            self,
            self._pool,
            functools.partial(_guarded, functools.partial(_fetch_next, stream, node)),
            lambda model, result: model._on_page(generation, node, result),
            name="list",
        )

    def _close_stream(self, node: Node) -> None:
        listing = node.listing
        if listing is not None and listing.stream is not None:
            self._streams.pop(listing.stream, None)
            listing.stream.close()
            listing.stream = None

    def close_streams(self) -> None:
        """Let go of every listing connection (paging later opens new ones)."""
        self._close_streams()

    def _close_streams(self, keep: set[int] | None = None) -> None:
        """Close the listings' connections, but those of nodes whose id is in ``keep``."""
        for node in list(self._streams.values()):
            if keep is None or id(node) not in keep:
                self._close_stream(node)

    def _on_buckets(self, generation: int, buckets: list[BucketInfo] | AppError) -> None:
        self._end_request()
        if generation != self._generation:
            return
        if isinstance(buckets, AppError):
            self.error.emit(user_message(buckets))
            return
        wanted = {b.name: b for b in buckets if isinstance(b, BucketInfo)}
        for row in range(len(self._root.children) - 1, -1, -1):
            if self._root.children[row].bucket not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                gone = self._root.children.pop(row)
                self.endRemoveRows()
                self._release([gone])
        have = {b.bucket for b in self._root.children}
        fresh = []
        for name in sorted(wanted):
            if name in have:
                continue
            created = wanted[name].created
            node = Node(
                Kind.BUCKET,
                name,
                "",
                self._root,
                mtime=created.timestamp() if created is not None else 0.0,
            )
            fresh.append(node)
        self._insert_nodes(self._root, fresh, dedupe=False)  # "have" filtered them
        self.bucketsLoaded.emit(sorted(wanted))
        missing = [b.bucket for b in self._root.children if not b.region]
        if missing and self._context is not None:
            job = functools.partial(_fetch_regions, self._context, missing)
            call_for(
                self,
                self._pool,
                functools.partial(_guarded, job),
                lambda model, regions: model._on_regions(generation, regions),
                name="bucket-regions",
            )

    def _on_regions(self, generation: int, regions: dict[str, str] | AppError) -> None:
        if generation != self._generation or isinstance(regions, AppError):
            return
        for row, node in enumerate(self._root.children):
            region = regions.get(node.bucket)
            if region and node.listing is not None:
                node.listing.region = region
                index = self.createIndex(row, Column.REGION, node)
                self.dataChanged.emit(index, index)
        if self._sort_column == Column.REGION:
            self._resort_root()
        self.regionsLoaded.emit()

    def _resort_root(self) -> None:
        column, order = self._sort_column, self._sort_order
        self._sort_column = Column.NAME
        self.sort(column, order)

    def _on_page(
        self, generation: int, node: Node, result: Page | tuple[Page, list[Node]] | AppError
    ) -> None:
        """A page for ``node``: a re-listing (a ``Page``), or the next page and its rows."""
        try:
            self._take_page(generation, node, result)
        finally:
            # Loading ends once the rows are in, so "N items" counts this page too.
            self._end_request()

    def _take_page(
        self, generation: int, node: Node, result: Page | tuple[Page, list[Node]] | AppError
    ) -> None:
        if generation != self._generation:
            return
        if not self._alive(node):
            self._close_stream(node)
            return
        listing = node.listing
        assert listing is not None
        listing.fetching = False
        if isinstance(result, AppError):
            self._close_stream(node)
            listing.fetched = True
            listing.error = user_message(result)
            self.error.emit(listing.error)
            return
        listing.error = ""
        refresh = isinstance(result, Page)
        page, rows = (result, []) if isinstance(result, Page) else result
        first = listing.pages == 0
        # The paging state is final before any row goes in: a slot of rowsInserted may
        # ask for the next page at once, and must not ask for this one again.
        listing.fetched = True
        listing.next_token = page.next_token
        if page.next_token is None:
            self._close_stream(node)
        if refresh:
            self._merge(node, page)
        else:
            listing.pages += 1
            self._insert_nodes(node, rows, dedupe=listing.synthetic or first)
        settle()
        self.nodeLoaded.emit(node.bucket, node.key)

    def _merge(self, parent: Node, page: Page) -> None:
        """Make ``parent``'s rows equal to ``page``: remove gone rows, update, insert new."""
        parent_index = self.index_for(parent)
        fresh = {n.key: n for n in _nodes_for(parent, page)}
        children = parent.children
        row = len(children) - 1
        while row >= 0:
            child = children[row]
            gone = child.key not in fresh or fresh[child.key].kind != child.kind
            if gone and not child.search and id(child) not in self._pinned:
                end = row
                while row > 0:
                    prev = children[row - 1]
                    if (
                        prev.search
                        or id(prev) in self._pinned
                        or (prev.key in fresh and fresh[prev.key].kind == prev.kind)
                    ):
                        break
                    row -= 1
                self.beginRemoveRows(parent_index, row, end)
                removed = children[row : end + 1]
                del children[row : end + 1]
                self.endRemoveRows()
                self._release(removed)
            row -= 1
        assert parent.listing is not None
        # Rows kept although not listed (the folder on screen) may come back in a page.
        parent.listing.synthetic = any(c.key not in fresh for c in children if not c.search)
        existing = {c.key: c for c in children if not c.search}
        new: list[Node] = []
        for key, node in fresh.items():
            old = existing.get(key)
            if old is None:
                new.append(node)
            elif old.kind == Kind.OBJECT and (old.size, old.mtime, old.etag) != (
                node.size,
                node.mtime,
                node.etag,
            ):
                moved = (old.size, old.mtime) != (node.size, node.mtime)
                if moved and self._sort_column in (Column.SIZE, Column.MODIFIED):
                    self.remove_node(old)
                    new.append(node)
                    continue
                old.size, old.mtime, old.etag = node.size, node.mtime, node.etag
                at = self._row_of(old)
                self.dataChanged.emit(
                    self.createIndex(at, 0, old), self.createIndex(at, len(Column) - 1, old)
                )
        self._insert_nodes(parent, new, dedupe=False)

    def _released(self, node: Node) -> None:
        self._close_stream(node)
