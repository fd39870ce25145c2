"""How an engine transfers: concurrency, part sizes, bandwidth, what objects carry, and
the S3 multipart limits that bound part sizes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from s3uploader_gui.core.errors import ConfigError
from s3uploader_gui.core.transfers.model import ConflictPolicy, ObjectOptions

if TYPE_CHECKING:  # s3transfer loads on first use (a worker), not at start-up
    from s3transfer.manager import TransferConfig

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
TiB = 1024 * GiB

#: S3 limits for multipart uploads.
MAX_PARTS = 10_000
MIN_PART_SIZE = 5 * MiB
MAX_PART_SIZE = 5 * GiB
MAX_OBJECT_SIZE = 5 * TiB


def part_size_for(size: int, preferred: int) -> int:
    """The part size for a ``size``-byte file: ``preferred``, grown to fit 10,000 parts."""
    if size > MAX_OBJECT_SIZE:
        raise ConfigError(f"A file of {size} bytes is larger than S3's 5 TiB object limit.")
    part = max(preferred, MIN_PART_SIZE, math.ceil(size / MAX_PARTS))
    part = math.ceil(part / MiB) * MiB  # whole MiB, still ≤ 5 GiB for 5 TiB
    return min(part, MAX_PART_SIZE)


@dataclass
class EngineSettings:
    """Concurrency, part sizes, bandwidth and what objects carry.

    Memory held by uploads is at most about ``max_concurrency`` × min(part size,
    ``buffer_limit``) (see ``memory_bound``): larger parts stream from the file.
    """

    #: Requests (whole small files or parts) in flight at once; also the pool size.
    max_concurrency: int = 10
    multipart_threshold: int = 8 * MiB
    multipart_chunksize: int = 8 * MiB
    #: Tasks submitted ahead of the threads, so small files never leave a thread idle.
    window: int = 0
    #: Bytes per second for all transfers together; None: unlimited.
    max_bandwidth: int | None = None
    conflict: ConflictPolicy = ConflictPolicy.OVERWRITE
    options: ObjectOptions = field(default_factory=ObjectOptions)
    #: Extra PutObject/CreateMultipartUpload arguments (kept for callers of the old API).
    extra: dict[str, Any] = field(default_factory=dict)
    #: How long an item keeps retrying after network or server failures before it fails.
    retry_budget_s: float = 60.0
    #: Request bodies up to this size are read into memory; bigger ones stream.
    buffer_limit: int = 32 * MiB

    @property
    def memory_bound(self) -> int:
        """About the most memory request bodies take at once (bytes)."""
        per = min(max(self.multipart_chunksize, self.multipart_threshold), self.buffer_limit)
        return self.max_concurrency * per

    def transfer_config(self) -> TransferConfig:
        """s3transfer's config for downloads (it grows part sizes by itself)."""
        from s3transfer.manager import TransferConfig

        config = TransferConfig(
            multipart_threshold=self.multipart_threshold,
            multipart_chunksize=self.multipart_chunksize,
            max_request_concurrency=self.max_concurrency,
            max_submission_concurrency=max(2, self.max_concurrency // 2),
            max_io_queue_size=1000,
        )
        if self.max_bandwidth:
            config.max_bandwidth = self.max_bandwidth
        return config
