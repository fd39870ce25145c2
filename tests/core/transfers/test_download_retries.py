"""A download whose body keeps breaking off: s3transfer gives up with RetriesExceededError,
which is a transient network failure (one sentence, retried by the engine), never an
"Unexpected error"."""

from __future__ import annotations

import os
from pathlib import Path

from s3uploader_gui.core.errors import EndpointUnreachable, translate
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import DownloadSource, ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings
from tests.helpers.flaky_get import FlakyGetServer, flaky_get_server

BUCKET = "flaky"


def _context(server: FlakyGetServer) -> S3Context:
    return S3Context(
        ConnectionSettings(
            endpoint_url=server.endpoint_url,
            region="us-east-1",
            access_key_id="flaky-key",
            secret_access_key="flaky-secret",
            addressing_style="path",
            label="flaky",
        )
    )


def test_retries_exceeded_is_a_transient_network_error() -> None:
    import botocore.exceptions as bce
    from s3transfer.exceptions import RetriesExceededError

    cause = bce.IncompleteReadError(actual_bytes=10, expected_bytes=20)
    err = translate(RetriesExceededError(cause), bucket="b", key="k", endpoint="http://127.0.0.1:9")
    assert isinstance(err, EndpointUnreachable), err
    assert "Unexpected" not in err.message
    assert "127.0.0.1:9" in err.message and "s3://b/k" in err.message
    assert err.code == "RetriesExceeded"

    timeout = bce.ReadTimeoutError(endpoint_url="http://127.0.0.1:9/b/k")
    err = translate(RetriesExceededError(timeout), bucket="b", key="k")
    assert isinstance(err, EndpointUnreachable)


def test_a_body_that_keeps_breaking_off_is_retried_until_it_arrives(tmp_path: Path) -> None:
    data = os.urandom(300_000)
    # s3transfer tries a body 5 times before RetriesExceededError: 6 broken answers make
    # the first attempt of the item fail; the engine's next attempt gets it whole.
    with flaky_get_server(BUCKET, {"a.bin": data}, breaks=6) as server:
        engine = TransferEngine(_context(server), EngineSettings(max_concurrency=2))
        try:
            (result,) = engine.download(
                BUCKET, [DownloadSource("a.bin", tmp_path / "a.bin", len(data))]
            )
        finally:
            engine.close()
        gets = server.gets
    assert result.status is ItemStatus.DONE, result.error
    assert (tmp_path / "a.bin").read_bytes() == data
    assert gets == 7
    assert os.listdir(tmp_path) == ["a.bin"]  # no temporary file left behind


def test_a_body_that_never_arrives_fails_in_one_sentence(tmp_path: Path) -> None:
    data = os.urandom(100_000)
    with flaky_get_server(BUCKET, {"a.bin": data}, breaks=10**6) as server:
        engine = TransferEngine(
            _context(server), EngineSettings(max_concurrency=1, retry_budget_s=0.5)
        )
        try:
            (result,) = engine.download(
                BUCKET, [DownloadSource("a.bin", tmp_path / "a.bin", len(data))]
            )
        finally:
            engine.close()
    assert result.status is ItemStatus.FAILED
    assert isinstance(result.error, EndpointUnreachable), result.error
    assert "Unexpected" not in result.error.message
    assert "retried" in result.error.message
    assert os.listdir(tmp_path) == []  # no temporary file left behind
