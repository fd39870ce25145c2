"""The upload history store (core/history.py): record, page, search, count, remove,
clear, survive a restart, stay private, never fail an upload, scale to 100,000 rows."""

from __future__ import annotations

import io
import logging
import os
import stat
from pathlib import Path

import pytest
from PIL import Image

from s3uploader_gui.core import paths
from s3uploader_gui.core.errors import LocalFileError
from s3uploader_gui.core.history import (
    THUMBNAIL_EDGE,
    THUMBNAIL_MAX_BYTES,
    HistoryEntry,
    HistoryStore,
    default_history_path,
    endpoint_host,
    record_uploads,
)
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.model import ItemResult, ItemStatus, ObjectOptions
from tests.helpers.files import make_random
from tests.helpers.images import alpha_png, photo


def entry(key: str, t: float, bucket: str = "photos", **kw: object) -> HistoryEntry:
    return HistoryEntry(bucket=bucket, key=key, size=len(key), time=t, **kw)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path):
    with HistoryStore(tmp_path / "h.sqlite3") as s:
        yield s


def test_record_and_query_newest_first(store: HistoryStore) -> None:
    assert store.record([entry("a.jpg", 10.0), entry("b.jpg", 30.0), entry("c.txt", 20.0)]) == 3
    rows = store.query()
    assert [r.key for r in rows] == ["b.jpg", "c.txt", "a.jpg"]
    assert all(r.id > 0 for r in rows)
    assert [r.key for r in store.query(newest_first=False)] == ["a.jpg", "c.txt", "b.jpg"]
    assert [r.key for r in store.query(limit=1, offset=1)] == ["c.txt"]


def test_fields_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    thumb = b"\xff\xd8jpeg"
    with HistoryStore(path) as s:
        s.record(
            [
                HistoryEntry(
                    bucket="b",
                    key="trip/day 1/süd.jpg",
                    size=1234,
                    time=1_700_000_000.5,
                    content_type="image/jpeg",
                    profile="Wasabi",
                    endpoint="s3.wasabisys.com",
                    thumbnail=thumb,
                )
            ]
        )
    with HistoryStore(path) as s:
        (row,) = s.query()
        assert s.count() == 1
        assert s.thumbnail(row.id) == thumb
    assert (row.bucket, row.key, row.size, row.time) == (
        "b",
        "trip/day 1/süd.jpg",
        1234,
        1.7e9 + 0.5,
    )
    assert (row.content_type, row.profile, row.endpoint) == (
        "image/jpeg",
        "Wasabi",
        "s3.wasabisys.com",
    )
    assert row.has_thumbnail and row.thumbnail is None  # the bytes are read on demand
    assert (row.name, row.folder, row.s3_uri) == (
        "süd.jpg",
        "trip/day 1/",
        "s3://b/trip/day 1/süd.jpg",
    )
    assert row.to_dict()["time"] == "2023-11-14T22:13:20.500000+00:00"


def test_search_matches_key_or_bucket_anywhere(store: HistoryStore) -> None:
    store.record(
        [
            entry("screenshots/Shot 1.png", 1, bucket="work"),
            entry("holiday/beach.JPG", 2, bucket="family"),
            entry("100%_done.txt", 3, bucket="work"),
            entry("a_b.txt", 4, bucket="x"),
            entry("axb.txt", 5, bucket="x"),
        ]
    )
    assert [r.key for r in store.query("shot")] == ["screenshots/Shot 1.png"]
    assert [r.key for r in store.query("beach.jpg")] == ["holiday/beach.JPG"]
    assert store.count("work") == 2
    assert {r.key for r in store.query("FAMILY")} == {"holiday/beach.JPG"}
    # LIKE's wildcards are taken literally.
    assert [r.key for r in store.query("%_")] == ["100%_done.txt"]
    assert [r.key for r in store.query("a_b")] == ["a_b.txt"]
    assert store.count("nothing-like-it") == 0


def test_images_only(store: HistoryStore) -> None:
    store.record(
        [entry("a.png", 1, content_type="image/png"), entry("b.txt", 2, content_type="text/plain")]
    )
    assert [r.key for r in store.query(images_only=True)] == ["a.png"]
    assert store.count(images_only=True) == 1


