"""EngineSettings and S3's multipart limits: part sizes, the memory bound."""

from __future__ import annotations

from s3uploader_gui.core.transfers.settings import MAX_PARTS, EngineSettings, MiB, part_size_for


def test_part_size_grows_to_fit_5_tib_in_10000_parts() -> None:
    assert part_size_for(100 * MiB, 8 * MiB) == 8 * MiB
    assert part_size_for(1, 1) == 5 * MiB  # S3's minimum part size
    five_tib = 5 * 1024 * 1024 * MiB
    part = part_size_for(five_tib, 8 * MiB)
    assert -(-five_tib // part) <= MAX_PARTS
    assert part % MiB == 0 and part <= 5 * 1024 * MiB
    big = 200 * 1024 * MiB  # 200 GiB: 8 MiB parts would need 25,600
    assert -(-big // part_size_for(big, 8 * MiB)) <= MAX_PARTS


def test_memory_bound_is_stated() -> None:
    s = EngineSettings(max_concurrency=4, multipart_chunksize=8 * MiB)
    assert s.memory_bound == 4 * 8 * MiB
    s = EngineSettings(max_concurrency=4, multipart_chunksize=64 * MiB, buffer_limit=16 * MiB)
    assert s.memory_bound == 4 * 16 * MiB  # bigger parts stream from the file
