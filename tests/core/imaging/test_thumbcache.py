"""core.imaging.thumbcache: memory LRU bounded, disk reuse across instances, invalidation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from s3uploader_gui.core.errors import BadImage, LocalFileError
from s3uploader_gui.core.imaging.thumbcache import ThumbnailCache
from tests.helpers.images import photo


def test_memory_then_disk_then_fresh(tmp_path: Path) -> None:
    path = photo(tmp_path / "a.jpg", (400, 300))
    cache = ThumbnailCache(tmp_path / "cache")
    first = cache.get(path, 64)
    assert (cache.misses, cache.hits) == (1, 0)
    assert cache.get(path, 64) is first and cache.hits == 1
    other = ThumbnailCache(tmp_path / "cache")  # a new run
    again = other.get(path, 64)
    assert other.disk_hits == 1 and other.misses == 0
    assert again.data == first.data and again.info == first.info
    # A changed file (new mtime and size) is decoded again.
    photo(path, (200, 100))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    fresh = other.get(path, 64)
    assert other.misses == 1 and (fresh.info.width, fresh.info.height) == (200, 100)


def test_memory_is_bounded(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "cache", max_memory_bytes=6000)
    for i in range(12):
        cache.get(photo(tmp_path / f"p{i}.jpg", (200, 150), gps=False), 64)
    assert cache.memory_bytes <= 6000 and len(cache) < 12


def test_errors_are_not_cached_as_thumbnails(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "cache")
    bad = tmp_path / "bad.jpg"
    bad.write_text("nope")
    with pytest.raises(BadImage):
        cache.get(bad, 64)
    with pytest.raises(LocalFileError):
        cache.get(tmp_path / "missing.jpg", 64)


def test_prune_keeps_disk_bounded(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "cache", max_disk_bytes=1)
    for i in range(3):
        cache.get(photo(tmp_path / f"p{i}.jpg", (200, 150), gps=False), 64)
    assert cache.prune() >= 2