def test_remove_and_clear(store: HistoryStore) -> None:
    store.record([entry(f"{i}.txt", i) for i in range(5)])
    ids = [r.id for r in store.query() if r.key in ("1.txt", "3.txt")]
    assert store.remove(ids) == 2
    assert [r.key for r in store.query()] == ["4.txt", "2.txt", "0.txt"]
    assert store.remove([10_000]) == 0
    store.clear()
    assert store.count() == 0 and store.query() == []


def test_file_is_private_and_in_the_data_folder() -> None:
    path = default_history_path()
    assert path.parent == paths.data_dir()
    with HistoryStore() as s:
        s.record([entry("a.txt", 1)])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for extra in path.parent.glob(path.name + "-*"):  # -wal and -shm
        assert stat.S_IMODE(extra.stat().st_mode) == 0o600, extra


def test_a_write_error_is_logged_never_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    s = HistoryStore(tmp_path / "h.sqlite3")
    s.close()
    with caplog.at_level(logging.WARNING):
        assert s.record([entry("a.txt", 1)]) == 0
    assert "not written" in caplog.text


def test_a_damaged_file_does_not_fail_the_upload(tmp_path: Path) -> None:
    path = default_history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LocalFileError, match="cannot be read"):
        HistoryStore()
    done = ItemResult(0, "a.txt", tmp_path / "a.txt", ItemStatus.DONE, 3)
    assert record_uploads(None, "local", "b", [done]) == 0


