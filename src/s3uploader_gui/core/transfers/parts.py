"""What a batch (an upload run, a download batch) uses of its engine, as a protocol.

The engine creates the batches; the batches only need these parts of it. Naming them
here, below both, keeps the import graph one-way (``engine`` → ``upload_run``,
``downloads``) while the batches stay fully typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from s3transfer.manager import TransferManager

    from s3uploader_gui.core.s3.client import S3Client, S3Context
    from s3uploader_gui.core.s3.fastput import FastPut
    from s3uploader_gui.core.s3.pipeline import Pipeline
    from s3uploader_gui.core.transfers.control import BandwidthLimiter
    from s3uploader_gui.core.transfers.journal import Journal
    from s3uploader_gui.core.transfers.settings import EngineSettings
    from s3uploader_gui.core.transfers.task_threads import TaskThreads


class EngineParts(Protocol):
    """The parts of ``TransferEngine`` that its batches use."""

    context: S3Context
    settings: EngineSettings
    journal: Journal
    limiter: BandwidthLimiter

    @property
    def connection_id(self) -> str: ...

    @property
    def client(self) -> S3Client: ...

    @property
    def fast(self) -> FastPut | None: ...

    def fast_for(self, bucket: str) -> FastPut | None: ...

    @property
    def manager(self) -> TransferManager: ...

    def _executor(self) -> TaskThreads: ...

    def _pipelined(self) -> Pipeline: ...
