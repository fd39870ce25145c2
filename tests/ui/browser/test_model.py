"""The lazy bucket model: pages inserted as rows, folders first, refresh merges."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.ui.browser.node import Kind
from s3uploader_gui.ui.browser.paging import BucketModel
from s3uploader_gui.ui.workers import WorkerPool


@pytest.fixture
def pool(qtbot):
    pool = WorkerPool()
    yield pool
    pool.shutdown()


@pytest.fixture
def model(qtbot, pool, seaweed_context: S3Context, seaweed_bucket: str):
    m = BucketModel(pool, page_size=100)
    with qtbot.waitSignal(m.bucketsLoaded, timeout=10000):
        m.set_context(seaweed_context)
    return m


def _put_many(context: S3Context, bucket: str, keys: list[str]) -> None:
    with ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda k: context.client.put_object(Bucket=bucket, Key=k, Body=b"x"), keys))


def _bucket_index(model: BucketModel, bucket: str):
    node = model.find_node(bucket, "")
    assert node is not None
    return model.index_for(node)


def test_pages_arrive_as_inserted_rows(
    qtbot, qtmodeltester, model, seaweed_context, seaweed_bucket
):
    keys = [f"obj{i:04}.txt" for i in range(250)] + [f"dir{i}/x.txt" for i in range(3)]
    _put_many(seaweed_context, seaweed_bucket, keys)
    index = _bucket_index(model, seaweed_bucket)
    assert model.hasChildren(index)
    assert model.canFetchMore(index)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))

    with qtbot.waitSignal(model.nodeLoaded, timeout=10000):
        model.fetchMore(index)
    # First page only: 100 entries, more to come.
    assert model.rowCount(index) == 100
    assert model.canFetchMore(index)
    while model.canFetchMore(index):
        with qtbot.waitSignal(model.nodeLoaded, timeout=10000):
            model.fetchMore(index)
    assert model.rowCount(index) == 253
    names = [model.node(model.index(r, 0, index)).name for r in range(model.rowCount(index))]
    kinds = [model.node(model.index(r, 0, index)).kind for r in range(model.rowCount(index))]
    assert names[:3] == ["dir0", "dir1", "dir2"]
    assert kinds[:3] == [Kind.FOLDER] * 3
    assert names[3:] == sorted(k for k in keys if "/" not in k)
    assert not resets
    qtmodeltester.check(model, force_py=True)


def test_refresh_merges_new_and_deleted_objects(qtbot, model, seaweed_context, seaweed_bucket):
    _put_many(seaweed_context, seaweed_bucket, ["a.txt", "b.txt", "c.txt"])
    index = _bucket_index(model, seaweed_bucket)
    with qtbot.waitSignal(model.nodeLoaded, timeout=10000):
        model.fetchMore(index)
    assert model.rowCount(index) == 3
    seaweed_context.client.delete_object(Bucket=seaweed_bucket, Key="b.txt")
    _put_many(seaweed_context, seaweed_bucket, ["d.txt", "sub/e.txt"])
    removed: list[int] = []
    model.rowsRemoved.connect(lambda *_: removed.append(1))
    with qtbot.waitSignal(model.nodeLoaded, timeout=10000):
        model.refresh(index)
    names = [model.node(model.index(r, 0, index)).name for r in range(model.rowCount(index))]
    assert names == ["sub", "a.txt", "c.txt", "d.txt"]
    assert removed == [1]


def test_listing_error_is_reported_not_raised(qtbot, pool, seaweed, seaweed_bucket):
    from tests.conftest import seaweed_settings

    bad = S3Context(seaweed_settings(seaweed, secret_access_key="wrong-secret"))
    m = BucketModel(pool)
    with qtbot.waitSignal(m.error, timeout=10000) as blocker:
        m.set_context(bad)
    assert "secret" in blocker.args[0].lower()
    assert "wrong-secret" not in blocker.args[0]
    assert m.rowCount() == 0


def test_nodes_are_slotted_and_small():
    from s3uploader_gui.ui.browser.node import Node

    obj = Node(Kind.OBJECT, "b", "some/key.jpg", None, size=1, mtime=1.0, etag="e")
    assert not hasattr(obj, "__dict__")
    assert obj.listing is None  # objects carry no paging state
    assert obj.children == [] and obj.is_image and obj.prefix == "some/"


def test_sort_and_filter_proxy_keep_lazy_paging(
    qtbot, qtmodeltester, model, seaweed_context, seaweed_bucket
):
    from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

    from s3uploader_gui.ui.browser.folder_model import BrowserFilterModel
    from s3uploader_gui.ui.browser.node import Column

    sizes = {f"f{i:03}.bin": b"x" * ((i * 37) % 101) for i in range(150)}
    with ThreadPoolExecutor(8) as ex:
        list(
            ex.map(
                lambda kv: seaweed_context.client.put_object(
                    Bucket=seaweed_bucket, Key=kv[0], Body=kv[1]
                ),
                sizes.items(),
            )
        )
    index = _bucket_index(model, seaweed_bucket)
    bucket = model.node(index)
    proxy = BrowserFilterModel(model)
    proxy.set_root(bucket)
    assert proxy.root is bucket
    model.sort(Column.SIZE, Qt.SortOrder.DescendingOrder)
    index = model.index_for(bucket)  # buckets were re-sorted too
    # The bucket's rows are the proxy's top level: views are rooted at the invalid index.
    top = QModelIndex()
    assert proxy.canFetchMore(top)
    with qtbot.waitSignal(model.nodeLoaded, timeout=10000):
        proxy.fetchMore(top)
    assert model.rowCount(index) == proxy.rowCount(top) == 100
    # The next page is merged into the current (size, descending) order.
    with qtbot.waitSignal(model.nodeLoaded, timeout=10000):
        proxy.fetchMore(top)
    got = [c.size for c in bucket.children]
    assert len(got) == 150 and got == sorted(got, reverse=True)
    assert [proxy.node(proxy.index(r, 0)).size for r in range(150)] == got
    assert proxy.node(top) is bucket
    proxy.set_filter_text("F01")
    names = sorted(proxy.index(r, 0).data() for r in range(proxy.rowCount(top)))
    assert names == [f"f{i:03}.bin" for i in range(10, 20)]
    kept = next(c for c in bucket.children if c.name == "f012.bin")
    assert proxy.index_for(kept).data() == "f012.bin"
    assert not proxy.index_for(bucket.children[0]).isValid()  # filtered out
    qtmodeltester.check(proxy, force_py=True)
    # Sorting again keeps persistent indexes (a selection) on their nodes.
    persistent = QPersistentModelIndex(proxy.index_for(kept))
    proxy.sort(Column.NAME, Qt.SortOrder.AscendingOrder)
    assert proxy.node(QModelIndex(persistent)) is kept
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == [
        f"f{i:03}.bin" for i in range(10, 20)
    ]