def test_keyset_pages_equal_offset_pages_at_100_000_entries(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "big.sqlite3") as s:
        # Many rows share a time (one batch): the id breaks the tie.
        s.record(entry(f"batch/{i:06d}.jpg", float(i // 7)) for i in range(100_000))
        assert s.count() == 100_000
        first = s.query(limit=200)
        assert first[0].key == "batch/099999.jpg" and len(first) == 200
        last = first[-1]
        second = s.query(limit=200, after=(last.time, last.id))
        assert [r.id for r in second] == [r.id for r in s.query(limit=200, offset=200)]
        assert s.count("batch/0999") == 100
        plan = s._db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM uploads ORDER BY time DESC, id DESC LIMIT 1"
        ).fetchall()
        assert "uploads_time" in str(plan)  # the first page never sorts the whole table


def test_endpoint_host_drops_userinfo_and_path() -> None:
    assert (
        endpoint_host("https://user:secret@s3.example.com:9000/base?x=1") == "s3.example.com:9000"
    )
    assert endpoint_host("http://127.0.0.1:8333") == "127.0.0.1:8333"
    assert endpoint_host("http://[::1]:9000") == "[::1]:9000"
    assert endpoint_host(None) == ""


def test_record_uploads_keeps_done_rows_with_thumbnails(
    tmp_path: Path, seaweed_context: S3Context
) -> None:
    jpeg = photo(tmp_path / "big photo.jpg", (1600, 1200))
    png = alpha_png(tmp_path / "logo.png", (600, 400))
    data = make_random(tmp_path / "data.bin", 1000)
    results = [
        ItemResult(0, "up/photo.jpg", jpeg, ItemStatus.DONE, 1111),
        ItemResult(1, "up/logo.webp", png, ItemStatus.DONE, 222),  # converted on the way
        ItemResult(2, "up/data.bin", data, ItemStatus.DONE, 1000),
        ItemResult(3, "up/failed.txt", data, ItemStatus.FAILED),
        ItemResult(4, "up/skipped.txt", data, ItemStatus.SKIPPED),
    ]
    with HistoryStore(tmp_path / "h.sqlite3") as s:
        n = record_uploads(s, "Test", "bkt", results, context=seaweed_context, now=100.0)
        assert n == 3
        rows = {r.key: r for r in s.query()}
        assert set(rows) == {"up/photo.jpg", "up/logo.webp", "up/data.bin"}
        assert rows["up/logo.webp"].content_type == "image/webp"
        assert rows["up/data.bin"].content_type == "application/octet-stream"
        assert not rows["up/data.bin"].has_thumbnail
        port = seaweed_context.settings.endpoint_url.rsplit(":", 1)[1]
        for key in ("up/photo.jpg", "up/logo.webp"):
            row = rows[key]
            assert (row.profile, row.endpoint, row.time) == ("Test", f"127.0.0.1:{port}", 100.0)
            thumb = s.thumbnail(row.id)
            assert thumb is not None and len(thumb) <= THUMBNAIL_MAX_BYTES
            with Image.open(io.BytesIO(thumb)) as im:
                assert im.format == "JPEG" and max(im.size) <= 160
                assert im.size[0] > im.size[1]  # upright, landscape as the originals
    # The secret that signed the uploads is nowhere in the file.
    secret = seaweed_context.settings.secret_access_key
    assert secret
    for f in tmp_path.glob("h.sqlite3*"):
        assert secret.encode() not in f.read_bytes()


def test_record_uploads_takes_thumbnails_from_the_cache_and_decodes_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from s3uploader_gui.core.imaging import thumbcache
    from s3uploader_gui.core.imaging.thumbcache import ThumbnailCache

    kept = photo(tmp_path / "kept.jpg", (800, 600))
    edited = photo(tmp_path / "edited.jpg", (800, 600))
    cache = ThumbnailCache(tmp_path / "cache")
    queue_made = cache.get(kept, THUMBNAIL_EDGE)  # as the queue's rows do
    cache.get(edited, THUMBNAIL_EDGE)
    photo(edited, (600, 800))  # changed after its queue thumbnail: a new one is due
    os.utime(edited, ns=(1, 1))
    decoded: list[str] = []
    make = thumbcache.make_thumbnail
    monkeypatch.setattr(
        thumbcache, "make_thumbnail", lambda p, size: decoded.append(Path(p).name) or make(p, size)
    )
    results = [
        ItemResult(0, "kept.jpg", kept, ItemStatus.DONE, 1),
        ItemResult(1, "edited.jpg", edited, ItemStatus.DONE, 1),
    ]
    with HistoryStore(":memory:") as s:
        assert record_uploads(s, "x", "b", results, thumbnails=cache) == 2
        thumbs = {e.key: s.thumbnail(e.id) for e in s.query()}
    assert decoded == ["edited.jpg"]
    assert thumbs["kept.jpg"] == queue_made.data
    edited_thumb = thumbs["edited.jpg"]
    assert edited_thumb is not None
    with Image.open(io.BytesIO(edited_thumb)) as im:
        assert im.size[1] > im.size[0]  # the edited (portrait) file, not the cached one


def test_record_uploads_content_type_from_the_options_and_no_thumbnail_once_cancelled(
    tmp_path: Path,
) -> None:
    from s3uploader_gui.core.cancel import CancelToken

    jpeg = photo(tmp_path / "p.jpg")
    token = CancelToken()
    token.cancel()
    results = [ItemResult(0, "p.jpg", jpeg, ItemStatus.DONE, 10)]
    options = ObjectOptions(content_types={".jpg": "image/pjpeg"})
    with HistoryStore(":memory:") as s:
        assert record_uploads(s, "x", "b", results, options=options, cancel=token) == 1
        (row,) = s.query()
    assert row.content_type == "image/pjpeg" and not row.has_thumbnail
    assert os.environ.get("XDG_DATA_HOME")  # the user's own history is never touched


def test_download_and_delete_uploaded(
    tmp_path: Path, seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    from s3uploader_gui.core.operations.history import delete_uploaded, download_uploaded

    client = seaweed_context.client
    for key in ("a/one.txt", "a/two.txt"):
        client.put_object(Bucket=seaweed_bucket, Key=key, Body=key.encode())
    entries = [entry("a/one.txt", 1, seaweed_bucket), entry("a/two.txt", 2, seaweed_bucket)]
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "one.txt").write_text("mine")
    (outcome,) = download_uploaded(seaweed_context, entries, dest)
    assert len(outcome.downloaded) == 2
    assert (dest / "one.txt").read_text() == "mine"  # kept; the download is beside it
    assert (dest / "one (1).txt").read_text() == "a/one.txt"
    assert (dest / "two.txt").read_text() == "a/two.txt"
    (deleted,) = delete_uploaded(seaweed_context, entries)
    assert sorted(deleted.deleted) == ["a/one.txt", "a/two.txt"] and not deleted.failed
    assert client.list_objects_v2(Bucket=seaweed_bucket).get("KeyCount") == 0
