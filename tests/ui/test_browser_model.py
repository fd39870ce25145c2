"""The lazy bucket model: pages inserted as rows, folders first, refresh merges."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from s3uploader_gui.core.s3client import S3Context
from s3uploader_gui.ui.browser_model import BucketModel, Kind
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
